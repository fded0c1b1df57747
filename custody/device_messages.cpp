#include "custody/device_messages.hpp"

#include <set>

#include <nlohmann/json.hpp>

namespace sekimori::custody {

namespace {

using json = nlohmann::json;

constexpr std::string_view kBadPayload = "custody.bad_payload";

core::Error bad(const std::string& message) {
    return core::makeError(std::string(kBadPayload), message);
}

core::Result<json> parseObject(std::string_view text) {
    json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
        return bad("not JSON");
    }
    if (!body.is_object()) {
        return bad("not a JSON object");
    }
    return body;
}

core::Result<void> onlyKeys(const json& body, const std::set<std::string>& allowed) {
    for (const auto& [key, value] : body.items()) {
        if (!allowed.contains(key)) {
            return bad("unknown key \"" + key + "\"");
        }
    }
    return {};
}

core::Result<std::int64_t> integer(const json& body, const char* key, std::int64_t min,
                                   std::int64_t max) {
    auto it = body.find(key);
    if (it == body.end()) {
        return bad(std::string(key) + ": missing");
    }
    if (!it->is_number_integer()) {
        return bad(std::string(key) + ": not an integer");
    }
    const auto v = it->get<std::int64_t>();
    if (v < min || v > max) {
        return bad(std::string(key) + ": " + std::to_string(v) + " is out of range " +
                   std::to_string(min) + ".." + std::to_string(max));
    }
    return v;
}

core::Result<std::string> tagOf(const json& body, bool required) {
    auto it = body.find("tag");
    if (it == body.end()) {
        if (required) {
            return bad("tag: missing");
        }
        return std::string();
    }
    if (!it->is_string()) {
        return bad("tag: not a string");
    }
    const auto tag = it->get<std::string>();
    if (tag.size() > 64) {
        return bad("tag: longer than 64 characters");
    }
    return tag;
}

}  // namespace

std::string_view toString(ReportKind kind) {
    switch (kind) {
        case ReportKind::keyRemoved:
            return "key_removed";
        case ReportKind::keyReturned:
            return "key_returned";
        case ReportKind::slotForced:
            return "slot_forced";
        case ReportKind::doorOpenTooLong:
            return "door_open_too_long";
        case ReportKind::detection:
            return "detection";
        case ReportKind::tamper:
            return "tamper";
    }
    return "tamper";
}

core::Result<DeviceStatus> parseDeviceStatus(std::string_view text) {
    auto body = parseObject(text);
    if (!body) {
        return body.error();
    }
    if (auto ok = onlyKeys(*body, {"online", "kind", "slots"}); !ok) {
        return ok.error();
    }
    DeviceStatus status;
    auto online = body->find("online");
    if (online == body->end() || !online->is_boolean()) {
        return bad("online: missing or not a boolean");
    }
    status.online = online->get<bool>();
    if (auto kind = body->find("kind"); kind != body->end()) {
        if (*kind == "key_cabinet") {
            status.kind = DeviceKind::keyCabinet;
        } else if (*kind == "metal_detector") {
            status.kind = DeviceKind::metalDetector;
        } else {
            return bad("kind: not key_cabinet or metal_detector");
        }
    }
    if (auto slots = body->find("slots"); slots != body->end()) {
        if (!slots->is_array() || slots->size() > 500) {
            return bad("slots: not an array of at most 500");
        }
        std::set<int> seen;
        for (std::size_t i = 0; i < slots->size(); ++i) {
            const json& s = (*slots)[i];
            const std::string at = "slots[" + std::to_string(i) + "]";
            if (!s.is_object()) {
                return bad(at + ": not an object");
            }
            if (auto ok = onlyKeys(s, {"slot", "tag"}); !ok) {
                return bad(at + ": " + ok.error().message);
            }
            auto slot = integer(s, "slot", 1, 500);
            if (!slot) {
                return bad(at + "." + slot.error().message);
            }
            if (!seen.insert(static_cast<int>(*slot)).second) {
                return bad(at + ".slot: listed twice");
            }
            SlotReading reading{static_cast<int>(*slot), std::nullopt};
            if (auto tag = s.find("tag"); tag != s.end() && !tag->is_null()) {
                auto t = tagOf(s, true);
                if (!t) {
                    return bad(at + "." + t.error().message);
                }
                reading.tag = *t;
            }
            status.slots.push_back(std::move(reading));
        }
    }
    return status;
}

