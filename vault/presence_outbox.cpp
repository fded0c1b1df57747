#include "vault/presence_outbox.hpp"

#include "policy/rfc3339.hpp"

namespace sekimori::vault {
namespace {

std::string stringField(const nlohmann::json& payload, const char* key) {
    auto it = payload.find(key);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<PresencePush> pushFor(std::uint64_t seq, std::string_view type,
                                    const nlohmann::json& payload, core::TimeUs timeUs,
                                    const std::set<std::string>& areas) {
    if (!payload.is_object()) {
        return std::nullopt;
    }
    PresencePush push;
    push.id = seq;
    push.timeUs = timeUs;
    push.person = stringField(payload, "person");
    push.personName = stringField(payload, "person_name");
    if (type == "presence.entered" || type == "presence.left") {
        push.kind = type == "presence.entered" ? "entered" : "left";
        push.area = stringField(payload, "zone");
    } else if (type == "zone.alone" || type == "zone.alone_cleared") {
        push.kind = type == "zone.alone" ? "alone" : "alone_cleared";
        push.area = stringField(payload, "zone");
    } else if (type == "vault.window_ended_inside" || type == "vault.overstay_cleared") {
        push.kind =
            type == "vault.window_ended_inside" ? "window_ended_inside" : "overstay_cleared";
        push.area = stringField(payload, "area");
        push.approvalId = stringField(payload, "approval_id");
    } else {
        return std::nullopt;
    }
    if (areas.count(push.area) == 0 || (push.person.empty() && push.kind != "alone_cleared")) {
        return std::nullopt;
    }
    return push;
}

nlohmann::json pushJson(const PresencePush& push, int utcOffsetMinutes) {
    nlohmann::json j{{"id", push.id},
                     {"prev", push.prev},
                     {"kind", push.kind},
                     {"area", push.area},
                     {"time", policy::formatRfc3339(push.timeUs, utcOffsetMinutes)},
                     {"time_us", push.timeUs}};
    if (!push.person.empty()) {
        j["person"] = push.person;
        j["person_name"] = push.personName;
    }
    if (!push.approvalId.empty()) {
        j["approval_id"] = push.approvalId;
    }
    return j;
}

std::string encodePush(const PresencePush& push, int utcOffsetMinutes) {
    return pushJson(push, utcOffsetMinutes).dump();
}

const PresencePush* PresenceOutbox::add(PresencePush push) {
    if (push.id <= lastId_) {
        return nullptr;
    }
    push.prev = lastId_;
    lastId_ = push.id;
    if (push.id <= acked_) {
        return nullptr;  // acknowledged already (a rebuild that resumes past it)
    }
    pending_.push_back(std::move(push));
    while (pending_.size() > capacity_) {
        pending_.pop_front();
        ++dropped_;
    }
    return &pending_.back();
}

bool PresenceOutbox::acked(std::uint64_t upto) {
    if (upto > lastId_) {
        return false;
    }
    acked_ = std::max(acked_, upto);
    while (!pending_.empty() && pending_.front().id <= acked_) {
        pending_.pop_front();
    }
    return true;
}

void PresenceOutbox::resume(std::uint64_t lastId, std::uint64_t ackedUpto) {
    lastId_ = std::max(lastId_, lastId);
    acked_ = std::max(acked_, ackedUpto);
}

}  // namespace sekimori::vault
