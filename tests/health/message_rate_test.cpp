#include "health/message_rate.hpp"

#include <gtest/gtest.h>

namespace sekimori::health {
namespace {

constexpr core::TimeUs second = 1'000'000;
constexpr core::TimeUs t0 = 1'700'000'000 * second;

TEST(MessageRate, AveragesOverTheWindow) {
    MessageRate rate(10);
    EXPECT_DOUBLE_EQ(rate.perSecond(t0), 0.0);
    for (int i = 0; i < 20; ++i) {
        rate.add(t0 + i * second / 2);  // two a second for ten seconds
    }
    EXPECT_DOUBLE_EQ(rate.perSecond(t0 + 9 * second), 2.0);
}

TEST(MessageRate, OldSecondsLeaveTheWindow) {
    MessageRate rate(10);
    for (int i = 0; i < 10; ++i) {
        rate.add(t0);  // ten in the first second
    }
    rate.add(t0 + 5 * second);
    EXPECT_DOUBLE_EQ(rate.perSecond(t0 + 9 * second), 1.1);
    EXPECT_DOUBLE_EQ(rate.perSecond(t0 + 10 * second), 0.1);  // the first second has left
    EXPECT_DOUBLE_EQ(rate.perSecond(t0 + 15 * second), 0.0);
    rate.add(t0 + 100 * second);  // a long gap clears every bucket
    EXPECT_DOUBLE_EQ(rate.perSecond(t0 + 100 * second), 0.1);
}

TEST(MessageRate, AClockSteppingBackCountsIntoTheNewestSecond) {
    MessageRate rate(10);
    rate.add(t0 + 5 * second);
    rate.add(t0);
    EXPECT_DOUBLE_EQ(rate.perSecond(t0 + 5 * second), 0.2);
}

}  // namespace
}  // namespace sekimori::health
