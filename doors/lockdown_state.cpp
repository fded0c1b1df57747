// Lockdowns in force, by site or zone; a zone's covers its descendants (walked up the parent
// map, which the config check keeps acyclic).
#include "doors/lockdown_state.hpp"

#include "doors/door_event_types.hpp"

namespace sekimori::doors {

std::string_view toString(LockdownScope scope) {
    return scope == LockdownScope::site ? "site" : "zone";
}

std::optional<LockdownScope> lockdownScopeFromString(std::string_view word) {
    if (word == "site") {
        return LockdownScope::site;
    }
    if (word == "zone") {
        return LockdownScope::zone;
    }
    return std::nullopt;
}

LockdownState::LockdownState(std::map<std::string, std::string, std::less<>> zoneParents)
    : parents_(std::move(zoneParents)) {}

bool LockdownState::start(const Lockdown& lockdown) {
    if (lockdown.scope == LockdownScope::site) {
        if (site_) {
            return false;
        }
        site_ = lockdown;
        site_->target = std::string(kSiteTarget);
        return true;
    }
    if (lockdown.target.empty()) {
        return false;
    }
    return zones_.emplace(lockdown.target, lockdown).second;
}

bool LockdownState::lift(LockdownScope scope, std::string_view zone) {
    if (scope == LockdownScope::site) {
        const bool was = site_.has_value();
        site_.reset();
        return was;
    }
    auto it = zones_.find(zone);
    if (it == zones_.end()) {
        return false;
    }
    zones_.erase(it);
    return true;
}

void LockdownState::replay(std::string_view type, const nlohmann::json& payload,
                           core::TimeUs timeUs) {
    const bool ours = type == kZoneLockdownStarted.name || type == kZoneLockdownLifted.name;
    if (!ours || !payload.is_object()) {
        return;
    }
    const auto scopeIt = payload.find("scope");
    const auto targetIt = payload.find("target");
    if (scopeIt == payload.end() || !scopeIt->is_string() || targetIt == payload.end() ||
        !targetIt->is_string()) {
        return;
    }
    const auto scope = lockdownScopeFromString(scopeIt->get<std::string>());
    if (!scope) {
        return;
    }
    const std::string target = targetIt->get<std::string>();
    if (type == kZoneLockdownLifted.name) {
        lift(*scope, target);
        return;
    }
    Lockdown lockdown{*scope, target, timeUs, payload.value("comment", std::string()),
                      payload.value("actor", std::string())};
    start(lockdown);
}

bool LockdownState::covers(std::string_view zone) const {
    if (site_) {
        return true;
    }
    if (zones_.empty()) {
        return false;
    }
    std::string_view at = zone;
    // Bounded by the number of zones: a parent map with a cycle cannot loop forever.
    for (std::size_t hops = 0; hops <= parents_.size(); ++hops) {
        if (zones_.find(at) != zones_.end()) {
            return true;
        }
        auto parent = parents_.find(at);
        if (parent == parents_.end() || parent->second.empty()) {
            return false;
        }
        at = parent->second;
    }
    return false;
}

nlohmann::json LockdownState::toJson() const {
    nlohmann::json list = nlohmann::json::array();
    auto row = [](const Lockdown& l) {
        return nlohmann::json{{"scope", toString(l.scope)},
                              {"target", l.target},
                              {"since_us", l.sinceUs},
                              {"comment", l.comment},
                              {"actor", l.actor}};
    };
    if (site_) {
        list.push_back(row(*site_));
    }
    for (const auto& [target, l] : zones_) {
        list.push_back(row(l));
    }
    return nlohmann::json{{"lockdowns", std::move(list)}};
}

}  // namespace sekimori::doors
