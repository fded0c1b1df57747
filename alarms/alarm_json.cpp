#include "alarms/alarm_json.hpp"

namespace sekimori::alarms {
namespace {

core::Error bad(const std::string& what) {
    return core::makeError(std::string(kAlarmBadEvent), "alarm JSON: " + what);
}

// Reads the members the fold needs, naming the first one that is wrong.
class Reader {
  public:
    explicit Reader(const nlohmann::json& json) : json_(json) {}

    template <class T>
    void get(const char* key, T& field) {
        if (problem_) {
            return;
        }
        auto it = json_.find(key);
        if (it == json_.end()) {
            problem_ = bad(std::string("missing \"") + key + "\"");
            return;
        }
        try {
            field = it->get<T>();
        } catch (const nlohmann::json::exception&) {
            problem_ = bad(std::string("\"") + key + "\" has the wrong type");
        }
    }

    std::optional<core::Error> problem() const { return problem_; }

  private:
    const nlohmann::json& json_;
    std::optional<core::Error> problem_;
};

}  // namespace

nlohmann::json alarmJson(const Alarm& a) {
    nlohmann::json comments = nlohmann::json::array();
    for (const auto& c : a.comments) {
        comments.push_back({{"by", c.by}, {"time_us", c.timeUs}, {"text", c.text}});
    }
    return {{"id", a.id},
            {"type", a.type},
            {"source", a.source},
            {"source_kind", a.sourceKind},
            {"source_id", a.sourceId},
            {"priority", a.priority},
            {"base_priority", a.basePriority},
            {"state", std::string(stateName(a.state))},
            {"count", a.count},
            {"raised_us", a.raisedUs},
            {"last_us", a.lastUs},
            {"owner", a.owner},
            {"acknowledged_us", a.acknowledgedUs},
            {"resolved_by", a.resolvedBy},
            {"resolved_us", a.resolvedUs},
            {"cleared_us", a.clearedUs},
            {"shelved_by", a.shelvedBy},
            {"shelved_until_us", a.shelvedUntilUs},
            {"escalated", a.escalated},
            {"escalated_us", a.escalatedUs},
            {"comments", std::move(comments)},
            {"event_seqs", a.eventSeqs},
            {"clips", nlohmann::json::array()}};
}

core::Result<Alarm> alarmFromJson(const nlohmann::json& json) {
    if (!json.is_object()) {
        return bad("not an object");
    }
    Alarm a;
    std::string state;
    nlohmann::json comments;
    Reader r(json);
    r.get("id", a.id);
    r.get("type", a.type);
    r.get("source", a.source);
    r.get("source_kind", a.sourceKind);
    r.get("source_id", a.sourceId);
    r.get("priority", a.priority);
    r.get("base_priority", a.basePriority);
    r.get("state", state);
    r.get("count", a.count);
    r.get("raised_us", a.raisedUs);
    r.get("last_us", a.lastUs);
    r.get("owner", a.owner);
    r.get("acknowledged_us", a.acknowledgedUs);
    r.get("resolved_by", a.resolvedBy);
    r.get("resolved_us", a.resolvedUs);
    r.get("cleared_us", a.clearedUs);
    r.get("shelved_by", a.shelvedBy);
    r.get("shelved_until_us", a.shelvedUntilUs);
    r.get("escalated", a.escalated);
    r.get("escalated_us", a.escalatedUs);
    r.get("comments", comments);
    r.get("event_seqs", a.eventSeqs);
    if (auto p = r.problem()) {
        return *p;
    }
    auto parsed = parseState(state);
    if (!parsed) {
        return bad("unknown state \"" + state + "\"");
    }
    a.state = *parsed;
    if (a.id <= 0 || a.type.empty() || a.source.empty()) {
        return bad("id, type and source are required");
    }
    if (!comments.is_array()) {
        return bad("\"comments\" is not an array");
    }
    for (const auto& c : comments) {
        if (!c.is_object()) {
            return bad("a comment is not an object");
        }
        AlarmComment comment;
        Reader cr(c);
        cr.get("by", comment.by);
        cr.get("time_us", comment.timeUs);
        cr.get("text", comment.text);
        if (auto p = cr.problem()) {
            return bad("comment: " + p->message);
        }
        a.comments.push_back(std::move(comment));
    }
    return a;
}

}  // namespace sekimori::alarms
