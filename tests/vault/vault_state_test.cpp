#include "vault/vault_state.hpp"

#include <gtest/gtest.h>

#include "tests/vault/vault_test_keys.hpp"
#include "vault/vault_event_types.hpp"

namespace sekimori::vault {
namespace {

const std::set<std::string> kAreas{"handling"};
constexpr core::TimeUs kDec2 = 1'796'169'600LL * 1'000'000;  // 2026-12-02T00:00:00Z
constexpr std::int64_t kTs = kDec2 / 1'000'000;

struct Trail {
    VaultTestKeys vault;
    VaultState state;
    std::uint64_t seq = 0;
    int nonce = 0;

    nlohmann::json signedPayload(const std::string& method, const std::string& target,
                                 const std::string& body) {
        SignedRequest r{method, target, kTs, "nonce-state-" + std::to_string(1000 + nonce++),
                        "",     body};
        r.signature = vault.sign(canonicalRequest(r.method, r.target, r.timestamp, r.nonce, body));
        return {{"request", requestJson(r)}};
    }
    const PresencePush* record(std::string_view type, const nlohmann::json& payload) {
        return apply(state, {vault.pub}, kAreas, ++seq, type, payload, kDec2);
    }
    void designate(const std::string& person) {
        record(kVaultHandlersChanged.name,
               signedPayload("POST", "/api/vault/handlers",
                             R"({"set":[{"person":")" + person + R"(","areas":["handling"]}]})"));
    }
    std::string windowBody(const std::string& id, const std::string& person) {
        return R"({"approval_id":")" + id + R"(","person":")" + person +
               R"(","area":"handling","from":"2026-12-02T09:00:00+09:00",)"
               R"("to":"2026-12-02T12:00:00+09:00"})";
    }
};

