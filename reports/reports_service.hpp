#pragma once
// The reports as the daemon runs them (docs/reports.md): GET routes for the auditor and the
// security admin, each run on the console's worker with its own read-only connection to the
// trail, each answered once its report.generated event is durable; the report-signing key made
// at first start; the console page (reports/web). Nothing here changes the site's state: the
// only write is the record of who ran which report.
#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"
#include "reports/reports_config.hpp"

namespace sekimori::reports {

// Who may run reports and see the page.
inline const core::RoleSet kReportRoles{core::Role::auditor, core::Role::securityAdmin};

struct ReportsServiceParts {
    boost::asio::any_io_executor executor;  // the daemon's io thread
    core::EventRecorder& recorder;
    const core::Clock& clock;
    std::string dbPath;          // the routes open their own read-only connections on it
    std::string signingKeyPath;  // <key_dir>/report-signing.key, made at first start
    int utcOffsetMinutes = 0;
    ReportsConfig config;
    std::filesystem::path webDir;  // the page's files (reports/web)
};

class ReportsService final : public core::Service {
  public:
    explicit ReportsService(ReportsServiceParts parts);
    ~ReportsService() override;

    std::string_view name() const override { return "reports"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::reports
