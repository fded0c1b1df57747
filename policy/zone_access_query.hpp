#pragma once
// "May this person enter this zone now?" asked on the core::EventBus by a domain that lets
// people take or carry things under the doors' access levels (custody/: a key may be taken by
// someone whose levels admit them to the zone the key opens). The doors domain answers
// synchronously from its credential snapshot (the same mayEnter as at a door); nobody answering
// leaves `allowed` false: fail secure. Published and answered on the io thread.
#include <string>

#include "core/clock.hpp"

namespace sekimori::policy {

struct ZoneAccessQuery {
    std::string person;
    std::string zone;
    core::TimeUs nowUs = 0;
    // Filled by the answering domain.
    mutable bool answered = false;
    mutable bool allowed = false;
    mutable std::string personName{};
    mutable std::string reason{};  // a protocol/reason_codes.hpp code when refused
};

}  // namespace sekimori::policy
