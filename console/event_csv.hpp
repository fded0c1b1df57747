#pragma once
// The CSV form of events for GET /api/events.csv (RFC 4180): a header row, then one row per
// event with the columns an investigator filters on in a spreadsheet, times in the site's local
// time with its offset. A cell a spreadsheet would run as a formula (starting with = + - @, or
// a tab or carriage return) gets a leading apostrophe: an operator's name or a card reader's
// text must never become code on the auditor's machine.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace sekimori::console {

// "seq,time,type,source,subject,door,zone,person,result,reason,payload\r\n"
std::string eventCsvHeader();
// One row (with its CRLF) of an event as eventJson() shapes it.
std::string eventCsvRow(const nlohmann::json& event, int utcOffsetMinutes);
// One cell: quoted when it holds a comma, quote, CR or LF; formula-safe.
std::string csvCell(std::string_view text);
// 2026-12-01T17:05:09+09:00 (seconds; the offset as the site configures it).
std::string siteLocalTime(core::TimeUs timeUs, int utcOffsetMinutes);

}  // namespace sekimori::console
