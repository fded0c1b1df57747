#include "custody/custody_state.hpp"

#include "custody/custody_event_types.hpp"

namespace sekimori::custody {

namespace {

using json = nlohmann::json;

std::string text(const json& body, const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t number(const json& body, const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

void CustodyState::apply(std::string_view type, const json& body, core::TimeUs timeUs) {
    if (!body.is_object()) {
        ++malformed_;
        return;
    }
    if (type == "presence.entered") {
        zones_[text(body, "person")] = text(body, "zone");
        return;
    }
    if (type == "presence.left") {
        auto it = zones_.find(text(body, "person"));
        if (it != zones_.end() && it->second == text(body, "zone")) {
            zones_.erase(it);
        }
        return;
    }
    if (!type.starts_with("custody.")) {
        return;
    }
    // Every event made from a device report names the device and the report's seq.
    if (const std::string device = text(body, "device"); !device.empty()) {
        const auto seq = static_cast<std::uint64_t>(number(body, "report_seq"));
        auto& newest = seqs_[device];
        newest = std::max(newest, seq);
    }
    const std::string key = text(body, "key");
    if (kCustodyReleaseSent == type) {
        Release r{text(body, "person"), text(body, "person_name"), {}, number(body, "until_us")};
        if (auto slots = body.find("slots"); slots != body.end() && slots->is_array()) {
            for (const auto& s : *slots) {
                if (s.is_number_integer()) {
                    r.slots.insert(s.get<int>());
                }
            }
        }
        releases_[text(body, "cabinet")] = std::move(r);
    } else if (kCustodyKeyTaken == type) {
        keysOut_[key] = KeyHeld{text(body, "person"), text(body, "person_name"), timeUs,
                                number(body, "due_us")};
        if (auto it = releases_.find(text(body, "cabinet")); it != releases_.end()) {
            it->second.slots.erase(static_cast<int>(number(body, "slot")));  // one key per slot
        }
    } else if (kCustodyKeyForced == type) {
        KeyHeld held;
        held.takenUs = timeUs;
        held.forced = true;
        keysOut_[key] = held;
    } else if (kCustodyKeyReturned == type) {
        keysOut_.erase(key);
    } else if (kCustodyKeyOverdue == type) {
        if (auto it = keysOut_.find(key); it != keysOut_.end()) {
            it->second.overdueRaised = true;
        }
    } else if (kCustodyKeyHolderLeft == type) {
        if (auto it = keysOut_.find(key); it != keysOut_.end()) {
            it->second.holderLeftRaised = true;
        }
    } else if (kCustodyKeyRequestApproved == type) {
        KeyRequest r{text(body, "approval"), key, text(body, "person"), number(body, "from_us"),
                     number(body, "until_us")};
        requests_[r.approval] = std::move(r);
    } else if (kCustodyItemRegistered == type) {
        Item item;
        item.id = text(body, "item");
        item.approval = text(body, "approval");
        item.person = text(body, "person");
        item.personName = text(body, "person_name");
        item.kind = text(body, "kind");
        item.description = text(body, "description");
        item.validFromUs = number(body, "valid_from_us");
        item.validUntilUs = number(body, "valid_until_us");
        if (item.id.empty()) {
            ++malformed_;
            return;
        }
        items_[item.id] = std::move(item);
    } else if (kCustodyItemCheckedIn == type || kCustodyItemCheckedOut == type ||
               kCustodyItemLeftInside == type) {
        auto it = items_.find(text(body, "item"));
        if (it == items_.end()) {
            ++malformed_;
            return;
        }
        Item& item = it->second;
        if (kCustodyItemCheckedIn == type) {
            item.checkedIn = true;
            item.checkedOut = false;
            item.checkedInUs = timeUs;
            item.checkedInBy = text(body, "actor");
            item.leftInsideRaised = false;
        } else if (kCustodyItemCheckedOut == type) {
            item.checkedOut = true;
            item.checkedOutUs = timeUs;
            item.checkedOutBy = text(body, "actor");
        } else {
            item.leftInsideRaised = true;
        }
    } else if (kCustodyDetection == type) {
        holds_[text(body, "detector")] =
            DetectorHold{text(body, "portal"), timeUs, static_cast<int>(number(body, "level"))};
    } else if (kCustodyDetectionCleared == type) {
        holds_.erase(text(body, "detector"));
    }
}

const KeyHeld* CustodyState::holder(const std::string& key) const {
    auto it = keysOut_.find(key);
    return it == keysOut_.end() ? nullptr : &it->second;
}

const Release* CustodyState::release(const std::string& cabinet) const {
    auto it = releases_.find(cabinet);
    return it == releases_.end() ? nullptr : &it->second;
}

const KeyRequest* CustodyState::openRequest(const std::string& person, const std::string& key,
                                            core::TimeUs nowUs) const {
    for (const auto& [id, r] : requests_) {
        if (r.person == person && r.key == key && r.fromUs <= nowUs && nowUs < r.untilUs) {
            return &r;
        }
    }
    return nullptr;
}

const Item* CustodyState::item(const std::string& id) const {
    auto it = items_.find(id);
    return it == items_.end() ? nullptr : &it->second;
}

std::optional<std::string> CustodyState::zoneOf(const std::string& person) const {
    auto it = zones_.find(person);
    if (it == zones_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::uint64_t CustodyState::lastSeq(const std::string& device) const {
    auto it = seqs_.find(device);
    return it == seqs_.end() ? 0 : it->second;
}

}  // namespace sekimori::custody
