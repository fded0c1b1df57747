#include "vault/vault_body.hpp"

#include <gtest/gtest.h>

namespace sekimori::vault {
namespace {

TEST(VaultBody, HandlersSetAndRemove) {
    auto b = parseHandlersBody(
        R"({"set":[{"person":"ann","areas":["handling","handling"]}],"remove":["bob"]})");
    ASSERT_TRUE(b) << b.error().message;
    ASSERT_EQ(b->set.size(), 2U);
    EXPECT_EQ(b->set[0].person, "ann");
    EXPECT_EQ(b->set[0].areas, (std::set<std::string>{"handling"}));
    EXPECT_EQ(b->set[1].person, "bob");
    EXPECT_TRUE(b->set[1].areas.empty());
}

TEST(VaultBody, EveryBadBodyNamesItsField) {
    struct Row {
        const char* body;
        const char* field;
    };
    const std::vector<Row> handlers{
        {"", "body"},
        {"[]", "body"},
        {"{}", "body"},
        {R"({"set":{}})", "body.set"},
        {R"({"set":[{"person":"Ann!","areas":["h"]}]})", "body.set[0].person"},
        {R"({"set":[{"person":"ann"}]})", "body.set[0].areas"},
        {R"({"set":[{"person":"ann","areas":[]}]})", "body.set[0].areas"},
        {R"({"set":[{"person":"ann","areas":["h"],"x":1}]})", "body.set[0].x"},
        {R"({"set":[{"person":"ann","areas":["h"]}],"remove":["ann"]})", "body.remove[0]"},
        {R"({"remove":[5]})", "body.remove[0]"},
        {R"({"other":1})", "body.other"},
    };
    for (const auto& row : handlers) {
        auto r = parseHandlersBody(row.body);
        ASSERT_FALSE(r) << row.body;
        EXPECT_EQ(r.error().code, "vault.bad_request");
        EXPECT_NE(r.error().message.find(row.field), std::string::npos)
            << row.body << ": " << r.error().message;
    }
    const std::vector<Row> windows{
        {R"({"person":"ann","area":"h","from":"2026-12-02T09:00:00+09:00","to":"2026-12-02T10:00:00+09:00"})",
         "body.approval_id"},
        {R"({"approval_id":"A 1","person":"ann","area":"h","from":"2026-12-02T09:00:00+09:00","to":"2026-12-02T10:00:00+09:00"})",
         "body.approval_id"},
        {R"({"approval_id":"A1","person":"ann","area":"h","from":"2026-12-02T09:00:00","to":"2026-12-02T10:00:00+09:00"})",
         "body.from"},
        {R"({"approval_id":"A1","person":"ann","area":"h","from":"2026-12-02T10:00:00+09:00","to":"2026-12-02T09:00:00+09:00"})",
         "body.to"},
        {R"({"approval_id":"A1","person":"ann","area":"h","from":"2026-12-02T10:00:00+09:00","to":"2026-12-12T09:00:00+09:00"})",
         "body.to"},
        {R"({"approval_id":"A1","person":"ann","from":"2026-12-02T09:00:00+09:00","to":"2026-12-02T10:00:00+09:00"})",
         "body.area"},
    };
    for (const auto& row : windows) {
        auto r = parseWindowBody(row.body);
        ASSERT_FALSE(r) << row.body;
        EXPECT_NE(r.error().message.find(row.field), std::string::npos)
            << row.body << ": " << r.error().message;
    }
    EXPECT_FALSE(parseAuthorizeBody(R"({"person":"ann"})"));
    EXPECT_FALSE(parseAckBody(R"({"upto":-1})"));
    EXPECT_FALSE(parseAckBody(R"({"upto":1.5})"));
    ASSERT_TRUE(parseAckBody(R"({"upto":0})"));
}

TEST(VaultBody, AWindowInTheSiteTimeZone) {
    auto w = parseWindowBody(
        R"({"approval_id":"V-2026-001","person":"ann","area":"handling","from":"2026-12-02T09:00:00+09:00","to":"2026-12-02T00:30:00Z"})");
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ(w->toUs - w->fromUs, 30LL * 60 * 1'000'000);
    EXPECT_EQ(w->approvalId, "V-2026-001");
}

}  // namespace
}  // namespace sekimori::vault
