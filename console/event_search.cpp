#include "console/event_search.hpp"

#include <charconv>

#include "console/console_queries.hpp"
#include "console/event_json.hpp"
#include "core/crypto.hpp"

namespace sekimori::console {
namespace {

constexpr std::size_t kMaxFilterText = 200;
constexpr std::size_t kMaxTypes = 32;

template <class Int>
bool parseInt(const std::string& text, Int& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

// Appended piece by piece: `literal + std::string` trips GCC 12's false -Wrestrict at -O3.
std::string cat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto part : parts) {
        out.append(part);
    }
    return out;
}

FilterError bad(const std::string& key, const std::string& what) {
    return {"bad_filter", key + ": " + what};
}

// The SQL text and the values for its ?N placeholders, in order: no value ever becomes SQL.
class Sql {
  public:
    using Value = std::variant<std::int64_t, std::string>;
    // The next placeholder for `value` ("?7").
    std::string param(Value value) {
        values_.push_back(std::move(value));
        std::string p(1, '?');
        p.append(std::to_string(values_.size()));
        return p;
    }
    void where(const std::string& condition) {
        text_.append(conditions_++ == 0 ? " WHERE " : " AND ")
            .append("(")
            .append(condition)
            .append(")");
    }
    std::string& text() { return text_; }
    void bind(core::Statement& st) const {
        for (std::size_t i = 0; i < values_.size(); ++i) {
            const int index = static_cast<int>(i + 1);
            if (const auto* n = std::get_if<std::int64_t>(&values_[i])) {
                st.bind(index, *n);
            } else {
                st.bind(index, std::string_view(std::get<std::string>(values_[i])));
            }
        }
    }

  private:
    std::string text_;
    std::vector<Value> values_;
    int conditions_ = 0;
};

// A payload member, NULL for a payload that is not JSON (json_extract would fail the query).
std::string payloadField(std::string_view member) {
    return cat({"CASE WHEN json_valid(payload) THEN json_extract(payload, '$.", member, "') END"});
}

// type LIKE 'access.%' without LIKE's wildcards and case folding: a range of the binary
// collation, [prefix, prefix with its last byte raised). Much cheaper per row than substr().
std::string prefixMatch(Sql& sql, const std::string& column, const std::string& prefix) {
    std::string upper = prefix;
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) {
        upper.pop_back();
    }
    if (upper.empty()) {
        return cat({column, " >= ", sql.param(prefix)});
    }
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    const std::string low = sql.param(prefix);
    return cat({column, " >= ", low, " AND ", column, " < ", sql.param(upper)});
}

// Whether `value` appears verbatim in a payload that holds it as a JSON string: true for the
// id-like values operators search by (no character JSON would escape).
bool appearsVerbatim(const std::string& value) {
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\' || u < 0x20 || u >= 0x7f) {
            return false;
        }
    }
    return true;
}

// payload.<member> = value; for a plain value a substring test first, which skips the JSON
// parse on almost every row of a scan (a third of the time on a million events).
std::string memberEquals(std::string_view member, const std::string& value,
                         const std::string& placeholder) {
    std::string test = cat({payloadField(member), " = ", placeholder});
    if (!appearsVerbatim(value)) {
        return test;
    }
    return cat({"instr(payload, ", placeholder, ") > 0 AND ", test});
}

// The first seq whose time_us is at least `t` (one past the newest when none): the recorded
// times never go back along seq (audit verify fails a trail where they do), so a binary search
// over the primary key finds it in ~20 lookups instead of a scan of the whole trail. The
// search's own time condition still applies, so a tampered order can only hide, never add.
core::Result<std::int64_t> firstSeqAtOrAfter(core::Database& db, core::TimeUs t) {
    auto bounds =
        db.prepare("SELECT COALESCE(MIN(seq), 1), COALESCE(MAX(seq), 0) FROM audit_events");
    if (!bounds) {
        return bounds.error();
    }
    if (auto row = bounds->step(); !row) {
        return row.error();
    }
    std::int64_t lo = bounds->columnInt(0);
    std::int64_t hi = bounds->columnInt(1) + 1;
    auto probe =
        db.prepare("SELECT seq, time_us FROM audit_events WHERE seq >= ?1 ORDER BY seq LIMIT 1");
    if (!probe) {
        return probe.error();
    }
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        probe->reset();
        probe->bind(1, mid);
        auto row = probe->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            hi = mid;
            continue;
        }
        if (probe->columnInt(1) >= t) {
            hi = mid;
        } else {
            lo = probe->columnInt(0) + 1;
        }
    }
    return lo;
}

}  // namespace

