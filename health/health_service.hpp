#pragma once
// The health domain as the daemon runs it: listens to every panel topic and the broker's $SYS
// figures on the MQTT router, checks for silences on a timer, records health.* events, answers
// GET /api/health and brings the console's status card (health/web). app/health_wiring.cpp
// builds it. It includes core, io and protocol only.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"
#include "health/health_config.hpp"
#include "io/mqtt_router.hpp"

namespace sekimori::health {

// Who sees the health card, its route and its events: the desk and both admins.
inline const core::RoleSet kHealthRoles{core::Role::deskOperator, core::Role::securityAdmin,
                                        core::Role::facilityAdmin};

struct HealthServiceParts {
    boost::asio::any_io_executor executor;  // the daemon's io thread
    io::MqttRouter& router;
    core::EventRecorder& recorder;
    const core::Clock& clock;
    std::string site;
    int utcOffsetMinutes = 0;  // the site's, for the card's times
    HealthConfig config;
    std::filesystem::path webDir;                   // the card's files (health/web)
    std::chrono::milliseconds checkInterval{1000};  // how often silences are looked for
};

class HealthService final : public core::Service {
  public:
    explicit HealthService(HealthServiceParts parts);
    ~HealthService() override;

    std::string_view name() const override { return "health"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::health
