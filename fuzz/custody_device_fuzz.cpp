// Feeds arbitrary bytes to the custody devices' status and report parsers
// (custody/device_messages.hpp). Beyond "never crashes, never throws": a refusal is
// custody.bad_payload with a message, and whatever parses keeps the profile's contract
// (docs/custody-devices.md) — a report's seq is at least 1, a slot is 1..500 where one is named,
// a detection level 0..100, and a status lists each slot once.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "custody/device_messages.hpp"

namespace {

namespace custody = sekimori::custody;

template <class R>
void checkRefusal(const R& result) {
    if (!result &&
        (result.error().code != "custody.bad_payload" || result.error().message.empty())) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto status = custody::parseDeviceStatus(input);
    checkRefusal(status);
    if (status) {
        std::set<int> slots;
        for (const auto& s : status->slots) {
            if (s.slot < 1 || s.slot > 500 || !slots.insert(s.slot).second) {
                __builtin_trap();
            }
        }
    }
    const auto report = custody::parseDeviceReport(input);
    checkRefusal(report);
    if (report) {
        using custody::ReportKind;
        const bool slotted = report->kind == ReportKind::keyRemoved ||
                             report->kind == ReportKind::keyReturned ||
                             report->kind == ReportKind::slotForced;
        if (report->seq < 1 || (slotted && (report->slot < 1 || report->slot > 500)) ||
            (!slotted && report->slot != 0) || report->level < 0 || report->level > 100) {
            __builtin_trap();
        }
    }
    return 0;
}