nlohmann::json EventFilter::toJson() const {
    nlohmann::json out = nlohmann::json::object();
    if (fromUs) {
        out["from_us"] = *fromUs;
    }
    if (toUs) {
        out["to_us"] = *toUs;
    }
    if (!types.empty()) {
        out["type"] = types;
    }
    const std::pair<const char*, const std::string*> texts[] = {
        {"source", &source}, {"subject", &subject}, {"door", &door},    {"zone", &zone},
        {"person", &person}, {"result", &result},   {"reason", &reason}};
    for (const auto& [key, value] : texts) {
        if (!value->empty()) {
            out[key] = *value;
        }
    }
    if (beforeSeq) {
        out["before_seq"] = *beforeSeq;
    }
    if (afterSeq) {
        out["after_seq"] = *afterSeq;
    }
    return out;
}

std::variant<EventFilter, FilterError> parseEventFilter(
    const std::map<std::string, std::string>& query, bool paged) {
    EventFilter f;
    for (const auto& [key, value] : query) {
        if (key == "from_us" || key == "to_us") {
            core::TimeUs t = 0;
            if (!parseInt(value, t) || t < 0) {
                return bad(key, "must be microseconds since the epoch (an integer >= 0)");
            }
            (key == "from_us" ? f.fromUs : f.toUs) = t;
            continue;
        }
        if (key == "before_seq" || key == "after_seq") {
            std::uint64_t seq = 0;
            if (!parseInt(value, seq) || seq > static_cast<std::uint64_t>(INT64_MAX)) {
                return bad(key, "must be a sequence number (an integer >= 0)");
            }
            (key == "before_seq" ? f.beforeSeq : f.afterSeq) = seq;
            continue;
        }
        if (key == "limit" && paged) {
            if (!parseInt(value, f.limit) || f.limit < 1 || f.limit > kMaxEventPage) {
                return FilterError{"bad_limit", cat({"limit: must be an integer from 1 to ",
                                                     std::to_string(kMaxEventPage)})};
            }
            continue;
        }
        if (value.size() > kMaxFilterText) {
            return bad(key, "at most 200 characters");
        }
        if (key == "type") {
            std::string_view rest(value);
            while (true) {
                const auto comma = rest.find(',');
                const std::string entry(rest.substr(0, comma));
                if (entry.empty()) {
                    return bad(key,
                               "a comma list of types or prefixes ending in '.', no empty "
                               "entry");
                }
                f.types.push_back(entry);
                if (comma == std::string_view::npos) {
                    break;
                }
                rest.remove_prefix(comma + 1);
            }
            if (f.types.size() > kMaxTypes) {
                return bad(key, "at most 32 entries");
            }
            continue;
        }
        std::string* text = key == "source"    ? &f.source
                            : key == "subject" ? &f.subject
                            : key == "door"    ? &f.door
                            : key == "zone"    ? &f.zone
                            : key == "person"  ? &f.person
                            : key == "result"  ? &f.result
                            : key == "reason"  ? &f.reason
                                               : nullptr;
        if (text == nullptr) {
            return FilterError{"unknown_parameter", "unknown query parameter '" + key + "'"};
        }
        if (value.empty()) {
            return bad(key, "must not be empty");
        }
        *text = value;
    }
    if (!f.result.empty() && f.result != "granted" && f.result != "denied") {
        return bad("result", "must be granted or denied");
    }
    if (f.beforeSeq && f.afterSeq) {
        return FilterError{"bad_filter", "before_seq and after_seq: give one of them"};
    }
    if (f.fromUs && f.toUs && *f.toUs <= *f.fromUs) {
        return bad("to_us", "must be after from_us");
    }
    return f;
}

