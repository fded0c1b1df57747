#pragma once
// What GET /api/custody answers (docs/openapi.yaml): each cabinet's slots with the key, its
// holder, due time and alarms, the release open now; the carried-in items; the detectors and
// what they hold. Pure.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custody/custody_config.hpp"
#include "custody/custody_state.hpp"
#include "custody/device_messages.hpp"

namespace sekimori::custody {

// What the service knows of a device from its retained status (not in the trail but its
// online changes).
struct DeviceView {
    bool known = false;
    bool online = false;
    std::vector<SlotReading> slots;
};

nlohmann::json custodyJson(const CustodyConfig& config, const CustodyState& state,
                           const std::map<std::string, DeviceView>& devices, core::TimeUs nowUs);

}  // namespace sekimori::custody
