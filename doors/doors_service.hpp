#pragma once
// The doors domain as the daemon runs it: the panel gateway on the MQTT router, access
// sessions, door state, presence, the credential cache, the console's doors, presence and
// people routes, the credential write routes (doors/enrollment_routes) with their approval
// kinds, and the console plugin (doors/web). app/door_wiring.cpp builds it. Everything runs on the
// io executor except the reader thread (credential snapshots, the presence rebuild) and the people
// route (a console worker); nothing on the io thread touches SQLite.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"
#include "doors/access_rules_config.hpp"
#include "doors/door_config.hpp"
#include "doors/door_keys.hpp"
#include "doors/enrollment.hpp"
#include "doors/offline_config.hpp"
#include "io/mqtt_router.hpp"
#include "policy/schedule.hpp"

namespace sekimori::policy {
class ApprovalEngine;
}

namespace sekimori::doors {

struct DoorsServiceParts {
    boost::asio::any_io_executor executor;  // the daemon's io thread
    io::MqttRouter& router;
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    std::string site;
    std::string databasePath;  // for the service's own reader connections (credential cache,
                               // presence rebuild, people queries), never the io thread
    DoorsConfig config;
    std::vector<policy::Schedule> schedules;
    DoorKeys keys;
    // How long a step's commit may take before the panel is told store_unavailable (the
    // recorder retries a failing disk for as long as it takes; a panel gives up after 5 s).
    std::chrono::milliseconds commitPatience{2000};
    // Zones (and which are restricted) and schedules the enrollment routes accept.
    KnownNames names{};
    // Where restricted grants and templates wait for a second person (doors.* kinds are
    // registered on it at create); null: those routes answer 503.
    policy::ApprovalEngine* approvals = nullptr;
    // The console plugin's files (doors/web: the doors and people pages, the overview's tiles,
    // who is inside and the plan layer); served under /plugins/doors/.
    std::filesystem::path webDir{};
    // Issue 14 (last, so the daemon's and the tests' positional parts keep compiling).
    // [[groups]], [[access_levels]], [[zone_rules]], [lockdown] (doors/access_rules_config).
    AccessRulesConfig rules{};
    // Zone id -> parent zone id from [[zones]] (the root has none): a zone's lockdown covers
    // the zones inside it.
    std::map<std::string, std::string, std::less<>> zoneParents{};
    // [offline] (doors/offline_config.hpp): the panels' offline caches (doors/offline_sync).
    OfflineConfig offline{};
};

class DoorsService final : public core::Service {
  public:
    static core::Result<std::unique_ptr<DoorsService>> create(DoorsServiceParts parts);
    ~DoorsService() override;

    std::string_view name() const override { return "doors"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    // "doors", for the roles that see the doors page (operator, facility and security admins).
    std::optional<core::UiPlugin> uiPlugin() override;

    // start() returns at once; the service subscribes to the panels' topics only once the
    // first credential snapshot is loaded and presence is rebuilt from the trail (both on its
    // reader thread). True from then until stop(). io thread.
    bool serving() const;

  private:
    struct Impl;
    explicit DoorsService(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sekimori::doors
