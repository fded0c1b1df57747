// The rule book the domains fill before the daemon starts: what it refuses (a missing field, a
// priority outside 1..5, a half-given when, the same event and when declared twice) and how it
// answers by event type.
#include "core/alarm_rule.hpp"

#include <gtest/gtest.h>

namespace sekimori::core {
namespace {

AlarmRule raiseRule(std::string type = "door.forced") {
    AlarmRule r;
    r.eventType = type;
    r.action = AlarmAction::raise;
    r.alarmType = type;
    r.priority = 1;
    r.sourceKind = "door";
    r.sourceField = "door";
    return r;
}

TEST(AlarmRuleBook, TakesAWellFormedRule) {
    AlarmRuleBook book;
    ASSERT_TRUE(book.add(raiseRule()));
    ASSERT_EQ(book.rules().size(), 1U);
    EXPECT_EQ(book.rules()[0].eventType, "door.forced");
}

TEST(AlarmRuleBook, RefusesARuleMissingAField) {
    const std::vector<std::function<void(AlarmRule&)>> breaks{
        [](AlarmRule& r) { r.eventType.clear(); },   [](AlarmRule& r) { r.alarmType.clear(); },
        [](AlarmRule& r) { r.sourceKind.clear(); },  [](AlarmRule& r) { r.sourceField.clear(); },
        [](AlarmRule& r) { r.whenField = "state"; }, [](AlarmRule& r) { r.whenValue = "active"; },
    };
    for (std::size_t i = 0; i < breaks.size(); ++i) {
        AlarmRuleBook book;
        AlarmRule r = raiseRule();
        breaks[i](r);
        auto added = book.add(r);
        ASSERT_FALSE(added.ok()) << i;
        EXPECT_EQ(added.error().code, "alarm.bad_rule");
        if (i != 0) {  // the message names the rule by its event type
            EXPECT_NE(added.error().message.find("door.forced"), std::string::npos) << i;
        }
        EXPECT_TRUE(book.rules().empty());
    }
}

TEST(AlarmRuleBook, PriorityIsOneToFiveForRaiseRulesOnly) {
    for (const int priority : {0, 6, -1}) {
        AlarmRuleBook book;
        AlarmRule r = raiseRule();
        r.priority = priority;
        auto added = book.add(r);
        ASSERT_FALSE(added.ok()) << priority;
        EXPECT_NE(added.error().message.find("1..5"), std::string::npos);
    }
    for (const int priority : {1, 5}) {
        AlarmRuleBook book;
        AlarmRule r = raiseRule();
        r.priority = priority;
        EXPECT_TRUE(book.add(r)) << priority;
    }
    AlarmRuleBook book;
    AlarmRule clear = raiseRule("door.closed");
    clear.action = AlarmAction::clear;
    clear.alarmType = "door.held_open";
    clear.priority = 0;  // not looked at
    EXPECT_TRUE(book.add(clear));
}

TEST(AlarmRuleBook, RefusesTheSameEventAndWhenTwice) {
    AlarmRuleBook book;
    AlarmRule active = raiseRule("door.tamper");
    active.whenField = "state";
    active.whenValue = "active";
    AlarmRule cleared = active;
    cleared.action = AlarmAction::clear;
    cleared.whenValue = "cleared";
    ASSERT_TRUE(book.add(active));
    ASSERT_TRUE(book.add(cleared));  // the same event under another when
    auto twice = book.add(active);
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.error().message.find("twice"), std::string::npos);
    EXPECT_EQ(book.rules().size(), 2U);
}

TEST(AlarmRuleBook, AddingAListStopsAtTheFirstRefusal) {
    AlarmRuleBook book;
    AlarmRule bad = raiseRule("door.held_open");
    bad.priority = 9;
    auto added = book.add(std::vector<AlarmRule>{raiseRule(), bad, raiseRule("panel.offline")});
    ASSERT_FALSE(added.ok());
    EXPECT_NE(added.error().message.find("door.held_open"), std::string::npos);
    ASSERT_EQ(book.rules().size(), 1U);
}

TEST(AlarmRuleBook, AnswersByExactTypeInDeclarationOrder) {
    AlarmRuleBook book;
    AlarmRule active = raiseRule("door.tamper");
    active.whenField = "state";
    active.whenValue = "active";
    AlarmRule cleared = active;
    cleared.action = AlarmAction::clear;
    cleared.whenValue = "cleared";
    ASSERT_TRUE(book.add(std::vector<AlarmRule>{active, raiseRule(), cleared}));
    const auto tamper = book.forType("door.tamper");
    ASSERT_EQ(tamper.size(), 2U);
    EXPECT_EQ(tamper[0]->whenValue, "active");
    EXPECT_EQ(tamper[1]->whenValue, "cleared");
    EXPECT_EQ(book.forType("door.forced").size(), 1U);
    EXPECT_TRUE(book.forType("door.").empty());  // exact, not a prefix
    EXPECT_TRUE(book.forType("door.forced_x").empty());
}

}  // namespace
}  // namespace sekimori::core
