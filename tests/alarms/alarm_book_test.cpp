// The alarm model as tables over an injected clock: every transition and every refusal, the
// fold that rebuilds the book from recorded events, and what time alone does (escalation, the
// end of a shelving).
#include "alarms/alarm_book.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "alarms/alarm_event_types.hpp"
#include "alarms/alarm_json.hpp"

namespace sekimori::alarms {
namespace {

constexpr core::TimeUs kSecond = 1'000'000;

core::AlarmRule rule(std::string type, core::AlarmAction action, std::string alarmType,
                     int priority = 1) {
    core::AlarmRule r;
    r.eventType = std::move(type);
    r.action = action;
    r.alarmType = std::move(alarmType);
    r.priority = priority;
    r.sourceKind = "door";
    r.sourceField = "door";
    return r;
}

const core::AlarmRule kForced = rule("door.forced", core::AlarmAction::raise, "door.forced", 1);
const core::AlarmRule kHeld = rule("door.held_open", core::AlarmAction::raise, "door.held_open", 2);
const core::AlarmRule kClosed = rule("door.closed", core::AlarmAction::clear, "door.held_open");

core::AlarmRule tamper(core::AlarmAction action, std::string state) {
    core::AlarmRule r = rule("door.tamper", action, "door.tamper", 1);
    r.whenField = "state";
    r.whenValue = std::move(state);
    return r;
}

core::ApiCall caller(std::string name, core::Role role) {
    core::ApiCall call;
    call.actor = std::move(name);
    call.role = role;
    return call;
}

const core::ApiCall kDesk = caller("desk", core::Role::deskOperator);
const core::ApiCall kAdmin = caller("sato", core::Role::securityAdmin);

nlohmann::json payloadOf(const core::Event& e) {
    return nlohmann::json::parse(e.payload);
}

nlohmann::json alarmOf(const core::Event& e) {
    return payloadOf(e)["alarm"];
}

// A desk with a book, a clock and a trail: what the service does, without I/O.
struct Desk {
    core::ManualClock clock{1'800'000'000'000'000};
    AlarmBook book;
    std::uint64_t seq = 100;
    std::vector<core::RecordedEvent> trail;  // every alarm.* event recorded, in order
    AlarmsConfig config;

    core::RecordedEvent sourceEvent(const std::string& type, nlohmann::json payload) {
        core::RecordedEvent e;
        e.seq = ++seq;
        e.event = core::Event{clock.nowUs(), type, "door:x", "", payload.dump()};
        e.body = std::make_shared<const nlohmann::json>(std::move(payload));
        return e;
    }

    // Records a step as the service does: applied at once, its seq noted when published.
    core::RecordedEvent record(const core::Event& step) {
        auto applied = apply(book, step);
        EXPECT_TRUE(applied.ok()) << (applied.ok() ? "" : applied.error().message);
        core::RecordedEvent r{++seq, step, {}, {}, nullptr};
        noteRecorded(book, r);
        trail.push_back(r);
        return r;
    }

    std::optional<core::Event> trigger(const core::AlarmRule& r, const std::string& door,
                                       nlohmann::json extra = nlohmann::json::object()) {
        extra["door"] = door;
        auto step = onSourceEvent(book, r, sourceEvent(r.eventType, extra), clock.nowUs());
        EXPECT_TRUE(step.ok()) << step.error().message;
        if (!step.ok() || !*step) {
            return std::nullopt;
        }
        record(**step);
        return **step;
    }

    std::int64_t raise(const std::string& door = "server-room") {
        auto e = trigger(kForced, door);
        EXPECT_TRUE(e && e->type == kAlarmRaised);
        return e ? alarmOf(*e)["id"].get<std::int64_t>() : 0;
    }

    // Runs a step that must succeed and records it.
    core::Event step(core::Result<core::Event> result) {
        EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
        if (!result.ok()) {
            return {};
        }
        record(*result);
        return *result;
    }

    const Alarm& alarm(std::int64_t id) const { return *book.find(id); }
};

// --- triggers -------------------------------------------------------------------------------

TEST(AlarmBook, AForcedDoorRaisesAnAlarmOnItsSource) {
    Desk desk;
    auto e = desk.trigger(kForced, "server-room");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, kAlarmRaised);
    EXPECT_EQ(e->source, "alarm:1");
    EXPECT_EQ(e->timeUs, desk.clock.nowUs());
    const auto payload = payloadOf(*e);
    EXPECT_EQ(payload["event_seq"], 101);
    const auto& a = desk.alarm(1);
    EXPECT_EQ(a.type, "door.forced");
    EXPECT_EQ(a.source, "door:server-room");
    EXPECT_EQ(a.sourceKind, "door");
    EXPECT_EQ(a.sourceId, "server-room");
    EXPECT_EQ(a.priority, 1);
    EXPECT_EQ(a.basePriority, 1);
    EXPECT_EQ(a.state, AlarmState::active);
    EXPECT_EQ(a.count, 1);
    EXPECT_EQ(a.raisedUs, desk.clock.nowUs());
    EXPECT_EQ(a.eventSeqs, (std::vector<std::uint64_t>{101}));
    EXPECT_EQ(desk.book.findOpen("door.forced", "door:server-room"), &a);
    EXPECT_EQ(desk.book.nextId, 2);
}

TEST(AlarmBook, ARetriggerCountsOnTheOpenAlarmInsteadOfDuplicatingIt) {
    Desk desk;
    const auto id = desk.raise();
    desk.clock.advanceMs(5'000);
    auto e = desk.trigger(kForced, "server-room");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, kAlarmRetriggered);
    EXPECT_EQ(payloadOf(*e)["event_seq"], 103);
    const auto& a = desk.alarm(id);
    EXPECT_EQ(a.count, 2);
    EXPECT_EQ(a.lastUs, desk.clock.nowUs());
    EXPECT_LT(a.raisedUs, a.lastUs);
    EXPECT_EQ(a.eventSeqs, (std::vector<std::uint64_t>{101, 103}));
    EXPECT_EQ(desk.book.alarms.size(), 1U);
}

TEST(AlarmBook, ARetriggerKeepsTheStateItFound) {
    for (const auto& [steps, expected] : std::vector<std::pair<std::string, AlarmState>>{
             {"ack", AlarmState::acknowledged}, {"shelve", AlarmState::shelved}}) {
        Desk desk;
        const auto id = desk.raise();
        if (steps == "ack") {
            desk.step(acknowledge(desk.book, id, kDesk, "", desk.clock.nowUs()));
        } else {
            desk.step(shelve(desk.book, id, kAdmin, 10, "works", desk.clock.nowUs(), desk.config));
        }
        auto e = desk.trigger(kForced, "server-room");
        ASSERT_TRUE(e);
        EXPECT_EQ(e->type, kAlarmRetriggered) << steps;
        EXPECT_EQ(desk.alarm(id).state, expected) << steps;
        EXPECT_EQ(desk.alarm(id).count, 2) << steps;
    }
}

TEST(AlarmBook, OnlyTheNewestFiftyTriggersAreLinked) {
    Desk desk;
    const auto id = desk.raise();
    for (int i = 0; i < 60; ++i) {
        desk.trigger(kForced, "server-room");
    }
    const auto& a = desk.alarm(id);
    EXPECT_EQ(a.count, 61);
    ASSERT_EQ(a.eventSeqs.size(), kMaxEventSeqs);
    EXPECT_EQ(a.eventSeqs.back(), desk.trail.back().seq - 1);  // the trigger before the step
    EXPECT_LT(a.eventSeqs.front(), a.eventSeqs.back());
}

TEST(AlarmBook, AnotherSourceOrTypeIsAnotherAlarm) {
    Desk desk;
    EXPECT_EQ(desk.raise("server-room"), 1);
    EXPECT_EQ(desk.raise("entrance"), 2);
    auto held = desk.trigger(kHeld, "server-room");
    ASSERT_TRUE(held);
    EXPECT_EQ(held->type, kAlarmRaised);
    EXPECT_EQ(alarmOf(*held)["id"], 3);
    EXPECT_EQ(alarmOf(*held)["priority"], 2);
    EXPECT_EQ(desk.book.open.size(), 3U);
}

TEST(AlarmBook, AClearRuleClosesTheOpenAlarmItNames) {
    Desk desk;
    auto held = desk.trigger(kHeld, "server-room");
    ASSERT_TRUE(held);
    desk.clock.advanceMs(1'000);
    auto cleared = desk.trigger(kClosed, "server-room");
    ASSERT_TRUE(cleared);
    EXPECT_EQ(cleared->type, kAlarmCleared);
    EXPECT_EQ(payloadOf(*cleared)["event_seq"], 103);
    const auto& a = desk.alarm(1);
    EXPECT_EQ(a.state, AlarmState::cleared);
    EXPECT_EQ(a.clearedUs, desk.clock.nowUs());
    EXPECT_EQ(a.eventSeqs, (std::vector<std::uint64_t>{101, 103}));
    EXPECT_EQ(desk.book.findOpen("door.held_open", "door:server-room"), nullptr);
    // The next held-open is a new alarm.
    auto again = desk.trigger(kHeld, "server-room");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->type, kAlarmRaised);
    EXPECT_EQ(alarmOf(*again)["id"], 2);
}

TEST(AlarmBook, AClearRuleClearsShelvedAndAcknowledgedAlarmsToo) {
    for (const std::string first : {"ack", "shelve"}) {
        Desk desk;
        desk.trigger(kHeld, "server-room");
        if (first == "ack") {
            desk.step(acknowledge(desk.book, 1, kDesk, "", desk.clock.nowUs()));
        } else {
            desk.step(shelve(desk.book, 1, kAdmin, 5, "fixing", desk.clock.nowUs(), desk.config));
        }
        auto cleared = desk.trigger(kClosed, "server-room");
        ASSERT_TRUE(cleared) << first;
        EXPECT_EQ(desk.alarm(1).state, AlarmState::cleared) << first;
    }
}

TEST(AlarmBook, NothingHappensWhenThereIsNothingToClearOrTheWhenFieldDiffers) {
    Desk desk;
    EXPECT_FALSE(desk.trigger(kClosed, "server-room"));  // nothing open
    desk.raise();                                        // door.forced is not cleared by closing
    EXPECT_FALSE(desk.trigger(kClosed, "server-room"));
    EXPECT_EQ(desk.alarm(1).state, AlarmState::active);
    // door.tamper: "active" raises, "cleared" clears; another value does neither.
    const auto raiseRule = tamper(core::AlarmAction::raise, "active");
    const auto clearRule = tamper(core::AlarmAction::clear, "cleared");
    EXPECT_FALSE(desk.trigger(raiseRule, "entrance", {{"state", "cleared"}}));
    EXPECT_FALSE(desk.trigger(raiseRule, "entrance", {{"state", 1}}));
    EXPECT_FALSE(desk.trigger(raiseRule, "entrance"));
    auto raised = desk.trigger(raiseRule, "entrance", {{"state", "active"}});
    ASSERT_TRUE(raised);
    EXPECT_EQ(raised->type, kAlarmRaised);
    EXPECT_FALSE(desk.trigger(clearRule, "entrance", {{"state", "active"}}));
    auto cleared = desk.trigger(clearRule, "entrance", {{"state", "cleared"}});
    ASSERT_TRUE(cleared);
    EXPECT_EQ(cleared->type, kAlarmCleared);
}

TEST(AlarmBook, AnEventWithoutTheSourceFieldIsAnError) {
    Desk desk;
    for (const auto& payload :
         {nlohmann::json::object(), nlohmann::json{{"door", 7}}, nlohmann::json{{"door", ""}}}) {
        auto e = desk.sourceEvent("door.forced", payload);
        auto step = onSourceEvent(desk.book, kForced, e, desk.clock.nowUs());
        ASSERT_FALSE(step.ok()) << payload.dump();
        EXPECT_EQ(step.error().code, kAlarmNoSource);
        EXPECT_NE(step.error().message.find("\"door\""), std::string::npos);
    }
    // The payload text is read when the recorder did not parse it.
    core::RecordedEvent unparsed;
    unparsed.seq = 5;
    unparsed.event = core::Event{1, "door.forced", "door:a", "", R"({"door":"a"})"};
    auto step = onSourceEvent(desk.book, kForced, unparsed, desk.clock.nowUs());
    ASSERT_TRUE(step.ok());
    ASSERT_TRUE(*step);
    EXPECT_EQ(alarmOf(**step)["source"], "door:a");
    EXPECT_TRUE(desk.book.alarms.empty());  // pure: the book did not change
}

TEST(AlarmBook, AResolvedAlarmIsNotRetriggeredButRaisedAnew) {
    Desk desk;
    desk.raise();
    desk.step(resolve(desk.book, 1, kDesk, "checked: a cleaner", desk.clock.nowUs()));
    auto e = desk.trigger(kForced, "server-room");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, kAlarmRaised);
    EXPECT_EQ(alarmOf(*e)["id"], 2);
    EXPECT_EQ(desk.alarm(1).count, 1);
}

// --- an operator's steps --------------------------------------------------------------------

TEST(AlarmBook, AcknowledgeMakesTheOperatorTheOwner) {
    Desk desk;
    desk.raise();
    desk.clock.advanceMs(30'000);
    auto e = desk.step(acknowledge(desk.book, 1, kDesk, "on my way", desk.clock.nowUs()));
    EXPECT_EQ(e.type, kAlarmAcknowledged);
    EXPECT_EQ(e.source, "alarm:1");
    const auto payload = payloadOf(e);
    EXPECT_EQ(payload["actor"], "desk");
    EXPECT_EQ(payload["role"], "operator");
    EXPECT_EQ(payload["comment"], "on my way");
    const auto& a = desk.alarm(1);
    EXPECT_EQ(a.state, AlarmState::acknowledged);
    EXPECT_EQ(a.owner, "desk");
    EXPECT_EQ(a.acknowledgedUs, desk.clock.nowUs());
    ASSERT_EQ(a.comments.size(), 1U);
    EXPECT_EQ(a.comments[0].by, "desk");
    EXPECT_EQ(a.comments[0].text, "on my way");
    EXPECT_EQ(a.comments[0].timeUs, desk.clock.nowUs());
    // Without a comment: none added, none in the payload.
    desk.raise("entrance");
    auto bare = desk.step(acknowledge(desk.book, 2, kAdmin, "", desk.clock.nowUs()));
    EXPECT_FALSE(payloadOf(bare).contains("comment"));
    EXPECT_TRUE(desk.alarm(2).comments.empty());
    EXPECT_EQ(desk.alarm(2).owner, "sato");
}

TEST(AlarmBook, ResolveNeedsAComment) {
    Desk desk;
    desk.raise();
    desk.step(acknowledge(desk.book, 1, kDesk, "", desk.clock.nowUs()));
    auto refused = resolve(desk.book, 1, kDesk, "", desk.clock.nowUs());
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, kAlarmBadComment);
    desk.clock.advanceMs(60'000);
    auto e = desk.step(resolve(desk.book, 1, kDesk, "door re-secured", desk.clock.nowUs()));
    EXPECT_EQ(e.type, kAlarmResolved);
    EXPECT_EQ(payloadOf(e)["comment"], "door re-secured");
    const auto& a = desk.alarm(1);
    EXPECT_EQ(a.state, AlarmState::resolved);
    EXPECT_EQ(a.resolvedBy, "desk");
    EXPECT_EQ(a.resolvedUs, desk.clock.nowUs());
    EXPECT_EQ(a.comments.back().text, "door re-secured");
    EXPECT_TRUE(desk.book.open.empty());
}

TEST(AlarmBook, CommentsAreTakenInEveryState) {
    Desk desk;
    desk.raise();
    desk.step(addComment(desk.book, 1, kDesk, "watching camera 3", desk.clock.nowUs()));
    desk.step(resolve(desk.book, 1, kDesk, "done", desk.clock.nowUs()));
    auto e = desk.step(addComment(desk.book, 1, kAdmin, "after-action: fine", desk.clock.nowUs()));
    EXPECT_EQ(e.type, kAlarmCommented);
    EXPECT_EQ(payloadOf(e)["actor"], "sato");
    const auto& a = desk.alarm(1);
    EXPECT_EQ(a.state, AlarmState::resolved);  // a comment changes no state
    ASSERT_EQ(a.comments.size(), 3U);
    EXPECT_EQ(a.comments[2].by, "sato");
}

TEST(AlarmBook, CommentsAreOneToAThousandCharactersWithoutControls) {
    struct Row {
        std::string comment;
        bool ok;
    };
    std::string thousandKana;
    for (int i = 0; i < 1000; ++i) {
        thousandKana += "あ";  // 3 bytes, one character
    }
    const std::vector<Row> rows{
        {"", false},
        {"   \n\t", false},
        {"x", true},
        {std::string(1000, 'x'), true},
        {std::string(1001, 'x'), false},
        {thousandKana, true},
        {thousandKana + "あ", false},
        {"line one\nline two\tend", true},
        {std::string("bell\a"), false},
        {std::string("nul\0x", 5), false},
        {"del\x7f", false},
    };
    for (const auto& row : rows) {
        const auto problem = commentProblem(row.comment);
        EXPECT_EQ(!problem.has_value(), row.ok) << row.comment.size();
        if (problem) {
            EXPECT_EQ(problem->code, kAlarmBadComment);
        }
        Desk desk;
        desk.raise();
        auto commented = addComment(desk.book, 1, kDesk, row.comment, desk.clock.nowUs());
        EXPECT_EQ(commented.ok(), row.ok);
        auto acked = acknowledge(desk.book, 1, kDesk, row.comment, desk.clock.nowUs());
        EXPECT_EQ(acked.ok(), row.ok || row.comment.empty());  // optional there
    }
}

TEST(AlarmBook, ShelvingIsBoundedAndNeedsAComment) {
    Desk desk;
    desk.config.shelveMaxMinutes = 60;
    desk.raise();
    for (const std::int64_t minutes : {0, -5, 61}) {
        auto r = shelve(desk.book, 1, kAdmin, minutes, "x", desk.clock.nowUs(), desk.config);
        ASSERT_FALSE(r.ok()) << minutes;
        EXPECT_EQ(r.error().code, kAlarmBadMinutes);
        EXPECT_NE(r.error().message.find("60"), std::string::npos);
    }
    auto noComment = shelve(desk.book, 1, kAdmin, 10, "", desk.clock.nowUs(), desk.config);
    ASSERT_FALSE(noComment.ok());
    EXPECT_EQ(noComment.error().code, kAlarmBadComment);
    auto e = desk.step(
        shelve(desk.book, 1, kAdmin, 60, "contractor work", desk.clock.nowUs(), desk.config));
    EXPECT_EQ(e.type, kAlarmShelved);
    EXPECT_EQ(payloadOf(e)["minutes"], 60);
    const auto& a = desk.alarm(1);
    EXPECT_EQ(a.state, AlarmState::shelved);
    EXPECT_EQ(a.shelvedBy, "sato");
    EXPECT_EQ(a.shelvedUntilUs, desk.clock.nowUs() + 60 * 60 * kSecond);
    EXPECT_NE(desk.book.findOpen("door.forced", "door:server-room"), nullptr);  // still open
}

TEST(AlarmBook, UnshelveGoesBackToTheStateBeforeShelving) {
    for (const bool acknowledgedFirst : {false, true}) {
        Desk desk;
        desk.raise();
        if (acknowledgedFirst) {
            desk.step(acknowledge(desk.book, 1, kDesk, "", desk.clock.nowUs()));
        }
        desk.step(shelve(desk.book, 1, kAdmin, 10, "x", desk.clock.nowUs(), desk.config));
        auto e = desk.step(unshelve(desk.book, 1, kAdmin, desk.clock.nowUs()));
        EXPECT_EQ(e.type, kAlarmUnshelved);
        EXPECT_EQ(payloadOf(e)["expired"], false);
        EXPECT_EQ(payloadOf(e)["actor"], "sato");
        EXPECT_EQ(desk.alarm(1).state,
                  acknowledgedFirst ? AlarmState::acknowledged : AlarmState::active);
        EXPECT_EQ(desk.alarm(1).shelvedUntilUs, 0);
    }
}

TEST(AlarmBook, EveryStepRefusesAnUnknownIdAndAWrongState) {
    // (state reached, step, allowed)
    enum class Step { acknowledge, comment, resolve, shelve, unshelve };
    const std::vector<std::tuple<std::string, Step, bool>> table{
        {"active", Step::acknowledge, true},     {"active", Step::resolve, true},
        {"active", Step::shelve, true},          {"active", Step::unshelve, false},
        {"active", Step::comment, true},         {"acknowledged", Step::acknowledge, false},
        {"acknowledged", Step::resolve, true},   {"acknowledged", Step::shelve, true},
        {"acknowledged", Step::unshelve, false}, {"shelved", Step::acknowledge, false},
        {"shelved", Step::resolve, false},       {"shelved", Step::shelve, false},
        {"shelved", Step::unshelve, true},       {"shelved", Step::comment, true},
        {"resolved", Step::acknowledge, false},  {"resolved", Step::resolve, false},
        {"resolved", Step::shelve, false},       {"resolved", Step::unshelve, false},
        {"resolved", Step::comment, true},       {"cleared", Step::acknowledge, false},
        {"cleared", Step::resolve, false},       {"cleared", Step::shelve, false},
        {"cleared", Step::unshelve, false},      {"cleared", Step::comment, true},
    };
    const auto run = [](Desk& desk, Step step, std::int64_t id) {
        const auto now = desk.clock.nowUs();
        switch (step) {
            case Step::acknowledge:
                return acknowledge(desk.book, id, kDesk, "", now);
            case Step::comment:
                return addComment(desk.book, id, kDesk, "note", now);
            case Step::resolve:
                return resolve(desk.book, id, kDesk, "done", now);
            case Step::shelve:
                return shelve(desk.book, id, kAdmin, 5, "x", now, desk.config);
            case Step::unshelve:
                return unshelve(desk.book, id, kAdmin, now);
        }
        return core::Result<core::Event>(core::makeError("test", "unreachable"));
    };
    for (const auto& [state, step, allowed] : table) {
        Desk desk;
        if (state == "cleared") {
            desk.trigger(kHeld, "server-room");
            desk.trigger(kClosed, "server-room");
        } else {
            desk.raise();
        }
        if (state == "acknowledged") {
            desk.step(acknowledge(desk.book, 1, kDesk, "", desk.clock.nowUs()));
        } else if (state == "shelved") {
            desk.step(shelve(desk.book, 1, kAdmin, 5, "x", desk.clock.nowUs(), desk.config));
        } else if (state == "resolved") {
            desk.step(resolve(desk.book, 1, kDesk, "done", desk.clock.nowUs()));
        }
        ASSERT_EQ(stateName(desk.alarm(1).state), state);
        const Alarm before = desk.alarm(1);
        auto r = run(desk, step, 1);
        EXPECT_EQ(r.ok(), allowed) << state << " step " << static_cast<int>(step);
        if (!allowed && !r.ok()) {
            EXPECT_EQ(r.error().code, kAlarmWrongState);
            EXPECT_NE(r.error().message.find(state), std::string::npos) << r.error().message;
        }
        EXPECT_EQ(desk.alarm(1).state, before.state);  // the step only returned an event
        auto unknown = run(desk, step, 99);
        ASSERT_FALSE(unknown.ok());
        EXPECT_EQ(unknown.error().code, kAlarmNotFound);
    }
}

// --- time -----------------------------------------------------------------------------------

TEST(AlarmBook, AnUnacknowledgedAlarmEscalatesOnceAfterTheConfiguredTime) {
    Desk desk;
    desk.trigger(kHeld, "server-room");  // priority 2
    desk.clock.advanceMs(119'999);
    EXPECT_TRUE(due(desk.book, desk.clock.nowUs(), desk.config).empty());
    desk.clock.advanceMs(1);
    auto steps = due(desk.book, desk.clock.nowUs(), desk.config);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].type, kAlarmEscalated);
    EXPECT_EQ(payloadOf(steps[0])["from_priority"], 2);
    EXPECT_EQ(payloadOf(steps[0])["escalate_after_s"], 120);
    desk.record(steps[0]);
    const auto& a = desk.alarm(1);
    EXPECT_EQ(a.priority, 1);
    EXPECT_EQ(a.basePriority, 2);
    EXPECT_TRUE(a.escalated);
    EXPECT_EQ(a.escalatedUs, desk.clock.nowUs());
    desk.clock.advanceMs(600'000);
    EXPECT_TRUE(due(desk.book, desk.clock.nowUs(), desk.config).empty());  // once
}

TEST(AlarmBook, EscalationKeepsPriorityOneAndSkipsWorkedAlarms) {
    Desk desk;
    desk.raise("a");  // priority 1: escalates, stays 1
    desk.raise("b");
    desk.step(acknowledge(desk.book, 2, kDesk, "", desk.clock.nowUs()));
    desk.raise("c");
    desk.step(resolve(desk.book, 3, kDesk, "done", desk.clock.nowUs()));
    desk.clock.advanceMs(121'000);
    auto steps = due(desk.book, desk.clock.nowUs(), desk.config);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(alarmOf(steps[0])["id"], 1);
    EXPECT_EQ(alarmOf(steps[0])["priority"], 1);
    EXPECT_EQ(alarmOf(steps[0])["escalated"], true);
}

TEST(AlarmBook, ZeroEscalatesNever) {
    Desk desk;
    desk.config.escalateAfter = std::chrono::seconds(0);
    desk.raise();
    desk.clock.advanceMs(86'400'000);
    EXPECT_TRUE(due(desk.book, desk.clock.nowUs(), desk.config).empty());
}

TEST(AlarmBook, AShelvedAlarmComesBackWhenItsTimeIsUpAndThenMayEscalate) {
    Desk desk;
    desk.raise();
    desk.step(shelve(desk.book, 1, kAdmin, 5, "x", desk.clock.nowUs(), desk.config));
    desk.clock.advanceMs(5 * 60'000 - 1);
    EXPECT_TRUE(due(desk.book, desk.clock.nowUs(), desk.config).empty());  // shelved: no escalation
    desk.clock.advanceMs(1);
    auto steps = due(desk.book, desk.clock.nowUs(), desk.config);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].type, kAlarmUnshelved);
    EXPECT_EQ(payloadOf(steps[0])["expired"], true);
    EXPECT_EQ(payloadOf(steps[0])["shelved_by"], "sato");
    EXPECT_FALSE(payloadOf(steps[0]).contains("actor"));
    desk.record(steps[0]);
    EXPECT_EQ(desk.alarm(1).state, AlarmState::active);
    // Raised five minutes ago and still unacknowledged: escalates on the next pass.
    steps = due(desk.book, desk.clock.nowUs(), desk.config);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].type, kAlarmEscalated);
}

