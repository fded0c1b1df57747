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

const ZoneConfig* findZone(const SiteConfig& config, std::string_view id) {
    return findById(config.zones, id);
}

const ScheduleConfig* findSchedule(const SiteConfig& config, std::string_view id) {
    return findById(config.schedules, id);
}

const ZoneConfig* floorOf(const SiteConfig& config, std::string_view zoneId) {
    const ZoneConfig* zone = findZone(config, zoneId);
    // A chain longer than the zone list has looped.
    for (std::size_t steps = 0; zone != nullptr && steps <= config.zones.size(); ++steps) {
        if (zone->kind == ZoneKind::floor) {
            return zone;
        }
        zone = zone->parent.empty() ? nullptr : findZone(config, zone->parent);
    }
    return nullptr;
}

}  // namespace sekimori::core
