#include "vault/signed_request.hpp"

#include <gtest/gtest.h>

#include "tests/vault/vault_test_keys.hpp"

namespace sekimori::vault {
namespace {

using Keys = VaultTestKeys;

constexpr core::TimeUs kNow = 1'790'000'000LL * 1'000'000;

std::map<std::string, std::string> headersFor(const Keys& k, const std::string& method,
                                              const std::string& target, std::int64_t ts,
                                              const std::string& nonce, const std::string& body) {
    return {{"x-vault-timestamp", std::to_string(ts)},
            {"x-vault-nonce", nonce},
            {"x-vault-signature", k.sign(canonicalRequest(method, target, ts, nonce, body))}};
}

TEST(SignedRequest, TheCanonicalStringNamesEveryPart) {
    EXPECT_EQ(canonicalRequest("POST", "/api/vault/authorize", 7, "n", ""),
              "sekimori-vault-v1\nPOST\n/api/vault/authorize\n7\nn\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SignedRequest, AValidRequestPassesOnceAndEveryAlterationIsRefused) {
    Keys k;
    Keys other;
    RequestAuthenticator auth({k.pub}, 300);
    const std::string body = R"({"person":"ann","area":"handling"})";
    const std::int64_t ts = kNow / 1'000'000;
    auto h = headersFor(k, "POST", "/api/vault/authorize", ts, "nonce-0123456789ab", body);
    auto ok = auth.check(h, "POST", "/api/vault/authorize", body, kNow);
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->body, body);
    EXPECT_TRUE(signatureValid(*ok, {k.pub}));
    EXPECT_FALSE(signatureValid(*ok, {other.pub}));

    struct Row {
        const char* what;
        std::map<std::string, std::string> headers;
        std::string method, target, body;
        core::TimeUs now;
        std::string code;
    };
    auto fresh = [&](const std::string& nonce) {
        return headersFor(k, "POST", "/api/vault/authorize", ts, nonce, body);
    };
    auto missing = fresh("nonce-missing-00001");
    missing.erase("x-vault-signature");
    auto badTs = fresh("nonce-badts-000001");
    badTs["x-vault-timestamp"] = "12x";
    auto shortNonce = headersFor(k, "POST", "/api/vault/authorize", ts, "short", body);
    const std::vector<Row> rows{
        {"replayed", h, "POST", "/api/vault/authorize", body, kNow, "vault.replayed"},
        {"body changed", fresh("nonce-body-0000001"), "POST", "/api/vault/authorize",
         R"({"person":"bob","area":"handling"})", kNow, "vault.unauthenticated"},
        {"target changed", fresh("nonce-target-00001"), "POST", "/api/vault/windows", body, kNow,
         "vault.unauthenticated"},
        {"method changed", fresh("nonce-method-00001"), "PUT", "/api/vault/authorize", body, kNow,
         "vault.unauthenticated"},
        {"stale", fresh("nonce-stale-000001"), "POST", "/api/vault/authorize", body,
         kNow + 301'000'000, "vault.stale"},
        {"early", fresh("nonce-early-000001"), "POST", "/api/vault/authorize", body,
         kNow - 301'000'000, "vault.stale"},
        {"no signature", missing, "POST", "/api/vault/authorize", body, kNow,
         "vault.unauthenticated"},
        {"bad timestamp", badTs, "POST", "/api/vault/authorize", body, kNow,
         "vault.unauthenticated"},
        {"short nonce", shortNonce, "POST", "/api/vault/authorize", body, kNow,
         "vault.unauthenticated"},
    };
    for (const auto& row : rows) {
        auto r = auth.check(row.headers, row.method, row.target, row.body, row.now);
        ASSERT_FALSE(r) << row.what;
        EXPECT_EQ(r.error().code, row.code) << row.what << ": " << r.error().message;
    }
}

TEST(SignedRequest, ANonceRememberedFromTheTrailIsRefusedAfterARestart) {
    Keys k;
    const std::int64_t ts = kNow / 1'000'000;
    RequestAuthenticator restarted({k.pub}, 300);
    restarted.remember("nonce-from-trail-01", ts);
    auto h = headersFor(k, "POST", "/x", ts, "nonce-from-trail-01", "{}");
    auto r = restarted.check(h, "POST", "/x", "{}", kNow);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "vault.replayed");
}

TEST(SignedRequest, OldNoncesAreForgottenOnceTheirTimestampAloneRefusesThem) {
    Keys k;
    RequestAuthenticator auth({k.pub}, 300);
    for (int i = 0; i < 100; ++i) {
        const core::TimeUs now = kNow + i * 10'000'000LL;
        const std::string nonce = "nonce-forget-" + std::to_string(1000 + i);
        ASSERT_TRUE(auth.check(headersFor(k, "GET", "/p", now / 1'000'000, nonce, ""), "GET", "/p",
                               "", now));
    }
    EXPECT_LE(auth.rememberedNonces(), 32U);  // 300 s of 10 s steps, and the newest
}

}  // namespace
}  // namespace sekimori::vault
