#include "policy/approvals_service.hpp"

#include <boost/asio/steady_timer.hpp>

namespace sekimori::policy {

struct ApprovalsService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(ApprovalsServiceParts p) : parts(std::move(p)), timer(parts.executor) {}

    // Re-armed only after a sweep was handed to the recorder: sweeps never overlap (the engine
    // also skips while one is in flight), and stop() ends the loop.
    void armTimer() {
        timer.expires_after(parts.sweepInterval);
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) {
                return;
            }
            self->parts.engine.sweepExpired();
            self->armTimer();
        });
    }

    ApprovalsServiceParts parts;
    boost::asio::steady_timer timer;
    bool running = false;
};

ApprovalsService::ApprovalsService(ApprovalsServiceParts parts)
    : impl_(std::make_shared<Impl>(std::move(parts))) {}

ApprovalsService::~ApprovalsService() {
    stop();
}

core::Result<void> ApprovalsService::start() {
    if (impl_->running) {
        return {};
    }
    impl_->running = true;
    impl_->armTimer();
    return {};
}

void ApprovalsService::stop() {
    if (!impl_->running) {
        return;
    }
    impl_->running = false;
    impl_->timer.cancel();
}

std::vector<core::ApiRoute> ApprovalsService::routes() {
    return impl_->parts.engine.routes(impl_->parts.dbPath, impl_->parts.utcOffsetMinutes);
}

std::vector<core::EventVisibility> ApprovalsService::eventVisibility() {
    return {core::EventVisibility{"approval.", kApprovalViewers}};
}

std::optional<core::UiPlugin> ApprovalsService::uiPlugin() {
    return core::UiPlugin{"approvals", impl_->parts.webDir, "index.js", kApprovalViewers};
}

}  // namespace sekimori::policy