// --- the fold -------------------------------------------------------------------------------

TEST(AlarmBook, ReplayingTheRecordedStepsRebuildsTheSameBook) {
    Desk desk;
    desk.raise("a");
    desk.trigger(kForced, "a");
    desk.step(acknowledge(desk.book, 1, kDesk, "mine", desk.clock.nowUs()));
    desk.trigger(kHeld, "b");
    desk.step(shelve(desk.book, 2, kAdmin, 30, "x", desk.clock.nowUs(), desk.config));
    desk.trigger(kHeld, "c");
    desk.trigger(kClosed, "c");
    desk.raise("d");
    desk.step(resolve(desk.book, 4, kDesk, "ok", desk.clock.nowUs()));
    desk.clock.advanceMs(200'000);
    for (auto& e : due(desk.book, desk.clock.nowUs(), desk.config)) {
        desk.record(e);
    }

    AlarmBook replayed;
    for (const auto& e : desk.trail) {
        ASSERT_TRUE(apply(replayed, e).ok());
    }
    ASSERT_EQ(replayed.alarms.size(), desk.book.alarms.size());
    for (const auto& [id, alarm] : desk.book.alarms) {
        EXPECT_EQ(alarmJson(replayed.alarms.at(id)), alarmJson(alarm)) << id;
    }
    EXPECT_EQ(replayed.open, desk.book.open);
    EXPECT_EQ(replayed.history, desk.book.history);
    EXPECT_EQ(replayed.nextId, 5);
    EXPECT_EQ(replayed.history.at(1).size(), 3U);  // raised, retriggered, acknowledged
}

TEST(AlarmBook, TheFoldRefusesWhatIsNotAnAlarmStep) {
    AlarmBook book;
    const std::vector<core::Event> bad{
        {1, "door.forced", "door:a", "", R"({"door":"a"})"},
        {1, "alarm.raised", "alarm:1", "", "not json"},
        {1, "alarm.raised", "alarm:1", "", R"({"event_seq":4})"},
        {1, "alarm.raised", "alarm:1", "", R"({"alarm":{"id":1}})"},
        {1, "alarm.raised", "alarm:1", "", R"({"alarm":[]})"},
    };
    for (const auto& e : bad) {
        auto r = apply(book, e);
        ASSERT_FALSE(r.ok()) << e.payload;
        EXPECT_EQ(r.error().code, kAlarmBadEvent);
    }
    Alarm a;
    a.id = 3;
    a.type = "door.forced";
    a.source = "door:a";
    auto json = alarmJson(a);
    json["state"] = "asleep";
    auto r = apply(book, core::Event{1, "alarm.raised", "alarm:3", "",
                                     nlohmann::json{{"alarm", json}}.dump()});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("asleep"), std::string::npos);
    EXPECT_TRUE(book.alarms.empty());
}

