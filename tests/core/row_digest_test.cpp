// Row digests: the golden vector (computed from docs/audit.md's encoding in Python), every
// column type, key handling, and the index with its mismatch finder.
#include "core/row_digest.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/audit_chain.hpp"
#include "core/row_digest_index.hpp"
#include "tests/core/audit_test_support.hpp"

namespace sekimori::core {
namespace {

std::unique_ptr<Database> cardsDb(const testing::TempDir& dir) {
    auto db = Database::open(dir.file("site.db"));
    EXPECT_TRUE(db.ok());
    EXPECT_TRUE((*db)
                    ->exec("CREATE TABLE cards(uid TEXT PRIMARY KEY, person TEXT, n INTEGER,"
                           " r REAL, b BLOB, z)")
                    .ok());
    EXPECT_TRUE(
        (*db)->exec("INSERT INTO cards VALUES('0123ABCD', 'p-1', -5, 1.5, x'00ff', NULL)").ok());
    EXPECT_TRUE(migrateAuditSchema(**db).ok());
    return std::move(*db);
}

const AuditedTable kCards{"cards", {"uid"}};

TEST(RowDigest, MatchesTheDocumentedEncodingOfEveryColumnType) {
    testing::TempDir dir;
    auto db = cardsDb(dir);
    auto digest = digestRow(*db, kCards, {"0123ABCD"});
    ASSERT_TRUE(digest.ok()) << digest.error().message;
    ASSERT_TRUE(digest->has_value());
    EXPECT_EQ(toHex(**digest), "1a6980f99efec6ac200a53ff0c920e46baa3ad6be99db9bd1addd2674cb6d4d8");
}

TEST(RowDigest, AbsentRowIsNulloptAndAChangedValueChangesTheDigest) {
    testing::TempDir dir;
    auto db = cardsDb(dir);
    auto absent = digestRow(*db, kCards, {"FFFF"});
    ASSERT_TRUE(absent.ok());
    EXPECT_FALSE(absent->has_value());
    const auto before = *digestRow(*db, kCards, {"0123ABCD"});
    ASSERT_TRUE(db->exec("UPDATE cards SET person = 'p-2'").ok());
    const auto after = *digestRow(*db, kCards, {"0123ABCD"});
    EXPECT_NE(*before, *after);
    // Same value, other storage class (z has no affinity): a different row to the digest.
    ASSERT_TRUE(db->exec("UPDATE cards SET z = 1").ok());
    const auto asInteger = **digestRow(*db, kCards, {"0123ABCD"});
    ASSERT_TRUE(db->exec("UPDATE cards SET z = '1'").ok());
    EXPECT_NE(asInteger, **digestRow(*db, kCards, {"0123ABCD"}));
}

TEST(RowDigest, RefusesAWrongKeyLengthAndNamesThatAreNotPlain) {
    testing::TempDir dir;
    auto db = cardsDb(dir);
    EXPECT_FALSE(digestRow(*db, kCards, {}).ok());
    EXPECT_FALSE(digestRow(*db, AuditedTable{"cards\"; DROP", {"uid"}}, {"x"}).ok());
    EXPECT_FALSE(digestRow(*db, AuditedTable{"no_such_table", {"uid"}}, {"x"}).ok());
}

TEST(RowDigest, JsonMemberHasTheContractShape) {
    Hash h{};
    h[0] = 0xab;
    const auto j = rowDigestJson(kCards, {"0123ABCD"}, h);
    EXPECT_EQ(j.dump(), "{\"digest\":\"ab" + std::string(62, '0') +
                            "\",\"key\":[\"0123ABCD\"],\"table\":\"cards\"}");
    EXPECT_TRUE(rowDigestJson(kCards, {"0123ABCD"}, std::nullopt)["digest"].is_null());
}

void appendWithDigest(Database& db, const std::string& uid, const std::optional<Hash>& digest) {
    nlohmann::json payload{{"uid", uid}, {"row_digest", rowDigestJson(kCards, {uid}, digest)}};
    ASSERT_TRUE(appendEvents(db, {Event{0, "card.assigned", "test", "", payload.dump()}}).ok());
}

TEST(RowDigestIndex, FindsEveryDifferingUnnamedAndMissingRow) {
    testing::TempDir dir;
    auto db = cardsDb(dir);
    appendWithDigest(*db, "0123ABCD", *digestRow(*db, kCards, {"0123ABCD"}));
    ASSERT_TRUE(db->exec("INSERT INTO cards VALUES('BBBB', 'p-2', 1, 0, NULL, NULL)").ok());
    appendWithDigest(*db, "BBBB", *digestRow(*db, kCards, {"BBBB"}));
    appendWithDigest(*db, "GONE", std::nullopt);  // recorded as deleted, and it is absent

    auto index = RowDigestIndex::load(*db);
    ASSERT_TRUE(index.ok()) << index.error().message;
    EXPECT_EQ(index->lastSeq(), 3u);
    EXPECT_EQ(index->recordedAt("cards", {"BBBB"}), 2u);
    auto clean = findRowDigestMismatches(*db, {kCards}, *index);
    ASSERT_TRUE(clean.ok());
    EXPECT_TRUE(clean->empty());

    // Swap the two people, insert a row, delete a named row.
    ASSERT_TRUE(db->exec("UPDATE cards SET person = CASE person WHEN 'p-1' THEN 'p-2' ELSE 'p-1' "
                         "END")
                    .ok());
    ASSERT_TRUE(db->exec("INSERT INTO cards VALUES('CCCC', 'p-3', 1, 0, NULL, NULL)").ok());
    ASSERT_TRUE(db->exec("INSERT INTO cards VALUES('GONE', 'p-4', 1, 0, NULL, NULL)").ok());
    auto found = findRowDigestMismatches(*db, {kCards}, *index);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 4u);
    int differs = 0, unnamed = 0;
    for (const auto& m : *found) {
        differs += m.kind == RowDigestMismatch::Kind::differs;
        unnamed += m.kind == RowDigestMismatch::Kind::unnamed;
    }
    EXPECT_EQ(differs, 3);  // both swapped rows, and the resurrected deleted one
    EXPECT_EQ(unnamed, 1);

