// Never alone: a zone with exactly one person inside is pending from the moment the count
// became one; its grace over, it is raised; any other count clears it at once.
#include "doors/never_alone.hpp"

namespace sekimori::doors {

void NeverAloneWatch::watch(const std::string& zone, core::TimeUs graceUs) {
    zones_[zone].graceUs = graceUs;
}

bool NeverAloneWatch::watches(const std::string& zone) const {
    return zones_.count(zone) != 0;
}

std::vector<AloneChange> NeverAloneWatch::update(const std::string& zone,
                                                 const std::vector<std::string>& occupants,
                                                 core::TimeUs now) {
    std::vector<AloneChange> changes;
    auto it = zones_.find(zone);
    if (it == zones_.end()) {
        return changes;
    }
    ZoneWatch& w = it->second;
    if (occupants.size() != 1) {
        if (w.raised) {
            changes.push_back(AloneCleared{zone, occupants.size()});
        }
        w.person.clear();
        w.raised = false;
        return changes;
    }
    if (w.person.empty()) {
        w.person = occupants.front();
        w.sinceUs = now;
    } else if (w.person != occupants.front()) {
        // One left as another came in between two updates: still one person alone, from now on
        // a different one; an alarm already raised stays raised.
        w.person = occupants.front();
        if (!w.raised) {
            w.sinceUs = now;
        }
    }
    if (!w.raised && now >= w.sinceUs + w.graceUs) {
        w.raised = true;
        changes.push_back(AloneRaised{zone, w.person, w.sinceUs});
    }
    return changes;
}

std::vector<AloneChange> NeverAloneWatch::tick(core::TimeUs now) {
    std::vector<AloneChange> changes;
    for (auto& [zone, w] : zones_) {
        if (!w.person.empty() && !w.raised && now >= w.sinceUs + w.graceUs) {
            w.raised = true;
            changes.push_back(AloneRaised{zone, w.person, w.sinceUs});
        }
    }
    return changes;
}

std::optional<core::TimeUs> NeverAloneWatch::nextDeadline() const {
    std::optional<core::TimeUs> next;
    for (const auto& [zone, w] : zones_) {
        if (!w.person.empty() && !w.raised) {
            const core::TimeUs due = w.sinceUs + w.graceUs;
            if (!next || due < *next) {
                next = due;
            }
        }
    }
    return next;
}

void NeverAloneWatch::restoreRaised(const std::string& zone, const std::string& person,
                                    core::TimeUs sinceUs) {
    auto it = zones_.find(zone);
    if (it == zones_.end()) {
        return;
    }
    it->second.person = person;
    it->second.sinceUs = sinceUs;
    it->second.raised = true;
}

bool NeverAloneWatch::raised(const std::string& zone) const {
    auto it = zones_.find(zone);
    return it != zones_.end() && it->second.raised;
}

nlohmann::json NeverAloneWatch::toJson() const {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [zone, w] : zones_) {
        nlohmann::json row{{"state", w.raised ? "alone" : (w.person.empty() ? "ok" : "pending")}};
        if (!w.person.empty()) {
            row["person"] = w.person;
            row["since_us"] = w.sinceUs;
            row["due_us"] = w.sinceUs + w.graceUs;
        }
        out[zone] = std::move(row);
    }
    return out;
}

}  // namespace sekimori::doors
