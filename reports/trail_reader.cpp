#include "reports/trail_reader.hpp"

namespace sekimori::reports {
namespace {

core::Result<bool> trailExists(core::Database& db) {
    auto st =
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'");
    if (!st) {
        return st.error();
    }
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    return *row;
}

TrailEvent rowEvent(const core::Statement& st) {
    TrailEvent e;
    e.seq = static_cast<std::uint64_t>(st.columnInt(0));
    e.timeUs = st.columnInt(1);
    e.type = st.columnText(2);
    e.source = st.columnText(3);
    e.subject = st.columnText(4);
    auto parsed = nlohmann::json::parse(st.columnText(5), nullptr, false);
    if (parsed.is_object()) {
        e.payload = std::move(parsed);
    }
    return e;
}

// The byte just past every string starting with `prefix` (binary collation); empty when none.
std::string prefixEnd(std::string prefix) {
    while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) {
        prefix.pop_back();
    }
    if (!prefix.empty()) {
        prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
    }
    return prefix;
}

}  // namespace

core::Result<TrailSlice> readTrail(core::Database& db, const TrailQuery& query) {
    TrailSlice slice;
    auto exists = trailExists(db);
    if (!exists) {
        return exists.error();
    }
    if (!*exists || query.toUs <= query.fromUs) {
        return slice;
    }
    // Every value is a bound parameter: ?1 and ?2 the range, then the types' values in order.
    std::vector<std::string> values;
    std::string match;
    auto param = [&](std::string value) {
        values.push_back(std::move(value));
        // Appended, not "?" + to_string(): GCC 12 at -O3 misreads the latter (-Wrestrict).
        std::string placeholder = "?";
        placeholder += std::to_string(values.size() + 2);
        return placeholder;
    };
    auto alternative = [&](const std::string& condition) {
        match.append(match.empty() ? "" : " OR ").append(condition);
    };
    for (const auto& type : query.types) {
        if (!type.empty() && type.back() == '.') {
            const std::string end = prefixEnd(type);
            const std::string low = param(type);
            alternative("(type >= " + low + " AND type < " + param(end) + ")");
        } else {
            alternative("type = " + param(type));
        }
    }
    if (!query.sourcePrefix.empty()) {
        const std::string end = prefixEnd(query.sourcePrefix);
        const std::string low = param(query.sourcePrefix);
        alternative("(source >= " + low + " AND source < " + param(end) + ")");
    }
    std::string sql =
        "SELECT seq, time_us, type, source, subject, payload FROM audit_events"
        " WHERE time_us >= ?1 AND time_us < ?2";
    if (!match.empty()) {
        sql.append(" AND (").append(match).append(")");
    }
    sql.append(" ORDER BY seq LIMIT ").append(std::to_string(query.limit + 1));
    auto st = db.prepare(sql);
    if (!st) {
        return st.error();
    }
    st->bind(1, query.fromUs);
    st->bind(2, query.toUs);
    for (std::size_t i = 0; i < values.size(); ++i) {
        st->bind(static_cast<int>(i + 3), std::string_view(values[i]));
    }
    while (true) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        if (slice.events.size() == query.limit) {
            slice.truncated = true;
            break;
        }
        slice.events.push_back(rowEvent(*st));
    }
    return slice;
}

core::Result<std::optional<TrailEvent>> newestOf(core::Database& db,
                                                 const std::vector<std::string>& types) {
    auto exists = trailExists(db);
    if (!exists) {
        return exists.error();
    }
    std::optional<TrailEvent> newest;
    if (!*exists) {
        return newest;
    }
    auto st = db.prepare(
        "SELECT seq, time_us, type, source, subject, payload FROM audit_events WHERE type = ?1"
        " ORDER BY seq DESC LIMIT 1");
    if (!st) {
        return st.error();
    }
    for (const auto& type : types) {
        st->reset();
        st->bind(1, std::string_view(type));
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (*row && (!newest || static_cast<std::uint64_t>(st->columnInt(0)) > newest->seq)) {
            newest = rowEvent(*st);
        }
    }
    return newest;
}

core::Result<std::uint64_t> trailSize(core::Database& db) {
    auto exists = trailExists(db);
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return std::uint64_t{0};
    }
    auto st = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
    if (!st) {
        return st.error();
    }
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    return static_cast<std::uint64_t>(st->columnInt(0));
}

}  // namespace sekimori::reports
