#pragma once
// The vault's question before it opens a session: "is person P physically inside handling area
// H now, with a second authorised person present, inside an approved window?" Answered from the
// live presence and the window book; the first unmet condition is the reason. Pure.
//   unknown_area   H is not an area the vault speaks for ([vault] areas)
//   not_a_handler  P is not designated for H
//   no_window      P holds no approved window for H now
//   not_inside     P is not inside H now
//   alone          nobody else inside H holds an open window for it now (the second person
//                  must be an authorised handler too, not merely present)
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "policy/work_windows.hpp"
#include "vault/area_presence.hpp"

namespace sekimori::vault {

struct AuthorizeAnswer {
    bool authorized = false;
    std::string reason;                          // "ok" when authorized
    const policy::WorkWindow* window = nullptr;  // P's open window, when one
    bool inside = false;
    std::string secondPerson;  // an authorised companion inside, when one
};

AuthorizeAnswer authorize(const policy::WorkWindowBook& book, const AreaPresence& presence,
                          const std::set<std::string>& areas, const std::string& person,
                          const std::string& area, core::TimeUs nowUs);

}  // namespace sekimori::vault
