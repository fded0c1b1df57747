#include "console/event_csv.hpp"

#include <chrono>
#include <cstdio>

namespace sekimori::console {
namespace {

std::string member(const nlohmann::json& payload, const char* key) {
    if (!payload.is_object()) {
        return {};
    }
    auto it = payload.find(key);
    if (it == payload.end() || it->is_null()) {
        return {};
    }
    return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::string csvCell(std::string_view text) {
    std::string cell;
    if (!text.empty() && (text.front() == '=' || text.front() == '+' || text.front() == '-' ||
                          text.front() == '@' || text.front() == '\t' || text.front() == '\r')) {
        cell.push_back('\'');
    }
    cell.append(text);
    if (cell.find_first_of(",\"\r\n") == std::string::npos) {
        return cell;
    }
    std::string quoted(1, '"');
    for (char c : cell) {
        if (c == '"') {
            quoted.push_back('"');
        }
        quoted.push_back(c);
    }
    quoted.push_back('"');
    return quoted;
}

std::string siteLocalTime(core::TimeUs timeUs, int utcOffsetMinutes) {
    using namespace std::chrono;
    const auto local = sys_seconds(seconds(timeUs / 1'000'000 - (timeUs % 1'000'000 < 0 ? 1 : 0))) +
                       minutes(utcOffsetMinutes);
    const auto day = floor<days>(local);
    const year_month_day date(day);
    const hh_mm_ss clock(local - day);
    const int offset = utcOffsetMinutes < 0 ? -utcOffsetMinutes : utcOffsetMinutes;
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()), utcOffsetMinutes < 0 ? '-' : '+',
                  offset / 60, offset % 60);
    return text;
}

std::string eventCsvHeader() {
    return "seq,time,type,source,subject,door,zone,person,result,reason,payload\r\n";
}

std::string eventCsvRow(const nlohmann::json& event, int utcOffsetMinutes) {
    const auto& payload = event["payload"];
    std::string zone = member(payload, "zone");
    if (zone.empty()) {
        zone = member(payload, "to_zone");
    }
    const std::string cells[] = {
        std::to_string(event["seq"].get<std::int64_t>()),
        siteLocalTime(event["time_us"].get<core::TimeUs>(), utcOffsetMinutes),
        event["type"].get<std::string>(),
        event["source"].get<std::string>(),
        event["subject"].get<std::string>(),
        member(payload, "door"),
        zone,
        member(payload, "person"),
        member(payload, "decision"),
        member(payload, "reason"),
        payload.dump(),
    };
    std::string row;
    for (std::size_t i = 0; i < std::size(cells); ++i) {
        if (i > 0) {
            row.push_back(',');
        }
        row.append(csvCell(cells[i]));
    }
    row.append("\r\n");
    return row;
}

}  // namespace sekimori::console
