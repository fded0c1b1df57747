#include "alarms/alarm_book.hpp"

#include <algorithm>
#include <array>

#include "alarms/alarm_event_types.hpp"
#include "alarms/alarm_json.hpp"
#include "core/api_actor.hpp"

namespace sekimori::alarms {
namespace {

constexpr std::array<std::pair<std::string_view, AlarmState>, 5> kStateNames{{
    {"active", AlarmState::active},
    {"acknowledged", AlarmState::acknowledged},
    {"shelved", AlarmState::shelved},
    {"resolved", AlarmState::resolved},
    {"cleared", AlarmState::cleared},
}};

constexpr core::TimeUs kUsPerSecond = 1'000'000;
constexpr core::TimeUs kUsPerMinute = 60 * kUsPerSecond;

std::string alarmSource(std::int64_t id) {
    return "alarm:" + std::to_string(id);
}

// The event of one step: the alarm as it is after it, and what the step adds.
core::Event stepEvent(core::EventType type, const Alarm& after, nlohmann::json fields,
                      core::TimeUs now) {
    if (!fields.is_object()) {
        fields = nlohmann::json::object();
    }
    fields["alarm"] = alarmJson(after);
    return core::Event{now, type, alarmSource(after.id), "", fields.dump()};
}

core::Result<const Alarm*> existing(const AlarmBook& book, std::int64_t id) {
    const Alarm* alarm = book.find(id);
    if (alarm == nullptr) {
        return core::makeError(std::string(kAlarmNotFound), "no alarm " + std::to_string(id));
    }
    return alarm;
}

core::Error wrongState(const Alarm& alarm, std::string_view step) {
    return core::makeError(std::string(kAlarmWrongState),
                           "alarm " + std::to_string(alarm.id) + " is " +
                               std::string(stateName(alarm.state)) + ": cannot " +
                               std::string(step) + " it");
}

std::size_t codePoints(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;  // not a continuation byte
    }));
}

void noteTrigger(Alarm& alarm, std::uint64_t seq) {
    alarm.eventSeqs.push_back(seq);
    if (alarm.eventSeqs.size() > kMaxEventSeqs) {
        alarm.eventSeqs.erase(alarm.eventSeqs.begin(),
                              alarm.eventSeqs.end() - static_cast<std::ptrdiff_t>(kMaxEventSeqs));
    }
}

// The payload's string member `field`, or nothing.
std::optional<std::string> payloadString(const core::RecordedEvent& event,
                                         const std::string& field) {
    nlohmann::json parsed;
    const nlohmann::json* body = event.body.get();
    if (body == nullptr) {
        parsed = nlohmann::json::parse(event.event.payload, nullptr, /*allow_exceptions=*/false);
        body = &parsed;
    }
    if (!body->is_object()) {
        return std::nullopt;
    }
    auto it = body->find(field);
    if (it == body->end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
        return std::nullopt;
    }
    return it->get<std::string>();
}

nlohmann::json withComment(const core::ApiCall& by, const std::string& comment) {
    nlohmann::json fields = core::actorFields(by);
    if (!comment.empty()) {
        fields["comment"] = comment;
    }
    return fields;
}

void addNote(Alarm& alarm, const core::ApiCall& by, const std::string& comment, core::TimeUs now) {
    if (!comment.empty()) {
        alarm.comments.push_back(AlarmComment{by.actor, now, comment});
    }
}

}  // namespace

std::string_view stateName(AlarmState state) {
    for (const auto& [name, s] : kStateNames) {
        if (s == state) {
            return name;
        }
    }
    return "active";
}

std::optional<AlarmState> parseState(std::string_view name) {
    for (const auto& [n, s] : kStateNames) {
        if (n == name) {
            return s;
        }
    }
    return std::nullopt;
}

bool isOpen(AlarmState state) {
    return state == AlarmState::active || state == AlarmState::acknowledged ||
           state == AlarmState::shelved;
}

const Alarm* AlarmBook::find(std::int64_t id) const {
    auto it = alarms.find(id);
    return it == alarms.end() ? nullptr : &it->second;
}

const Alarm* AlarmBook::findOpen(const std::string& type, const std::string& source) const {
    auto it = open.find(std::make_pair(type, source));
    return it == open.end() ? nullptr : find(it->second);
}

