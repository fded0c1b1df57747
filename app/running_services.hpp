#pragma once
// The daemon's services, made from the domain list and run as one: started in list order,
// stopped in reverse, so a later domain may rely on an earlier one's subscriptions.
#include <memory>
#include <vector>

#include "app/domain.hpp"
#include "core/result.hpp"
#include "core/service.hpp"

namespace sekimori::app {

class RunningServices {
  public:
    // Makes every domain's service (a domain without a factory has none yet).
    static core::Result<RunningServices> make(const std::vector<Domain>& domains,
                                              const DaemonParts& parts);

    const std::vector<std::unique_ptr<core::Service>>& services() const { return services_; }

    // On the io thread (or before it runs). When one fails, those already started are stopped
    // (in reverse) and its error is returned, naming the service.
    core::Result<void> startAll();
    // On the io thread: stops every started service, in reverse order. Idempotent.
    void stopAll();

  private:
    std::vector<std::unique_ptr<core::Service>> services_;
    std::size_t started_ = 0;
};

}  // namespace sekimori::app