TEST(AlarmBook, TheJsonCarriesEveryFieldAndReadsBack) {
    Alarm a;
    a.id = 7;
    a.type = "panel.offline";
    a.source = "panel:p-1";
    a.sourceKind = "panel";
    a.sourceId = "p-1";
    a.priority = 1;
    a.basePriority = 2;
    a.state = AlarmState::shelved;
    a.count = 4;
    a.raisedUs = 10;
    a.lastUs = 20;
    a.owner = "desk";
    a.acknowledgedUs = 15;
    a.shelvedBy = "sato";
    a.shelvedUntilUs = 99;
    a.escalated = true;
    a.escalatedUs = 12;
    a.comments = {{"desk", 16, "cable cut?"}};
    a.eventSeqs = {3, 5, 8};
    const auto json = alarmJson(a);
    for (const char* key : {"id",
                            "type",
                            "source",
                            "source_kind",
                            "source_id",
                            "priority",
                            "base_priority",
                            "state",
                            "count",
                            "raised_us",
                            "last_us",
                            "owner",
                            "acknowledged_us",
                            "resolved_by",
                            "resolved_us",
                            "cleared_us",
                            "shelved_by",
                            "shelved_until_us",
                            "escalated",
                            "escalated_us",
                            "comments",
                            "event_seqs",
                            "clips"}) {
        EXPECT_TRUE(json.contains(key)) << key;
    }
    EXPECT_EQ(json["state"], "shelved");
    EXPECT_EQ(json["comments"][0]["text"], "cable cut?");
    EXPECT_EQ(json["clips"], nlohmann::json::array());
    auto back = alarmFromJson(json);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(alarmJson(*back), json);
}

TEST(AlarmBook, StateNamesRoundTrip) {
    for (const auto s : {AlarmState::active, AlarmState::acknowledged, AlarmState::shelved,
                         AlarmState::resolved, AlarmState::cleared}) {
        EXPECT_EQ(parseState(stateName(s)), s);
    }
    EXPECT_FALSE(parseState("open"));
    EXPECT_TRUE(isOpen(AlarmState::shelved));
    EXPECT_FALSE(isOpen(AlarmState::cleared));
    EXPECT_FALSE(isOpen(AlarmState::resolved));
}

}  // namespace
}  // namespace sekimori::alarms