core::Result<void> apply(AlarmBook& book, const core::Event& event) {
    if (!event.type.starts_with("alarm.")) {
        return core::makeError(std::string(kAlarmBadEvent), "not an alarm event: " + event.type);
    }
    const auto payload = nlohmann::json::parse(event.payload, nullptr, false);
    if (!payload.is_object() || !payload.contains("alarm")) {
        return core::makeError(std::string(kAlarmBadEvent),
                               event.type + " from " + event.source + ": no alarm in its payload");
    }
    auto alarm = alarmFromJson(payload["alarm"]);
    if (!alarm) {
        return core::makeError(alarm.error().code,
                               event.type + " from " + event.source + ": " + alarm.error().message);
    }
    const auto key = std::make_pair(alarm->type, alarm->source);
    if (isOpen(alarm->state)) {
        book.open[key] = alarm->id;
    } else if (auto it = book.open.find(key); it != book.open.end() && it->second == alarm->id) {
        book.open.erase(it);
    }
    book.nextId = std::max(book.nextId, alarm->id + 1);
    const std::int64_t id = alarm->id;
    book.alarms.insert_or_assign(id, std::move(*alarm));
    return {};
}

core::Result<void> apply(AlarmBook& book, const core::RecordedEvent& event) {
    if (auto r = apply(book, event.event); !r) {
        return r;
    }
    noteRecorded(book, event);
    return {};
}

void noteRecorded(AlarmBook& book, const core::RecordedEvent& event) {
    constexpr std::string_view prefix = "alarm:";
    const std::string& source = event.event.source;
    if (!source.starts_with(prefix)) {
        return;
    }
    std::int64_t id = 0;
    try {
        id = std::stoll(source.substr(prefix.size()));
    } catch (const std::exception&) {
        return;
    }
    if (book.alarms.count(id) == 0) {
        return;
    }
    auto& seqs = book.history[id];
    if (seqs.empty() || seqs.back() < event.seq) {  // a replayed step may be delivered again
        seqs.push_back(event.seq);
    }
}

core::Result<std::optional<core::Event>> onSourceEvent(const AlarmBook& book,
                                                       const core::AlarmRule& rule,
                                                       const core::RecordedEvent& event,
                                                       core::TimeUs now) {
    if (!rule.whenField.empty() && payloadString(event, rule.whenField) != rule.whenValue) {
        return std::optional<core::Event>();
    }
    const auto sourceId = payloadString(event, rule.sourceField);
    if (!sourceId) {
        return core::makeError(std::string(kAlarmNoSource),
                               event.event.type + " has no string field \"" + rule.sourceField +
                                   "\" to name the alarm's " + rule.sourceKind);
    }
    const std::string source = rule.sourceKind + ":" + *sourceId;
    const Alarm* open = book.findOpen(rule.alarmType, source);
    const nlohmann::json fields{{"event_seq", event.seq}};
    if (rule.action == core::AlarmAction::clear) {
        if (open == nullptr) {
            return std::optional<core::Event>();
        }
        Alarm after = *open;
        after.state = AlarmState::cleared;
        after.clearedUs = now;
        noteTrigger(after, event.seq);
        return std::optional<core::Event>(stepEvent(kAlarmCleared, after, fields, now));
    }
    if (open != nullptr) {
        Alarm after = *open;
        after.count += 1;
        after.lastUs = now;
        noteTrigger(after, event.seq);
        return std::optional<core::Event>(stepEvent(kAlarmRetriggered, after, fields, now));
    }
    Alarm raised;
    raised.id = book.nextId;
    raised.type = rule.alarmType;
    raised.source = source;
    raised.sourceKind = rule.sourceKind;
    raised.sourceId = *sourceId;
    raised.priority = rule.priority;
    raised.basePriority = rule.priority;
    raised.raisedUs = now;
    raised.lastUs = now;
    noteTrigger(raised, event.seq);
    return std::optional<core::Event>(stepEvent(kAlarmRaised, raised, fields, now));
}

std::optional<core::Error> commentProblem(const std::string& comment) {
    const std::size_t length = codePoints(comment);
    const bool blank = comment.find_first_not_of(" \t\r\n") == std::string::npos;
    if (length == 0 || blank || length > kMaxCommentChars) {
        return core::makeError(
            std::string(kAlarmBadComment),
            "comment: 1 to " + std::to_string(kMaxCommentChars) + " characters, not only spaces");
    }
    const bool control = std::any_of(comment.begin(), comment.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20U && c != '\n' && c != '\t') || u == 0x7FU;
    });
    if (control) {
        return core::makeError(std::string(kAlarmBadComment),
                               "comment: no control characters besides newline and tab");
    }
    return std::nullopt;
}

core::Result<core::Event> acknowledge(const AlarmBook& book, std::int64_t id,
                                      const core::ApiCall& by, const std::string& comment,
                                      core::TimeUs now) {
    auto alarm = existing(book, id);
    if (!alarm) {
        return alarm.error();
    }
    if (!comment.empty()) {
        if (auto problem = commentProblem(comment)) {
            return *problem;
        }
    }
    if ((*alarm)->state != AlarmState::active) {
        return wrongState(**alarm, "acknowledge");
    }
    Alarm after = **alarm;
    after.state = AlarmState::acknowledged;
    after.owner = by.actor;
    after.acknowledgedUs = now;
    addNote(after, by, comment, now);
    return stepEvent(kAlarmAcknowledged, after, withComment(by, comment), now);
}

