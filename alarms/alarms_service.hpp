#pragma once
// The alarms as the daemon runs them: one model for every domain. At start it rebuilds the
// book from the trail (alarms/alarm_replay.hpp); then it follows the bus for the event types
// the domains' rules name (core::AlarmRuleBook), raises, re-triggers and clears alarms, checks
// every second for escalations and expired shelvings, and commits each step through the
// recorder. Operators work the alarms through its routes, answered once the step is durable.
// docs/alarms.md is the contract; app/alarms_wiring.cpp builds it. Includes core only.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "alarms/alarm_config.hpp"
#include "core/alarm_rule.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"

namespace sekimori::alarms {

// Who sees the alarm queue, its routes and alarm.* events on the live stream.
inline const core::RoleSet kAlarmViewers{core::Role::deskOperator, core::Role::securityAdmin,
                                         core::Role::bcpCoordinator};
// Who acknowledges, comments and resolves.
inline const core::RoleSet kAlarmActors{core::Role::deskOperator, core::Role::securityAdmin};
// Who shelves and unshelves: putting an alarm out of sight is a security decision.
inline const core::RoleSet kAlarmShelvers{core::Role::securityAdmin};

// Beyond the model's codes (alarms/alarm_book.hpp), the routes answer:
inline constexpr std::string_view kAlarmBadRequest = "alarms.bad_request";   // 400
inline constexpr std::string_view kAlarmUnavailable = "alarms.unavailable";  // 503

struct AlarmsServiceParts {
    boost::asio::any_io_executor executor;  // the daemon's io thread
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    const core::AlarmRuleBook& rules;  // filled by the domains' factories before start
    std::string databasePath;          // read only: replay, and GET /api/alarms/{id}
    AlarmsConfig config;
    std::filesystem::path webDir;                  // the alarms plugin (alarms/web)
    std::chrono::milliseconds tickInterval{1000};  // how often escalations and expiries are due
};

class AlarmsService final : public core::Service {
  public:
    explicit AlarmsService(AlarmsServiceParts parts);
    ~AlarmsService() override;

    std::string_view name() const override { return "alarms"; }
    // Replays the trail (blocking SQLite: before the io thread runs, as the daemon does), hands
    // on the triggers recorded after the newest one an alarm links, subscribes, arms the timer.
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::alarms
