// The witness's log and state file: append-only lines read back in order, and the state it
// starts from after a crash between the two writes.
#include "witness/witness_log.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/witness/witness_test_chain.hpp"

namespace sekimori::witness {
namespace {

core::WitnessLogEntry entry(const core::CosignatureSigner& signer, std::uint64_t size) {
    core::WitnessLogEntry e;
    core::Hash head{};
    head[0] = static_cast<std::uint8_t>(size);
    e.cosignature = signer.sign("w1", "s1", size, head, 100 + static_cast<core::TimeUs>(size), 7);
    e.recordedTimeUs = 50;
    e.checkpointSignature = core::Bytes(64, 'c');
    return e;
}

class WitnessLogTest : public ::testing::Test {
  protected:
    test::TestChain chain;  // a temp dir and crypto initialised
    std::string log = (chain.dir / "witness.log").string();
    std::string state = (chain.dir / "state.json").string();
    core::CosignatureSigner signer = [this] {
        auto s = core::CosignatureSigner::loadOrCreate((chain.dir / "witness.key").string());
        if (!s) {
            throw std::runtime_error(s.error().message);
        }
        return std::move(*s);
    }();
};

TEST_F(WitnessLogTest, AppendsLinesThatReadBackAndVerify) {
    ASSERT_TRUE(appendWitnessLog(log, entry(signer, 3)));
    ASSERT_TRUE(appendWitnessLog(log, entry(signer, 9)));
    auto lines = readWitnessLog(log);
    ASSERT_TRUE(lines) << lines.error().message;
    ASSERT_EQ(lines->size(), 2u);
    EXPECT_EQ((*lines)[1].cosignature.treeSize, 9u);
    EXPECT_TRUE(core::verifyCosignature((*lines)[1].cosignature, signer.publicKey()));
    auto changed = (*lines)[1].cosignature;
    changed.treeSize = 10;
    EXPECT_FALSE(core::verifyCosignature(changed, signer.publicKey()));
}

TEST_F(WitnessLogTest, ALineThatDoesNotParseIsNamed) {
    ASSERT_TRUE(appendWitnessLog(log, entry(signer, 3)));
    std::ofstream(log, std::ios::app) << "{\"witness\":\"w1\"}\n";
    auto lines = readWitnessLog(log);
    ASSERT_FALSE(lines);
    EXPECT_NE(lines.error().message.find("line 2"), std::string::npos) << lines.error().message;
}

TEST_F(WitnessLogTest, StartsFromTheLogWhenTheStateFileLagsBehind) {
    auto fresh = recoverWitnessState(state, log);
    ASSERT_TRUE(fresh);
    EXPECT_FALSE(*fresh);
    ASSERT_TRUE(appendWitnessLog(log, entry(signer, 3)));
    ASSERT_TRUE(writeStateFile(state, entry(signer, 3)));
    ASSERT_TRUE(appendWitnessLog(log, entry(signer, 9)));  // crash before the state file
    auto recovered = recoverWitnessState(state, log);
    ASSERT_TRUE(recovered) << recovered.error().message;
    ASSERT_TRUE(*recovered);
    EXPECT_EQ((*recovered)->cosignature.treeSize, 9u);
}

TEST_F(WitnessLogTest, RefusesAStateFileAheadOfItsLog) {
    ASSERT_TRUE(appendWitnessLog(log, entry(signer, 3)));
    ASSERT_TRUE(writeStateFile(state, entry(signer, 9)));
    EXPECT_FALSE(recoverWitnessState(state, log));
}

}  // namespace
}  // namespace sekimori::witness