core::Result<core::Event> addComment(const AlarmBook& book, std::int64_t id,
                                     const core::ApiCall& by, const std::string& comment,
                                     core::TimeUs now) {
    auto alarm = existing(book, id);
    if (!alarm) {
        return alarm.error();
    }
    if (auto problem = commentProblem(comment)) {
        return *problem;
    }
    Alarm after = **alarm;
    addNote(after, by, comment, now);
    return stepEvent(kAlarmCommented, after, withComment(by, comment), now);
}

core::Result<core::Event> resolve(const AlarmBook& book, std::int64_t id, const core::ApiCall& by,
                                  const std::string& comment, core::TimeUs now) {
    auto alarm = existing(book, id);
    if (!alarm) {
        return alarm.error();
    }
    if (auto problem = commentProblem(comment)) {
        return *problem;
    }
    const AlarmState state = (*alarm)->state;
    if (state != AlarmState::active && state != AlarmState::acknowledged) {
        return wrongState(**alarm, "resolve");
    }
    Alarm after = **alarm;
    after.state = AlarmState::resolved;
    after.resolvedBy = by.actor;
    after.resolvedUs = now;
    addNote(after, by, comment, now);
    return stepEvent(kAlarmResolved, after, withComment(by, comment), now);
}

core::Result<core::Event> shelve(const AlarmBook& book, std::int64_t id, const core::ApiCall& by,
                                 std::int64_t minutes, const std::string& comment, core::TimeUs now,
                                 const AlarmsConfig& config) {
    auto alarm = existing(book, id);
    if (!alarm) {
        return alarm.error();
    }
    if (minutes < 1 || minutes > config.shelveMaxMinutes) {
        return core::makeError(std::string(kAlarmBadMinutes),
                               "minutes: 1 to " + std::to_string(config.shelveMaxMinutes) +
                                   " ([alarms] shelve_max_minutes)");
    }
    if (auto problem = commentProblem(comment)) {
        return *problem;
    }
    const AlarmState state = (*alarm)->state;
    if (state != AlarmState::active && state != AlarmState::acknowledged) {
        return wrongState(**alarm, "shelve");
    }
    Alarm after = **alarm;
    after.state = AlarmState::shelved;
    after.shelvedBy = by.actor;
    after.shelvedUntilUs = now + minutes * kUsPerMinute;
    addNote(after, by, comment, now);
    nlohmann::json fields = withComment(by, comment);
    fields["minutes"] = minutes;
    return stepEvent(kAlarmShelved, after, std::move(fields), now);
}

namespace {

// Back to where it was before shelving: only acknowledge sets an owner.
Alarm unshelved(const Alarm& alarm) {
    Alarm after = alarm;
    after.state = alarm.acknowledgedUs != 0 ? AlarmState::acknowledged : AlarmState::active;
    after.shelvedUntilUs = 0;
    return after;
}

}  // namespace

core::Result<core::Event> unshelve(const AlarmBook& book, std::int64_t id, const core::ApiCall& by,
                                   core::TimeUs now) {
    auto alarm = existing(book, id);
    if (!alarm) {
        return alarm.error();
    }
    if ((*alarm)->state != AlarmState::shelved) {
        return wrongState(**alarm, "unshelve");
    }
    nlohmann::json fields = core::actorFields(by);
    fields["expired"] = false;
    return stepEvent(kAlarmUnshelved, unshelved(**alarm), std::move(fields), now);
}

std::vector<core::Event> due(const AlarmBook& book, core::TimeUs now, const AlarmsConfig& config) {
    std::vector<core::Event> out;
    const core::TimeUs escalateAfterUs = config.escalateAfter.count() * kUsPerSecond;
    for (const auto& [key, id] : book.open) {
        const Alarm* alarm = book.find(id);
        if (alarm == nullptr) {
            continue;
        }
        if (alarm->state == AlarmState::shelved && now >= alarm->shelvedUntilUs) {
            out.push_back(stepEvent(kAlarmUnshelved, unshelved(*alarm),
                                    {{"expired", true}, {"shelved_by", alarm->shelvedBy}}, now));
        } else if (alarm->state == AlarmState::active && !alarm->escalated && escalateAfterUs > 0 &&
                   now >= alarm->raisedUs + escalateAfterUs) {
            Alarm after = *alarm;
            after.escalated = true;
            after.escalatedUs = now;
            after.priority = std::max(1, alarm->priority - 1);
            out.push_back(stepEvent(kAlarmEscalated, after,
                                    {{"escalate_after_s", config.escalateAfter.count()},
                                     {"from_priority", alarm->priority}},
                                    now));
        }
    }
    return out;
}

}  // namespace sekimori::alarms