core::Result<EventPage> searchEvents(core::Database& db, const EventFilter& filter,
                                     const std::vector<std::string>& visiblePrefixes) {
    EventPage page;
    auto exists = tableExists(db, "audit_events");
    if (!exists) {
        return exists.error();
    }
    if (!*exists || visiblePrefixes.empty()) {
        return page;
    }
    Sql sql;
    sql.text() = "SELECT seq, time_us, type, source, subject, payload, hash FROM audit_events";
    {
        std::string visible;
        for (const auto& prefix : visiblePrefixes) {
            visible.append(visible.empty() ? "(" : " OR (")
                .append(prefixMatch(sql, "type", prefix))
                .append(")");
        }
        sql.where(visible);
    }
    if (!filter.types.empty()) {
        std::string types;
        for (const auto& t : filter.types) {
            types.append(types.empty() ? "" : " OR ")
                .append(t.back() == '.' ? prefixMatch(sql, "type", t)
                                        : cat({"type = ", sql.param(t)}));
        }
        sql.where(types);
    }
    if (filter.fromUs) {
        auto seq = firstSeqAtOrAfter(db, *filter.fromUs);
        if (!seq) {
            return seq.error();
        }
        sql.where(cat({"seq >= ", sql.param(*seq)}));
        sql.where(cat({"time_us >= ", sql.param(*filter.fromUs)}));
    }
    if (filter.toUs) {
        auto seq = firstSeqAtOrAfter(db, *filter.toUs);
        if (!seq) {
            return seq.error();
        }
        sql.where(cat({"seq < ", sql.param(*seq)}));
        sql.where(cat({"time_us < ", sql.param(*filter.toUs)}));
    }
    if (filter.beforeSeq) {
        sql.where(cat({"seq < ", sql.param(static_cast<std::int64_t>(*filter.beforeSeq))}));
    }
    if (filter.afterSeq) {
        sql.where(cat({"seq > ", sql.param(static_cast<std::int64_t>(*filter.afterSeq))}));
    }
    if (!filter.source.empty()) {
        sql.where(cat({"source = ", sql.param(filter.source)}));
    }
    if (!filter.subject.empty()) {
        sql.where(cat({"subject = ", sql.param(filter.subject)}));
    }
    if (!filter.door.empty()) {
        sql.where(memberEquals("door", filter.door, sql.param(filter.door)));
    }
    if (!filter.zone.empty()) {
        const std::string p = sql.param(filter.zone);
        sql.where(cat({"(", memberEquals("zone", filter.zone, p), ") OR (",
                       memberEquals("from_zone", filter.zone, p), ") OR (",
                       memberEquals("to_zone", filter.zone, p), ")"}));
    }
    if (!filter.person.empty()) {
        const std::string p = sql.param(filter.person);
        sql.where(cat({"subject = ", p, " OR (", memberEquals("person", filter.person, p), ")"}));
    }
    if (!filter.result.empty()) {
        sql.where(memberEquals("decision", filter.result, sql.param(filter.result)));
    }
    if (!filter.reason.empty()) {
        sql.where(memberEquals("reason", filter.reason, sql.param(filter.reason)));
    }
    // One row more than the page tells whether another page follows.
    sql.text()
        .append(filter.oldestFirst() ? " ORDER BY seq ASC" : " ORDER BY seq DESC")
        .append(" LIMIT ")
        .append(sql.param(std::int64_t{filter.limit} + 1));
    auto st = db.prepare(sql.text());
    if (!st) {
        return st.error();
    }
    sql.bind(*st);
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        if (page.events.size() == static_cast<std::size_t>(filter.limit)) {
            page.next = page.events.back()["seq"].get<std::uint64_t>();
            break;
        }
        page.events.push_back({{"seq", st->columnInt(0)},
                               {"time_us", st->columnInt(1)},
                               {"type", st->columnText(2)},
                               {"source", st->columnText(3)},
                               {"subject", st->columnText(4)},
                               {"payload", payloadObject(st->columnText(5))},
                               {"hash", core::toHex(st->columnBlob(6))}});
    }
    return page;
}

}  // namespace sekimori::console
