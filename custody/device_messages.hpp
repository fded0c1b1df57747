#pragma once
// The custody devices' MQTT profile (docs/custody-devices.md): what a key cabinet and a metal
// detector publish (status, reports) and what the controller sends them (commands). Parsing is
// strict: every key is known, every type checked, and an error names the field. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sekimori::custody {

enum class DeviceKind { keyCabinet, metalDetector };

struct SlotReading {
    int slot = 0;
    std::optional<std::string> tag;  // the key's RFID tag in the slot; nullopt: empty
};

// `status` (retained; the will says {"online":false}).
struct DeviceStatus {
    bool online = false;
    std::optional<DeviceKind> kind;  // absent in the will
    std::vector<SlotReading> slots;  // a cabinet's
};

enum class ReportKind { keyRemoved, keyReturned, slotForced, doorOpenTooLong, detection, tamper };
std::string_view toString(ReportKind kind);

// `report`: seq strictly increasing per device from 1, resent until acknowledged.
struct DeviceReport {
    std::uint64_t seq = 0;
    ReportKind kind = ReportKind::tamper;
    int slot = 0;     // key_removed, key_returned, slot_forced
    std::string tag;  // key_removed, key_returned (the tag read; may be empty on removal)
    int level = 0;    // detection: 0..100
};

core::Result<DeviceStatus> parseDeviceStatus(std::string_view json);
core::Result<DeviceReport> parseDeviceReport(std::string_view json);

// `command` payloads.
std::string ackCommand(std::uint64_t seq);
std::string releaseCommand(const std::vector<int>& slots, std::int64_t forMs, std::string_view ref);
std::string lockAllCommand();

// Topics: sekimori/<site>/device/<device>/<leaf>.
std::string deviceTopic(std::string_view site, std::string_view device, std::string_view leaf);
// The device id of such a topic with that leaf; empty when it is not one.
std::string deviceOf(std::string_view site, std::string_view topic, std::string_view leaf);

}  // namespace sekimori::custody
