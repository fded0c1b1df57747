#pragma once
// The custody domain's state as the fold of its recorded events and presence over the trail, in
// seq order: who holds which key (and since when, due when), what was released at each cabinet,
// the approved key requests, the carried-in items and their checks, which portals a detector
// holds, each device's newest report seq. Built the same way live (from the bus) and at start
// (custody/custody_rebuild), so a restart knows what the trail knows. The decisions that make
// new events from it are pure too (custody/custody_decisions.hpp). No I/O.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"

namespace sekimori::custody {

struct KeyHeld {
    std::string person;
    std::string personName;
    core::TimeUs takenUs = 0;
    core::TimeUs dueUs = 0;  // 0: forced (nobody to be due from)
    bool forced = false;
    bool overdueRaised = false;
    bool holderLeftRaised = false;
};

struct Release {
    std::string person;
    std::string personName;
    std::set<int> slots;
    core::TimeUs untilUs = 0;
};

struct KeyRequest {
    std::string approval;
    std::string key;
    std::string person;
    core::TimeUs fromUs = 0, untilUs = 0;
};

struct Item {
    std::string id;  // "ci-<approval>"
    std::string approval;
    std::string person;
    std::string personName;
    std::string kind;
    std::string description;
    core::TimeUs validFromUs = 0, validUntilUs = 0;
    bool checkedIn = false;
    bool checkedOut = false;
    core::TimeUs checkedInUs = 0, checkedOutUs = 0;
    std::string checkedInBy, checkedOutBy;
    bool leftInsideRaised = false;
};

struct DetectorHold {
    std::string portal;
    core::TimeUs sinceUs = 0;
    int level = 0;
};

class CustodyState {
  public:
    // One recorded event (custody.*, presence.entered, presence.left); others are ignored, as are
    // malformed payloads (counted).
    void apply(std::string_view type, const nlohmann::json& payload, core::TimeUs timeUs);

    const std::map<std::string, KeyHeld>& keysOut() const { return keysOut_; }  // by key id
    const KeyHeld* holder(const std::string& key) const;
    const Release* release(const std::string& cabinet) const;
    const std::map<std::string, Release>& releases() const { return releases_; }
    // An approved request of `person` for `key` open at `nowUs`.
    const KeyRequest* openRequest(const std::string& person, const std::string& key,
                                  core::TimeUs nowUs) const;
    const std::map<std::string, KeyRequest>& requests() const { return requests_; }
    const std::map<std::string, Item>& items() const { return items_; }  // by item id
    const Item* item(const std::string& id) const;
    const std::map<std::string, DetectorHold>& holds() const { return holds_; }  // by detector
    std::optional<std::string> zoneOf(const std::string& person) const;
    std::uint64_t lastSeq(const std::string& device) const;
    std::size_t malformed() const { return malformed_; }

  private:
    std::map<std::string, KeyHeld> keysOut_;
    std::map<std::string, Release> releases_;     // by cabinet: the newest
    std::map<std::string, KeyRequest> requests_;  // by approval id
    std::map<std::string, Item> items_;
    std::map<std::string, DetectorHold> holds_;
    std::map<std::string, std::string> zones_;   // person -> zone (presence)
    std::map<std::string, std::uint64_t> seqs_;  // device -> newest report seq recorded
    std::size_t malformed_ = 0;
};

}  // namespace sekimori::custody
