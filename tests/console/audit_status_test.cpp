// Where a witness stands, as the audit page shows it, as a table.
#include "console/audit_status.hpp"

#include <gtest/gtest.h>

namespace sekimori::console {
namespace {

TEST(WitnessState, FromItsNewestCosignatureAgainstTheNewestCheckpoint) {
    constexpr core::TimeUs kSilent = 30'000'000;
    constexpr core::TimeUs kNow = 100'000'000;
    const struct {
        std::optional<std::uint64_t> cosigned;
        bool refused;
        std::optional<std::uint64_t> checkpoint;
        core::TimeUs checkpointTimeUs;
        const char* state;
    } rows[] = {
        {std::nullopt, false, 10, 90'000'000, "none"},
        {std::nullopt, true, 10, 90'000'000, "refused"},
        {10, true, 10, 90'000'000, "refused"},
        {10, false, 10, 0, "current"},
        {12, false, 10, 0, "current"},
        {10, false, std::nullopt, 0, "current"},
        {8, false, 10, 90'000'000, "behind"},
        {8, false, 10, 70'000'001, "behind"},
        {8, false, 10, 70'000'000, "silent"},
        {8, false, 10, 0, "silent"},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(
            witnessState(r.cosigned, r.refused, r.checkpoint, r.checkpointTimeUs, kSilent, kNow),
            r.state)
            << r.cosigned.value_or(0) << " " << r.refused << " " << r.checkpointTimeUs;
    }
}

}  // namespace
}  // namespace sekimori::console