    ASSERT_TRUE(db->exec("DELETE FROM cards WHERE uid = 'BBBB'").ok());
    found = findRowDigestMismatches(*db, {kCards}, *index);
    ASSERT_TRUE(found.ok());
    bool missing = false;
    for (const auto& m : *found) {
        missing = missing || (m.kind == RowDigestMismatch::Kind::missing && m.key[0] == "BBBB");
    }
    EXPECT_TRUE(missing);
}

TEST(RowDigestIndex, NoteTakesArraysAndIgnoresWhatItAlreadySaw) {
    RowDigestIndex index;
    Hash a{};
    a[1] = 1;
    nlohmann::json both{{"row_digest", nlohmann::json::array({rowDigestJson(kCards, {"A"}, a),
                                                              rowDigestJson(kCards, {"B"}, a)})}};
    ASSERT_TRUE(index.note(5, both).ok());
    EXPECT_TRUE(index.expected("cards", {"B"}).has_value());
    nlohmann::json older{{"row_digest", rowDigestJson(kCards, {"A"}, std::nullopt)}};
    ASSERT_TRUE(index.note(4, older).ok());  // at or below lastSeq: already seen
    EXPECT_EQ(**index.expected("cards", {"A"}), a);
    EXPECT_FALSE(index.expected("cards", {"C"}).has_value());
    nlohmann::json bad{{"row_digest", {{"table", "cards"}, {"key", {"A"}}, {"digest", "xyz"}}}};
    EXPECT_FALSE(index.note(6, bad).ok());
}

}  // namespace
}  // namespace sekimori::core
