#include "sim/fingerprint_model.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sekimori::sim {
namespace {

TEST(FingerprintModel, TemplateIsDeterministicSixtyFourBytes) {
    const auto first = fingerprintTemplateFromSeed("alice-right-index");
    EXPECT_EQ(first.size(), kFingerprintTemplateBytes);
    EXPECT_EQ(first, fingerprintTemplateFromSeed("alice-right-index"));
    EXPECT_NE(first, fingerprintTemplateFromSeed("alice-right-thumb"));
}

TEST(FingerprintModel, SampleIsNoisyButDeterministicPerTry) {
    const auto tpl = fingerprintTemplateFromSeed("bob");
    const auto try0 = fingerprintSampleFromSeed("bob", 0);
    EXPECT_EQ(try0, fingerprintSampleFromSeed("bob", 0));
    EXPECT_NE(try0, tpl);
    EXPECT_NE(try0, fingerprintSampleFromSeed("bob", 1));
}

TEST(FingerprintModel, SameSeedScoresHighAndOtherSeedsLow) {
    int lowestSame = 100;
    int highestOther = 0;
    for (int person = 0; person < 50; ++person) {
        const std::string seed = "person-" + std::to_string(person);
        const auto tpl = fingerprintTemplateFromSeed(seed);
        for (std::uint64_t attempt = 0; attempt < 20; ++attempt) {
            lowestSame = std::min(lowestSame,
                                  fingerprintScore(tpl, fingerprintSampleFromSeed(seed, attempt)));
            const std::string other = "person-" + std::to_string(person + 1 + attempt);
            highestOther = std::max(
                highestOther, fingerprintScore(tpl, fingerprintSampleFromSeed(other, attempt)));
        }
    }
    EXPECT_GE(lowestSame, 85);
    EXPECT_LE(highestOther, 10);
    const auto tpl = fingerprintTemplateFromSeed("x");
    EXPECT_EQ(fingerprintScore(tpl, tpl), 100);
}

TEST(FingerprintModel, WrongSizesScoreZero) {
    const auto tpl = fingerprintTemplateFromSeed("x");
    EXPECT_EQ(fingerprintScore(tpl, tpl.substr(0, 63)), 0);
    EXPECT_EQ(fingerprintScore("", ""), 0);
}

}  // namespace
}  // namespace sekimori::sim
