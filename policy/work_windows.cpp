#include "policy/work_windows.hpp"

#include <algorithm>

namespace sekimori::policy {

const std::set<std::string>& WorkWindowBook::areasOf(const std::string& person) const {
    static const std::set<std::string> none;
    auto it = handlers_.find(person);
    return it == handlers_.end() ? none : it->second;
}

bool WorkWindowBook::isHandler(const std::string& person, const std::string& area) const {
    return areasOf(person).count(area) != 0;
}

const WorkWindow* WorkWindowBook::openWindow(const std::string& person, const std::string& area,
                                             core::TimeUs nowUs) const {
    if (!isHandler(person, area)) {
        return nullptr;  // a window outlives its handler's designation only on paper
    }
    auto ids = windowsByPerson_.find(person);
    if (ids == windowsByPerson_.end()) {
        return nullptr;
    }
    const WorkWindow* best = nullptr;
    for (const auto& id : ids->second) {
        const WorkWindow& w = windows_.at(id);
        if (w.area == area && w.fromUs <= nowUs && nowUs < w.toUs &&
            (best == nullptr || w.toUs > best->toUs)) {
            best = &w;  // the one that lasts longest
        }
    }
    return best;
}

const WorkWindow* WorkWindowBook::window(const std::string& approvalId) const {
    auto it = windows_.find(approvalId);
    return it == windows_.end() ? nullptr : &it->second;
}

core::TimeUs WorkWindowBook::nextEndAfter(core::TimeUs afterUs) const {
    core::TimeUs next = 0;
    for (const auto& [id, w] : windows_) {
        if (w.toUs > afterUs && (next == 0 || w.toUs < next)) {
            next = w.toUs;
        }
    }
    return next;
}

std::vector<WorkWindow> WorkWindowBook::endingBetween(core::TimeUs afterUs,
                                                      core::TimeUs untilUs) const {
    std::vector<WorkWindow> out;
    for (const auto& [id, w] : windows_) {
        if (w.toUs > afterUs && w.toUs <= untilUs) {
            out.push_back(w);
        }
    }
    return out;
}

void WorkWindowBook::setHandler(const std::string& person, std::set<std::string> areas) {
    if (areas.empty()) {
        handlers_.erase(person);
        return;
    }
    handlers_[person] = std::move(areas);
}

void WorkWindowBook::putWindow(WorkWindow window) {
    removeWindow(window.approvalId);
    windowsByPerson_[window.person].push_back(window.approvalId);
    const std::string id = window.approvalId;
    windows_.emplace(id, std::move(window));
}

void WorkWindowBook::removeWindow(const std::string& approvalId) {
    auto it = windows_.find(approvalId);
    if (it == windows_.end()) {
        return;
    }
    auto& ids = windowsByPerson_[it->second.person];
    ids.erase(std::remove(ids.begin(), ids.end(), approvalId), ids.end());
    if (ids.empty()) {
        windowsByPerson_.erase(it->second.person);
    }
    windows_.erase(it);
}

}  // namespace sekimori::policy
