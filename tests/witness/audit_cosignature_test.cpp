// The cosignature encoding against the golden vector docs/witness.md computes in Python, and
// sign/verify with the witness's key file.
#include "core/audit_cosignature.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "tests/witness/witness_test_chain.hpp"

namespace sekimori::core {
namespace {

Hash h2() {
    auto bytes = *fromHex("905f1d00a538994b2efb77a29a68e93e2e8d99c17d53271f68a4e938d00567e1");
    Hash h{};
    std::copy(bytes.begin(), bytes.end(), h.begin());
    return h;
}

TEST(AuditCosignature, EncodingMatchesTheDocumentedVector) {
    const Bytes m =
        encodeCosignature("w1", "tokyo-dc1", 2, h2(), 1'700'000'001'000'000, 1'700'000'001'250'000);
    EXPECT_EQ(toHex(m),
              "0000001d73656b696d6f72692e61756469742e636f7369676e61747572652e7631"
              "000000027731"
              "00000009746f6b796f2d646331"
              "0000000000000002"
              "905f1d00a538994b2efb77a29a68e93e2e8d99c17d53271f68a4e938d00567e1"
              "00060a24182d8240"
              "00060a24183152d0");
    EXPECT_EQ(toHex(sha256(m)), "c93c1ba463df96514c6b805a1ade3fd2524ff2e3e56427ff02c9f10d8c8d3698");
}

TEST(AuditCosignature, SignsVerifiesAndRefusesAnyChange) {
    witness::test::TestChain chain;
    const std::string keyPath = (chain.dir / "w" / "witness.key").string();
    auto signer = CosignatureSigner::loadOrCreate(keyPath);
    ASSERT_TRUE(signer) << signer.error().message;
    struct stat st {};
    ASSERT_EQ(::stat(keyPath.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(*readPublicKeyFile((chain.dir / "w" / "witness.pub").string()), signer->publicKey());

    const Cosignature c = signer->sign("w1", "tokyo-dc1", 2, h2(), 10, 20);
    EXPECT_TRUE(verifyCosignature(c, signer->publicKey()));
    for (auto change : std::vector<std::function<void(Cosignature&)>>{
             [](Cosignature& x) { x.witness = "w2"; }, [](Cosignature& x) { x.site = "s2"; },
             [](Cosignature& x) { x.treeSize = 3; }, [](Cosignature& x) { x.headHash[0] ^= 1; },
             [](Cosignature& x) { x.checkpointTimeUs = 11; },
             [](Cosignature& x) { x.witnessTimeUs = 21; }}) {
        Cosignature changed = c;
        change(changed);
        EXPECT_FALSE(verifyCosignature(changed, signer->publicKey()));
    }
    // The same key file again: the same key (created once).
    auto again = CosignatureSigner::loadOrCreate(keyPath);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->publicKey(), signer->publicKey());

    WitnessLogEntry entry{c, 5, Bytes(64, 'x')};
    auto back = witnessLogEntryFromJson(witnessLogEntryToJson(entry));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(witnessLogEntryToJson(*back), witnessLogEntryToJson(entry));
    EXPECT_TRUE(verifyCosignature(back->cosignature, signer->publicKey()));
}

}  // namespace
}  // namespace sekimori::core
