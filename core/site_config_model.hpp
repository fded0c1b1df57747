#pragma once
// The site's configuration as plain data: what loadSiteConfig (core/site_config.hpp) hands the
// daemon after the whole file has been checked. Every key is documented in docs/config.md; the
// field names follow the TOML keys (unlock_ms -> unlock, to_zone -> toZone).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.hpp"

namespace sekimori::core {

struct SiteInfo {
    std::string id;
    std::string name;
    int utcOffsetMinutes = 0;  // local time = UTC + offset; Japan is 540 (no tz database)
};

// Relative paths in [daemon] are already resolved (see base_dir in docs/config.md), so every
// path here is absolute.
struct DaemonConfig {
    std::filesystem::path baseDir;
    std::filesystem::path dataDir;  // SQLite database and audit checkpoint file
    std::filesystem::path keyDir;   // key files (0600), never in the database
    std::string mqttUri;            // tcp://host:port or ssl://host:port
    std::string mqttUser;
    std::filesystem::path mqttPasswordFile;
    std::string consoleListen;  // "127.0.0.1:8443" as written
    std::string consoleHost;    // host part of console_listen (brackets of IPv6 removed)
    std::uint16_t consolePort = 0;
    std::filesystem::path consoleCert;
    std::filesystem::path consoleKey;
    std::filesystem::path consoleWebRoot;
    LogLevel logLevel = LogLevel::info;
};

// Ordered from the outside in; a zone's parent is always of an earlier kind, except that an
// `area` may also sit inside another area.
enum class ZoneKind { site, building, floor, managementArea, handlingArea, area };

struct ZoneConfig {
    std::string id;
    std::string name;
    std::string parent;  // empty only for the single site root
    ZoneKind kind = ZoneKind::area;
};

enum class Weekday { mon, tue, wed, thu, fri, sat, sun };

// Half-open [start, end) in minutes after local midnight; end may be 1440 ("24:00").
struct ScheduleWindow {
    std::vector<Weekday> days;
    int startMinute = 0;
    int endMinute = 0;
};

struct ScheduleConfig {
    std::string id;
    std::string name;
    std::vector<ScheduleWindow> windows;
};

enum class Factor { card, pin, finger };

struct DoorConfig {
    std::string id;
    std::string name;
    std::string panel;
    std::string fromZone;
    std::string toZone;
    std::vector<Factor> entryFactors;  // in the order asked; card first
    std::vector<Factor> exitFactors;   // empty = free exit by request-to-exit
    std::chrono::milliseconds unlock{5000};
    std::chrono::milliseconds stepTimeout{15000};
    int fingerThreshold = 60;  // minimum match score 0..100 the controller accepts
    std::chrono::milliseconds heldOpen{30000};
};

struct CircleGateConfig {
    std::string id;
    std::string name;
    std::string panel;
    std::string fromZone;
    std::string toZone;
    std::vector<Factor> entryFactors;
    std::vector<Factor> exitFactors;
    int maxOccupants = 1;
    double maxWeightKg = 0;  // a cycle weighing more is refused as two people
    std::chrono::milliseconds cycleTimeout{60000};
    std::chrono::milliseconds stepTimeout{15000};
    int fingerThreshold = 60;
};

struct CameraConfig {
    std::string id;
    std::string name;
    std::string url;                          // rtsp://
    std::optional<std::string> substreamUrl;  // low resolution stream for analytics
    std::vector<std::string> covers;          // door, circle gate or zone ids
    int retentionDays = 90;
};

enum class ModbusProfile { ats, generator, meter, ups, crac, sensor, relay, pdu };

struct ModbusDeviceConfig {
    std::string id;
    std::string name;
    std::string host;
    std::uint16_t port = 502;
    int unitId = 1;
    ModbusProfile profile = ModbusProfile::meter;
    std::chrono::milliseconds poll{1000};
    std::chrono::milliseconds timeout{500};
};

struct FeedConfig {
    std::string id;
    std::string name;
    std::string meter;  // modbus device with profile meter
};

struct GeneratorConfig {
    std::string device;  // modbus device with profile generator
    double dayTankLitres = 0;
    double bulkTankLitres = 0;
    double burnLitresPerHourAtSiteLoad = 0;
};

struct UpsConfig {
    std::string id;
    std::string name;
    std::string nut;      // "ups1@127.0.0.1:3493" as written
    std::string nutUps;   // "ups1"
    std::string nutHost;  // "127.0.0.1"
    std::uint16_t nutPort = 3493;
    std::optional<std::string> device;  // modbus device with profile ups, if also polled there
    int batteryLowPercent = 30;
};

struct PowerConfig {
    std::vector<FeedConfig> feeds;
    std::optional<std::string> ats;  // modbus device with profile ats
    std::optional<GeneratorConfig> generator;
    std::vector<UpsConfig> ups;
};

struct CracConfig {
    std::string id;
    std::string name;
    std::string zone;
    std::string device;  // modbus device with profile crac
    double supplyTempMaxC = 27.0;
    double returnTempMaxC = 38.0;
};

enum class SensorKind { temperature, humidity, leak };

struct SensorConfig {
    std::string id;
    std::string name;
    std::string zone;
    std::string device;  // modbus device with profile sensor
    SensorKind kind = SensorKind::temperature;
    int channel = 0;
    std::optional<double> min;  // alarm below (temperature, humidity)
    std::optional<double> max;  // alarm above (temperature, humidity)
};

struct RelayRef {
    std::string device;  // modbus device with profile relay or pdu
    int coil = 0;
};

struct HubTimerConfig {
    std::string id;
    std::string name;
    RelayRef relay;
    std::string schedule;  // the hub is powered only inside this schedule
    bool allowOverride = false;
};

struct SiteConfig {
    std::string sourceName;  // the file (or name) it was loaded from
    SiteInfo site;
    DaemonConfig daemon;
    std::vector<ZoneConfig> zones;
    std::vector<ScheduleConfig> schedules;
    std::vector<DoorConfig> doors;
    std::vector<CircleGateConfig> circleGates;
    std::vector<CameraConfig> cameras;
    std::vector<ModbusDeviceConfig> modbusDevices;
    std::optional<PowerConfig> power;
    std::vector<CracConfig> cracUnits;
    std::vector<SensorConfig> sensors;
    std::vector<HubTimerConfig> hubTimers;
};

// The TOML spelling of each enumerator ("management_area", "finger", "mon", "crac").
std::string_view zoneKindName(ZoneKind kind);
std::string_view factorName(Factor factor);
std::string_view weekdayName(Weekday day);
std::string_view modbusProfileName(ModbusProfile profile);
std::string_view sensorKindName(SensorKind kind);

// Look-ups by id; nullptr when absent.
const ZoneConfig* findZone(const SiteConfig& config, std::string_view id);
const ScheduleConfig* findSchedule(const SiteConfig& config, std::string_view id);
const DoorConfig* findDoor(const SiteConfig& config, std::string_view id);
const CircleGateConfig* findCircleGate(const SiteConfig& config, std::string_view id);
const ModbusDeviceConfig* findModbusDevice(const SiteConfig& config, std::string_view id);

}  // namespace sekimori::core
