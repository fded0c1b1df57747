#pragma once
// Who is inside which zone, as the vault link sees it: replayed from the recorded
// presence.entered / presence.left (the doors' own events, in seq order) — the trail is the one
// source, so this view and the doors' never disagree once both applied the same seq. Pure.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"

namespace sekimori::vault {

class AreaPresence {
  public:
    struct Occupant {
        std::string zone;
        std::string name;
        core::TimeUs sinceUs = 0;
    };
    // Applies one recorded presence event; false when it is not one (or has no person/zone).
    bool apply(std::string_view type, const nlohmann::json& payload, core::TimeUs timeUs);

    const Occupant* whereIs(const std::string& person) const;
    bool inside(const std::string& person, const std::string& zone) const;
    const std::set<std::string>& occupants(const std::string& zone) const;
    std::size_t count() const { return byPerson_.size(); }

  private:
    std::map<std::string, Occupant> byPerson_;
    std::map<std::string, std::set<std::string>> byZone_;
};

}  // namespace sekimori::vault
