#include "app/running_services.hpp"

#include "core/log.hpp"

namespace sekimori::app {

core::Result<RunningServices> RunningServices::make(const std::vector<Domain>& domains,
                                                    const DaemonParts& parts) {
    RunningServices running;
    for (const auto& domain : domains) {
        if (!domain.makeService) {
            continue;
        }
        auto service = domain.makeService(parts);
        if (!service) {
            return core::makeError(service.error().code,
                                   domain.name + ": " + service.error().message);
        }
        if (*service) {  // null: the domain is not configured at this site
            running.services_.push_back(std::move(*service));
        }
    }
    return running;
}

core::Result<void> RunningServices::startAll() {
    for (; started_ < services_.size(); ++started_) {
        core::Service& service = *services_[started_];
        if (auto r = service.start(); !r) {
            const core::Error error{r.error().code,
                                    std::string(service.name()) + ": " + r.error().message};
            stopAll();
            return error;
        }
        core::logInfo("sekimorid", "service " + std::string(service.name()) + " started");
    }
    return {};
}

void RunningServices::stopAll() {
    while (started_ > 0) {
        --started_;
        services_[started_]->stop();
    }
}

}  // namespace sekimori::app