core::Result<DeviceReport> parseDeviceReport(std::string_view text) {
    auto body = parseObject(text);
    if (!body) {
        return body.error();
    }
    if (auto ok = onlyKeys(*body, {"seq", "kind", "slot", "tag", "level"}); !ok) {
        return ok.error();
    }
    DeviceReport report;
    auto seq = integer(*body, "seq", 1, std::int64_t{1} << 53);
    if (!seq) {
        return seq.error();
    }
    report.seq = static_cast<std::uint64_t>(*seq);
    auto kind = body->find("kind");
    if (kind == body->end() || !kind->is_string()) {
        return bad("kind: missing or not a string");
    }
    const auto word = kind->get<std::string>();
    static const std::pair<std::string_view, ReportKind> kinds[] = {
        {"key_removed", ReportKind::keyRemoved},
        {"key_returned", ReportKind::keyReturned},
        {"slot_forced", ReportKind::slotForced},
        {"door_open_too_long", ReportKind::doorOpenTooLong},
        {"detection", ReportKind::detection},
        {"tamper", ReportKind::tamper}};
    bool known = false;
    for (const auto& [name, value] : kinds) {
        if (name == word) {
            report.kind = value;
            known = true;
        }
    }
    if (!known) {
        return bad("kind: unknown report kind \"" + word.substr(0, 40) + "\"");
    }
    const bool slotted = report.kind == ReportKind::keyRemoved ||
                         report.kind == ReportKind::keyReturned ||
                         report.kind == ReportKind::slotForced;
    if (slotted) {
        auto slot = integer(*body, "slot", 1, 500);
        if (!slot) {
            return slot.error();
        }
        report.slot = static_cast<int>(*slot);
        auto tag = tagOf(*body, report.kind == ReportKind::keyReturned);
        if (!tag) {
            return tag.error();
        }
        report.tag = *tag;
    } else if (body->contains("slot") || body->contains("tag")) {
        return bad("slot, tag: only for key_removed, key_returned and slot_forced");
    }
    if (report.kind == ReportKind::detection) {
        auto level = integer(*body, "level", 0, 100);
        if (!level) {
            return level.error();
        }
        report.level = static_cast<int>(*level);
    } else if (body->contains("level")) {
        return bad("level: only for detection");
    }
    return report;
}

std::string ackCommand(std::uint64_t seq) {
    return json{{"kind", "ack"}, {"seq", seq}}.dump();
}

std::string releaseCommand(const std::vector<int>& slots, std::int64_t forMs,
                           std::string_view ref) {
    return json{{"kind", "release"}, {"slots", slots}, {"for_ms", forMs}, {"ref", ref}}.dump();
}

std::string lockAllCommand() {
    return json{{"kind", "lock_all"}}.dump();
}

std::string deviceTopic(std::string_view site, std::string_view device, std::string_view leaf) {
    std::string topic = "sekimori/";
    topic.append(site).append("/device/").append(device).append("/").append(leaf);
    return topic;
}

std::string deviceOf(std::string_view site, std::string_view topic, std::string_view leaf) {
    std::string prefix = "sekimori/";
    prefix.append(site).append("/device/");
    if (!topic.starts_with(prefix)) {
        return {};
    }
    topic.remove_prefix(prefix.size());
    const auto slash = topic.find('/');
    if (slash == std::string_view::npos || topic.substr(slash + 1) != leaf) {
        return {};
    }
    return std::string(topic.substr(0, slash));
}

}  // namespace sekimori::custody
