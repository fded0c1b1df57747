#include "policy/rfc3339.hpp"

#include <gtest/gtest.h>

namespace sekimori::policy {
namespace {

constexpr core::TimeUs kSecond = 1'000'000;
// 2026-12-02T00:00:00Z
constexpr core::TimeUs kDec2 = 1'796'169'600LL * kSecond;

TEST(Rfc3339, AnOffsetNamesTheSameInstantAsUtc) {
    EXPECT_EQ(parseRfc3339("2026-12-02T00:00:00Z"), kDec2);
    EXPECT_EQ(parseRfc3339("2026-12-02T09:00:00+09:00"), kDec2);
    EXPECT_EQ(parseRfc3339("2026-12-01T19:30:00-04:30"), kDec2);
    EXPECT_EQ(parseRfc3339("2026-12-02t00:00:00.25z"), kDec2 + 250'000);
    EXPECT_EQ(parseRfc3339("2026-12-02T00:00:00.000001Z"), kDec2 + 1);
}

TEST(Rfc3339, ATimeThatNamesNoInstantIsRefused) {
    for (const char* bad :
         {"2026-12-02T00:00:00", "2026-12-02 00:00:00Z", "2026-02-30T00:00:00Z",
          "2026-12-02T24:00:00Z", "2026-12-02T00:00:60Z", "2026-12-02T00:00:00.Z",
          "2026-12-02T00:00:00.1234567Z", "2026-12-02T00:00:00+0900", "2026-12-02T00:00:00+24:00",
          "2026-12-02T00:00:00Zjunk", "", "2026-1-02T00:00:00Z", "２０２６-12-02T00:00:00Z"}) {
        EXPECT_FALSE(parseRfc3339(bad)) << bad;
    }
}

TEST(Rfc3339, FormattingRoundTripsAtTheSitesOffset) {
    EXPECT_EQ(formatRfc3339(kDec2, 540), "2026-12-02T09:00:00+09:00");
    EXPECT_EQ(formatRfc3339(kDec2, 0), "2026-12-02T00:00:00Z");
    EXPECT_EQ(formatRfc3339(kDec2 + 250'000, 540), "2026-12-02T09:00:00.250000+09:00");
    for (core::TimeUs t : {kDec2, kDec2 + 1, kDec2 - 86'400 * kSecond + 7}) {
        for (int offset : {540, 0, -270}) {
            EXPECT_EQ(parseRfc3339(formatRfc3339(t, offset)), t) << formatRfc3339(t, offset);
        }
    }
}

}  // namespace
}  // namespace sekimori::policy