TEST(VaultState, TheBookChangesOnlyFromTheVaultsSignedRequests) {
    Trail trail;
    trail.designate("ann");
    trail.record(kVaultWindowApproved.name, trail.signedPayload("POST", "/api/vault/windows",
                                                                trail.windowBody("ap-1", "ann")));
    ASSERT_NE(trail.state.book.window("ap-1"), nullptr);
    EXPECT_TRUE(trail.state.book.isHandler("ann", "handling"));
    EXPECT_NE(trail.state.book.openWindow("ann", "handling", kDec2 + 3'600'000'000LL), nullptr);
    EXPECT_TRUE(trail.state.bookChanged);
    EXPECT_EQ(trail.state.refusedRequests, 0U);
    EXPECT_EQ(trail.state.nonces.size(), 2U);
}

TEST(VaultState, ARowWrittenBehindTheDaemonIsRefusedAndCounted) {
    Trail trail;
    trail.designate("ann");
    // The administrator writes a window for mallory: a body the vault never signed.
    auto forged =
        trail.signedPayload("POST", "/api/vault/windows", trail.windowBody("ap-1", "ann"));
    forged["request"]["body"] = trail.windowBody("ap-1", "mallory");
    trail.record(kVaultWindowApproved.name, forged);
    // A signed designation replayed under another route's event.
    auto moved = trail.signedPayload("POST", "/api/vault/handlers",
                                     R"({"set":[{"person":"mallory","areas":["handling"]}]})");
    trail.record(kVaultWindowApproved.name, moved);
    // No request at all; a request signed by another key.
    trail.record(kVaultHandlersChanged.name, {{"set", "mallory"}});
    Trail stranger;
    auto foreign = stranger.signedPayload("POST", "/api/vault/handlers",
                                          R"({"set":[{"person":"mallory","areas":["handling"]}]})");
    trail.record(kVaultHandlersChanged.name, foreign);

    EXPECT_EQ(trail.state.refusedRequests, 4U);
    EXPECT_EQ(trail.state.firstRefusal, "vault.window_approved at seq 2");
    EXPECT_EQ(trail.state.book.window("ap-1"), nullptr);
    EXPECT_FALSE(trail.state.book.isHandler("mallory", "handling"));
}

TEST(VaultState, AGenuineRequestRecordedTwiceIsRefusedTheSecondTime) {
    Trail trail;
    trail.designate("ann");
    const auto approval =
        trail.signedPayload("POST", "/api/vault/windows", trail.windowBody("ap-1", "ann"));
    trail.record(kVaultWindowApproved.name, approval);
    trail.record(kVaultWindowRevoked.name,
                 trail.signedPayload("DELETE", "/api/vault/windows/ap-1", ""));
    ASSERT_EQ(trail.state.book.window("ap-1"), nullptr);
    // The administrator copies the approval's row after its revocation: same nonce.
    trail.record(kVaultWindowApproved.name, approval);
    EXPECT_EQ(trail.state.book.window("ap-1"), nullptr);
    EXPECT_EQ(trail.state.refusedRequests, 1U);
    EXPECT_NE(trail.state.firstRefusal.find("recorded twice"), std::string::npos);

    // Much later (its nonce long forgotten), the old timestamp alone refuses it.
    auto later = trail.signedPayload("POST", "/api/vault/handlers",
                                     R"({"set":[{"person":"bob","areas":["handling"]}]})");
    later["request"]["timestamp"] = kTs + 3'600;  // re-signed below for the new timestamp
    SignedRequest r = *recordedRequest(later);
    r.signature =
        trail.vault.sign(canonicalRequest(r.method, r.target, r.timestamp, r.nonce, r.body));
    trail.record(kVaultHandlersChanged.name, {{"request", requestJson(r)}});
    ASSERT_TRUE(trail.state.book.isHandler("bob", "handling"));
    EXPECT_TRUE(trail.state.requestNonces.count(approval["request"]["nonce"]) == 0);
    trail.record(kVaultWindowApproved.name, approval);
    EXPECT_EQ(trail.state.book.window("ap-1"), nullptr);
    EXPECT_EQ(trail.state.refusedRequests, 2U);
}

TEST(VaultState, AChangeWithAMalformedPayloadIsCountedNotSkipped) {
    Trail trail;
    trail.record(kVaultWindowApproved.name, nlohmann::json::value_t::discarded);
    trail.record(kVaultHandlersChanged.name, nlohmann::json::array());
    EXPECT_EQ(trail.state.refusedRequests, 2U);
}

TEST(VaultState, ARevocationMustBeSignedForThatApproval) {
    Trail trail;
    trail.designate("ann");
    trail.record(kVaultWindowApproved.name, trail.signedPayload("POST", "/api/vault/windows",
                                                                trail.windowBody("ap-1", "ann")));
    trail.record(kVaultWindowRevoked.name,
                 trail.signedPayload("POST", "/api/vault/windows/ap-1", ""));  // wrong method
    EXPECT_NE(trail.state.book.window("ap-1"), nullptr);
    trail.record(kVaultWindowRevoked.name,
                 trail.signedPayload("DELETE", "/api/vault/windows/ap-1", ""));
    EXPECT_EQ(trail.state.book.window("ap-1"), nullptr);
    EXPECT_EQ(trail.state.refusedRequests, 1U);
}

TEST(VaultState, PresenceBecomesPushesInSeqOrderAndAnAckDropsThem) {
    Trail trail;
    const PresencePush* in =
        trail.record("presence.entered", {{"person", "ann"}, {"zone", "handling"}});
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->id, 1U);
    EXPECT_EQ(trail.record("presence.entered", {{"person", "bob"}, {"zone", "lobby"}}), nullptr);
    EXPECT_TRUE(trail.state.presence.inside("ann", "handling"));
    const PresencePush* out =
        trail.record("presence.left", {{"person", "ann"}, {"zone", "handling"}});
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(out->prev, 1U);
    EXPECT_EQ(trail.state.outbox.pending().size(), 2U);

    trail.record(kVaultPresenceAcked.name,
                 trail.signedPayload("POST", "/api/vault/presence/ack", R"({"upto":1})"));
    ASSERT_EQ(trail.state.outbox.pending().size(), 1U);
    EXPECT_EQ(trail.state.outbox.pending().front().id, 3U);
    // The same seq again (the live bus after the replay) changes nothing.
    EXPECT_EQ(apply(trail.state, {trail.vault.pub}, kAreas, 3, "presence.left",
                    {{"person", "ann"}, {"zone", "handling"}}, kDec2),
              nullptr);
}

TEST(VaultState, AQuestionOrAReadLeavesItsNonceForTheReplayCheckAfterARestart) {
    Trail trail;
    trail.record(kVaultAuthorized.name, {{"nonce", "nonce-asked-000001"}, {"timestamp", kTs}});
    trail.record(kVaultPresenceRead.name, {{"nonce", "nonce-read-0000001"}, {"timestamp", kTs}});
    ASSERT_EQ(trail.state.nonces.size(), 2U);
    EXPECT_EQ(trail.state.nonces[0].first, "nonce-asked-000001");
    EXPECT_EQ(trail.state.nonces[1], std::make_pair(std::string("nonce-read-0000001"), kTs));
}

TEST(VaultState, AnOverstayIsOpenUntilItIsCleared) {
    Trail trail;
    trail.record(kVaultWindowEndedInside.name,
                 {{"person", "ann"}, {"area", "handling"}, {"approval_id", "ap-1"}});
    ASSERT_EQ(trail.state.overstays.count("ann"), 1U);
    EXPECT_EQ(trail.state.overstays.at("ann").approvalId, "ap-1");
    trail.record(kVaultOverstayCleared.name, {{"person", "ann"}, {"area", "handling"}});
    EXPECT_TRUE(trail.state.overstays.empty());
}

}  // namespace
}  // namespace sekimori::vault
