#pragma once
// The alarm model every domain shares, as pure functions (CONVENTIONS habit 6): the book of
// alarms, the fold that rebuilds it from recorded alarm.* events (live and when replaying the
// trail at start), and the transitions, each a function of (book, input, time) returning the
// one event to record, or a refusal an operator can read. Nothing here does I/O; the service
// (alarms/alarms_service.hpp) commits the events and applies them. docs/alarms.md is the
// contract.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alarms/alarm_config.hpp"
#include "core/alarm_rule.hpp"
#include "core/api_route.hpp"
#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/result.hpp"

namespace sekimori::alarms {

// Error codes (the HTTP status the routes answer with).
inline constexpr std::string_view kAlarmNotFound = "alarms.not_found";      // 404
inline constexpr std::string_view kAlarmWrongState = "alarms.wrong_state";  // 409
inline constexpr std::string_view kAlarmBadComment = "alarms.bad_comment";  // 400
inline constexpr std::string_view kAlarmBadMinutes = "alarms.bad_minutes";  // 400
// A rule's event without the string field that names its source: matches no alarm (logged).
inline constexpr std::string_view kAlarmNoSource = "alarms.no_source";
// An alarm.* event whose payload holds no alarm the fold can read (a corrupt trail).
inline constexpr std::string_view kAlarmBadEvent = "alarms.bad_event";

inline constexpr std::size_t kMaxCommentChars = 1000;  // Unicode code points
inline constexpr std::size_t kMaxEventSeqs = 50;       // triggering events an alarm links

// Open: active, acknowledged, shelved. Closed (terminal): resolved, cleared.
enum class AlarmState { active, acknowledged, shelved, resolved, cleared };

std::string_view stateName(AlarmState state);
std::optional<AlarmState> parseState(std::string_view name);
bool isOpen(AlarmState state);

struct AlarmComment {
    std::string by;  // the operator
    core::TimeUs timeUs = 0;
    std::string text;
};

// One alarm, as its JSON (alarms/alarm_json.hpp) carries it in every alarm.* event.
struct Alarm {
    std::int64_t id = 0;
    std::string type;        // the rule's alarm type ("door.forced")
    std::string source;      // "door:server-room"
    std::string sourceKind;  // "door"
    std::string sourceId;    // "server-room"
    int priority = 3;        // current: 1 (highest) .. 5
    int basePriority = 3;    // as the rule raised it
    AlarmState state = AlarmState::active;
    std::int64_t count = 1;  // triggers, the first included
    core::TimeUs raisedUs = 0;
    core::TimeUs lastUs = 0;  // the newest trigger
    std::string owner;        // who acknowledged it; empty before
    core::TimeUs acknowledgedUs = 0;
    std::string resolvedBy;
    core::TimeUs resolvedUs = 0;
    core::TimeUs clearedUs = 0;
    std::string shelvedBy;
    core::TimeUs shelvedUntilUs = 0;
    bool escalated = false;
    core::TimeUs escalatedUs = 0;
    std::vector<AlarmComment> comments;
    std::vector<std::uint64_t> eventSeqs;  // the triggering events' seqs, oldest first, newest 50
};

struct AlarmBook {
    std::map<std::int64_t, Alarm> alarms;
    // The open alarm of each (type, source): a trigger of the same pair counts on it.
    std::map<std::pair<std::string, std::string>, std::int64_t, std::less<>> open;
    // Per alarm, the seqs of its own recorded alarm.* events, in order (its history).
    std::map<std::int64_t, std::vector<std::uint64_t>> history;
    std::int64_t nextId = 1;

    const Alarm* find(std::int64_t id) const;
    const Alarm* findOpen(const std::string& type, const std::string& source) const;
};

// The fold: the alarm the event carries replaces the book's copy (or enters it), and the open
// index follows its state. The service applies each event it is about to commit at once
// (optimistic: the next trigger must see the alarm the previous one raised, even before that
// commit is durable), and rebuilds from the trail when a commit fails.
core::Result<void> apply(AlarmBook& book, const core::Event& event);
// Replay: the fold, and the event's seq noted in the alarm's history.
core::Result<void> apply(AlarmBook& book, const core::RecordedEvent& event);
// Live: the recorder published an alarm.* event the service had already applied; only its
// seq is new. (Applying its alarm again would step back over a later step still in flight.)
// A seq not newer than the alarm's newest is ignored: it was already read from the trail.
void noteRecorded(AlarmBook& book, const core::RecordedEvent& event);

// A recorded event one of the domains' rules follows (rule.eventType == event type): raises a
// new alarm, re-triggers the open one, or clears it. Nothing (nullopt) when the rule's when
// field does not match, or a clear rule finds no open alarm. An error (kAlarmNoSource) when the
// event lacks the rule's source field.
core::Result<std::optional<core::Event>> onSourceEvent(const AlarmBook& book,
                                                       const core::AlarmRule& rule,
                                                       const core::RecordedEvent& event,
                                                       core::TimeUs now);

// An operator's steps. Each refuses an unknown id (kAlarmNotFound), a state the step does not
// apply to (kAlarmWrongState) and a comment outside 1..1000 characters (kAlarmBadComment); the
// event carries the actor (core::actorFields).
// active -> acknowledged; `comment` optional (empty: none).
core::Result<core::Event> acknowledge(const AlarmBook& book, std::int64_t id,
                                      const core::ApiCall& by, const std::string& comment,
                                      core::TimeUs now);
// Any state: a note for the record, closed alarms included (the after-action report).
core::Result<core::Event> addComment(const AlarmBook& book, std::int64_t id,
                                     const core::ApiCall& by, const std::string& comment,
                                     core::TimeUs now);
// active or acknowledged -> resolved; the comment (what was done) is required.
core::Result<core::Event> resolve(const AlarmBook& book, std::int64_t id, const core::ApiCall& by,
                                  const std::string& comment, core::TimeUs now);
// active or acknowledged -> shelved for 1..shelveMaxMinutes (kAlarmBadMinutes); comment required.
core::Result<core::Event> shelve(const AlarmBook& book, std::int64_t id, const core::ApiCall& by,
                                 std::int64_t minutes, const std::string& comment, core::TimeUs now,
                                 const AlarmsConfig& config);
// shelved -> the state it had (acknowledged when it has an owner, else active).
core::Result<core::Event> unshelve(const AlarmBook& book, std::int64_t id, const core::ApiCall& by,
                                   core::TimeUs now);

// What time alone does, for the service's 1 s timer: an active alarm unacknowledged for
// escalateAfter since it was raised escalates (once); a shelved alarm whose time is up is
// unshelved. Only open alarms are looked at.
std::vector<core::Event> due(const AlarmBook& book, core::TimeUs now, const AlarmsConfig& config);

// Refusal for a comment outside 1..kMaxCommentChars code points, blank, or holding control
// characters other than newline and tab; empty when fine.
std::optional<core::Error> commentProblem(const std::string& comment);

}  // namespace sekimori::alarms
