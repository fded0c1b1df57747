#pragma once
// What every domain's service is built from: the daemon's shared parts, made once in
// sekimorid_main.cpp and handed to each factory in the domain list (app/domains.hpp).
#include <boost/asio/any_io_executor.hpp>

#include "app/site_paths.hpp"
#include "core/alarm_rule.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/site_config_model.hpp"
#include "io/modbus_device_config.hpp"
#include "io/mqtt_router.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::app {

struct DaemonParts {
    boost::asio::any_io_executor executor;  // the daemon's io thread
    io::MqttRouter& router;
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    const core::SiteConfig& site;                  // [site], [daemon], zones, schedules
    const io::ModbusDevicesConfig& modbusDevices;  // shared by power and hvac
    const SitePaths& paths;  // database, keys; services open their own reader connections
    // Four-eyes approvals: a domain registers its kinds here in its factory and asks the engine
    // instead of writing when a change needs a second person (docs/approvals.md).
    policy::ApprovalEngine& approvals;
    // Alarms: a domain's factory declares which of its events raise or clear an alarm; the
    // alarms service (alarms/) works them (docs/alarms.md).
    core::AlarmRuleBook& alarmRules;
};

}  // namespace sekimori::app
