#pragma once
// How `sekimori person list|show` prints what the daemon answered (GET /api/people,
// GET /api/people/{id}): lines a person reads and a script can split on tabs (the first fields
// are stable). Never a secret: the daemon sends only whether a factor is enrolled.
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace sekimori::app {

// One line per person: id, name, active|disabled, cards as uid:state joined by commas ("-" when
// none). A header line first.
void printPeopleList(const nlohmann::json& body, std::ostream& out);

// The person page as "field<TAB>value" lines, then one line per card (with its history),
// grant, level, group level and recent event.
void printPersonPage(const nlohmann::json& body, std::ostream& out);

// "2026-12-01T11:03:00Z", or "-" for 0 (an unbounded validity date).
std::string utcTimeOrDash(long long timeUs);

}  // namespace sekimori::app
