// The CSV export's cells, times and rows.
#include "console/event_csv.hpp"

#include <gtest/gtest.h>

namespace sekimori::console {
namespace {

TEST(EventCsv, QuotesWhatNeedsQuotingAndDisarmsFormulas) {
    const struct {
        const char* in;
        const char* out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        {"=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""},
        {"+1", "'+1"},
        {"-2", "'-2"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tTab", "'\tTab"},
        {"a=b", "a=b"},
        {"日本語", "日本語"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(csvCell(c.in), c.out) << c.in;
    }
}

TEST(EventCsv, TimesAreSiteLocalWithTheOffset) {
    // 2026-12-01T08:05:09Z
    const core::TimeUs t = 1'796'112'309'000'000 + 123'456;
    EXPECT_EQ(siteLocalTime(t, 540), "2026-12-01T17:05:09+09:00");
    EXPECT_EQ(siteLocalTime(t, 0), "2026-12-01T08:05:09+00:00");
    EXPECT_EQ(siteLocalTime(t, -330), "2026-12-01T02:35:09-05:30");
    EXPECT_EQ(siteLocalTime(t + 16 * 3'600'000'000LL, 540), "2026-12-02T09:05:09+09:00");
    EXPECT_EQ(siteLocalTime(0, 0), "1970-01-01T00:00:00+00:00");
}

TEST(EventCsv, RowHasTheDocumentedColumns) {
    EXPECT_EQ(eventCsvHeader(),
              "seq,time,type,source,subject,door,zone,person,result,reason,payload\r\n");
    const nlohmann::json event = {{"seq", 42},
                                  {"time_us", 1'796'112'309'000'000},
                                  {"type", "access.denied"},
                                  {"source", "door:lobby"},
                                  {"subject", "=cmd"},
                                  {"payload",
                                   {{"door", "lobby"},
                                    {"person", "p-sato"},
                                    {"decision", "denied"},
                                    {"reason", "no_access"}}},
                                  {"hash", "00"}};
    EXPECT_EQ(
        eventCsvRow(event, 540),
        "42,2026-12-01T17:05:09+09:00,access.denied,door:lobby,'=cmd,lobby,,p-sato,denied,"
        "no_access,\"{\"\"decision\"\":\"\"denied\"\",\"\"door\"\":\"\"lobby\"\",\"\"person\"\":"
        "\"\"p-sato\"\",\"\"reason\"\":\"\"no_access\"\"}\"\r\n");
    nlohmann::json moved = event;
    moved["payload"] = {{"to_zone", "server-room"}};
    EXPECT_NE(eventCsvRow(moved, 0).find(",server-room,"), std::string::npos);
}

}  // namespace
}  // namespace sekimori::console
