// The snapshot's copy-on-write shards: a copy shares everything; a change to the copy copies the
// one shard it lands in and leaves the original (maybe read on the io thread) as it was.
#include "doors/credential_snapshot.hpp"

#include <gtest/gtest.h>

#include "doors/credential_rows.hpp"

namespace sekimori::doors {
namespace {

PersonRecord person(const std::string& id) {
    PersonRecord p;
    p.id = id;
    p.name = "Name of " + id;
    return p;
}

TEST(CredentialSnapshot, ACopySharesAndAChangeCopiesOnlyItsShard) {
    CredentialSnapshot original;
    for (int i = 0; i < 10000; ++i) {
        original.putPerson(person(std::string("p").append(std::to_string(i))));
    }
    original.putCard(CardRecord{"AA01", "p1", CardState::active});
    ASSERT_EQ(original.peopleCount(), 10000U);

    CredentialSnapshot copy = original;
    EXPECT_EQ(copy.person("p2"), original.person("p2")) << "shared, not copied";
    PersonRecord changed = person("p1");
    changed.pinHash = "new";
    copy.putPerson(changed);
    copy.erasePerson("p3");
    copy.putPerson(person("p-new"));

    EXPECT_TRUE(original.person("p1")->pinHash.empty());
    EXPECT_NE(original.person("p3"), nullptr);
    EXPECT_EQ(original.person("p-new"), nullptr);
    EXPECT_EQ(original.peopleCount(), 10000U);
    EXPECT_EQ(copy.person("p1")->pinHash, "new");
    EXPECT_EQ(copy.person("p3"), nullptr);
    EXPECT_EQ(copy.peopleCount(), 10000U);  // one gone, one new
    // Of 10,000 people in 4,096 shards at most three shards were copied.
    std::size_t shared = 0;
    for (int i = 0; i < 10000; ++i) {
        const std::string id = std::string("p").append(std::to_string(i));
        shared += copy.person(id) != nullptr && copy.person(id) == original.person(id) ? 1 : 0;
    }
    EXPECT_GT(shared, 10000U - 3 * 20U);
}

TEST(CredentialSnapshot, ACardOrKeypadCodeWhoseHolderIsGoneFindsNobody) {
    CredentialSnapshot s;
    PersonRecord p = person("alice");
    p.keypadHash = "code-1";
    s.putPerson(p);
    s.putCard(CardRecord{"AA01", "alice", CardState::active});
    s.putKeypad("code-1", "alice");
    ASSERT_NE(s.card("AA01"), nullptr);
    ASSERT_NE(s.personByKeypadHash("code-1"), nullptr);
    // Her code changes: the old hash's entry, if left behind, finds nobody.
    p.keypadHash = "code-2";
    s.putPerson(p);
    EXPECT_EQ(s.personByKeypadHash("code-1"), nullptr);
    s.erasePerson("alice");
    EXPECT_EQ(s.card("AA01"), nullptr);
    EXPECT_EQ(s.cardCount(), 1U);  // the row is there; its holder is not
}

TEST(CredentialSnapshot, GroupLevelsAreSetAndCleared) {
    CredentialSnapshot s;
    s.setGroupLevels("night", {LevelAssignment{"lab", 0, 0}});
    const CredentialSnapshot before = s;
    s.setGroupLevels("night", {});
    EXPECT_EQ(s.groupLevels("night"), nullptr);
    ASSERT_NE(before.groupLevels("night"), nullptr);
    EXPECT_EQ(before.groupLevels("night")->front().level, "lab");
}

TEST(CredentialRows, ARefusedRowNamesItsPersonOnly) {
    using Kind = core::RowDigestMismatch::Kind;
    EXPECT_EQ(mismatchSubject({Kind::differs, "door_pins", {"alice"}, 1}), "alice");
    EXPECT_EQ(mismatchSubject({Kind::differs, "door_group_members", {"night", "bob"}, 1}), "bob");
    EXPECT_EQ(
        mismatchSubject({Kind::differs, "door_level_assignments", {"person", "carol", "L"}, 1}),
        "carol");
    EXPECT_EQ(
        mismatchSubject({Kind::differs, "door_level_assignments", {"group", "night", "L"}, 1}), "");
    EXPECT_EQ(mismatchSubject({Kind::unnamed, "door_cards", {"AA01"}, 0}), "")
        << "a card's holder column is not trusted";
    EXPECT_EQ(decodeKey(encodeKey({"group", "g1", "L2"})),
              (std::vector<std::string>{"group", "g1", "L2"}));
}

}  // namespace
}  // namespace sekimori::doors
