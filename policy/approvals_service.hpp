#pragma once
// The approvals as the daemon runs them: the engine's routes, a sweep on a timer that records
// approval.expired when a request's time is up, who sees approval.* on the live stream, and the
// console page (policy/web/approvals). app/approvals_wiring.cpp builds it; the engine itself is
// made earlier (sekimorid_main.cpp) so that every domain can register its kinds.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/service.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::policy {

// Who sees the page and the approval.* events: those who decide, and the auditor.
inline const core::RoleSet kApprovalViewers{core::Role::securityAdmin, core::Role::facilityAdmin,
                                            core::Role::auditor};

struct ApprovalsServiceParts {
    boost::asio::any_io_executor executor;  // the daemon's io thread
    ApprovalEngine& engine;
    std::string dbPath;            // the routes open their own read-only connections on it
    int utcOffsetMinutes = 0;      // the site's, for the page's times
    std::filesystem::path webDir;  // the page's files (policy/web/approvals)
    std::chrono::milliseconds sweepInterval{1000};  // how often expiries are looked for
};

class ApprovalsService final : public core::Service {
  public:
    explicit ApprovalsService(ApprovalsServiceParts parts);
    ~ApprovalsService() override;

    std::string_view name() const override { return "approvals"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::policy
