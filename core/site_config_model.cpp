#include "core/site_config_model.hpp"

#include <algorithm>

namespace sekimori::core {
namespace {

template <class Item>
const Item* findById(const std::vector<Item>& items, std::string_view id) {
    auto it = std::find_if(items.begin(), items.end(), [&](const Item& i) { return i.id == id; });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string_view zoneKindName(ZoneKind kind) {
    switch (kind) {
        case ZoneKind::site:
            return "site";
        case ZoneKind::building:
            return "building";
        case ZoneKind::floor:
            return "floor";
        case ZoneKind::managementArea:
            return "management_area";
        case ZoneKind::handlingArea:
            return "handling_area";
        case ZoneKind::area:
            return "area";
    }
    return "?";
}

std::string_view factorName(Factor factor) {
    switch (factor) {
        case Factor::card:
            return "card";
        case Factor::pin:
            return "pin";
        case Factor::finger:
            return "finger";
    }
    return "?";
}

std::string_view weekdayName(Weekday day) {
    switch (day) {
        case Weekday::mon:
            return "mon";
        case Weekday::tue:
            return "tue";
        case Weekday::wed:
            return "wed";
        case Weekday::thu:
            return "thu";
        case Weekday::fri:
            return "fri";
        case Weekday::sat:
            return "sat";
        case Weekday::sun:
            return "sun";
    }
    return "?";
}

std::string_view modbusProfileName(ModbusProfile profile) {
    switch (profile) {
        case ModbusProfile::ats:
            return "ats";
        case ModbusProfile::generator:
            return "generator";
        case ModbusProfile::meter:
            return "meter";
        case ModbusProfile::ups:
            return "ups";
        case ModbusProfile::crac:
            return "crac";
        case ModbusProfile::sensor:
            return "sensor";
        case ModbusProfile::relay:
            return "relay";
        case ModbusProfile::pdu:
            return "pdu";
    }
    return "?";
}

std::string_view sensorKindName(SensorKind kind) {
    switch (kind) {
        case SensorKind::temperature:
            return "temperature";
        case SensorKind::humidity:
            return "humidity";
        case SensorKind::leak:
            return "leak";
    }
    return "?";
}

const ZoneConfig* findZone(const SiteConfig& config, std::string_view id) {
    return findById(config.zones, id);
}

const ScheduleConfig* findSchedule(const SiteConfig& config, std::string_view id) {
    return findById(config.schedules, id);
}

const DoorConfig* findDoor(const SiteConfig& config, std::string_view id) {
    return findById(config.doors, id);
}

const CircleGateConfig* findCircleGate(const SiteConfig& config, std::string_view id) {
    return findById(config.circleGates, id);
}

const ModbusDeviceConfig* findModbusDevice(const SiteConfig& config, std::string_view id) {
    return findById(config.modbusDevices, id);
}

}  // namespace sekimori::core
