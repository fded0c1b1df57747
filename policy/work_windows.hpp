#pragma once
// The My Number vault's designated handlers (取扱担当者) and approved work windows, as one
// immutable value the vault service (vault/) publishes on the bus after every durable change and
// the doors' decision reads: a zone ruled `work_window` admits a person only inside one of their
// windows for it (docs/vault-api.md, docs/access-rules.md). Pure; no I/O.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace sekimori::policy {

struct WorkWindow {
    std::string approvalId;  // the vault's approval id: unique, the window's key
    std::string person;
    std::string area;         // a handling-area zone
    core::TimeUs fromUs = 0;  // inclusive
    core::TimeUs toUs = 0;    // exclusive; the window ends by itself
};

class WorkWindowBook {
  public:
    // The areas a person is designated for (empty: not a handler).
    const std::set<std::string>& areasOf(const std::string& person) const;
    bool isHandler(const std::string& person, const std::string& area) const;
    // The window of a designated handler for `area` open at `nowUs`; null when none.
    const WorkWindow* openWindow(const std::string& person, const std::string& area,
                                 core::TimeUs nowUs) const;
    const WorkWindow* window(const std::string& approvalId) const;
    // The earliest window end strictly after `afterUs` (0 when none): the vault's end timer.
    core::TimeUs nextEndAfter(core::TimeUs afterUs) const;
    // Windows that end in (afterUs, untilUs].
    std::vector<WorkWindow> endingBetween(core::TimeUs afterUs, core::TimeUs untilUs) const;

    std::size_t handlerCount() const { return handlers_.size(); }
    std::size_t windowCount() const { return windows_.size(); }
    const std::map<std::string, std::set<std::string>>& handlers() const { return handlers_; }
    const std::map<std::string, WorkWindow>& windows() const { return windows_; }

    // Edits (the vault service applies them to its copy once their event is durable).
    void setHandler(const std::string& person, std::set<std::string> areas);  // empty: removes
    void putWindow(WorkWindow window);
    void removeWindow(const std::string& approvalId);

  private:
    std::map<std::string, std::set<std::string>> handlers_;
    std::map<std::string, WorkWindow> windows_;                        // by approval id
    std::map<std::string, std::vector<std::string>> windowsByPerson_;  // approval ids
};

// What the vault service publishes on the core::EventBus (a typed message, not an event).
struct WorkWindowsPublished {
    std::shared_ptr<const WorkWindowBook> book;
};

}  // namespace sekimori::policy
