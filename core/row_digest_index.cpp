#include "core/row_digest_index.hpp"

#include <nlohmann/json.hpp>
#include <set>

namespace sekimori::core {
namespace {

// One {"table","key","digest"} member; the digest is 64 hex digits or null (deleted).
Result<RowDigestIndex::Entry> parseMember(std::uint64_t seq, const nlohmann::json& member) {
    const auto bad = [seq](const std::string& why) {
        return makeError("row_digest.malformed",
                         "seq " + std::to_string(seq) + ": row_digest " + why);
    };
    if (!member.is_object()) {
        return bad("is not an object");
    }
    const auto table = member.find("table");
    const auto key = member.find("key");
    const auto digest = member.find("digest");
    if (table == member.end() || !table->is_string() ||
        table->get_ref<const std::string&>().empty()) {
        return bad("needs a table name");
    }
    if (key == member.end() || !key->is_array() || key->empty()) {
        return bad("needs a key (an array of strings)");
    }
    RowDigestIndex::Entry entry;
    entry.table = table->get<std::string>();
    entry.seq = seq;
    for (const auto& part : *key) {
        if (!part.is_string()) {
            return bad("key holds a value that is not a string");
        }
        entry.key.push_back(part.get<std::string>());
    }
    if (digest == member.end()) {
        return bad("needs a digest (64 hex digits, or null for a deleted row)");
    }
    if (!digest->is_null()) {
        if (!digest->is_string()) {
            return bad("digest is neither hex nor null");
        }
        auto bytes = fromHex(digest->get<std::string>());
        Hash h{};
        if (!bytes || bytes->size() != h.size()) {
            return bad("digest is not 64 hex digits");
        }
        std::copy(bytes->begin(), bytes->end(), h.begin());
        entry.digest = h;
    }
    return entry;
}

}  // namespace

Result<RowDigestIndex> RowDigestIndex::load(Database& reader) {
    // instr() first: most events name no row, and parsing every payload would dominate start-up.
    auto select = reader.prepare(
        "SELECT seq, payload FROM audit_events WHERE instr(payload, '\"row_digest\"') > 0"
        " ORDER BY seq");
    if (!select) {
        return select.error();
    }
    RowDigestIndex index;
    for (;;) {
        auto row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const auto seq = static_cast<std::uint64_t>(select->columnInt(0));
        const auto body = nlohmann::json::parse(select->columnText(1), nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            continue;  // names no row; verify reports a payload that is not JSON elsewhere
        }
        if (auto r = index.note(seq, body); !r) {
            return r.error();
        }
    }
    auto last = reader.prepare("SELECT coalesce(max(seq), 0) FROM audit_events");
    if (!last) {
        return last.error();
    }
    if (auto row = last->step(); !row) {
        return row.error();
    }
    index.lastSeq_ = std::max(index.lastSeq_, static_cast<std::uint64_t>(last->columnInt(0)));
    return index;
}

Result<void> RowDigestIndex::note(const RecordedEvent& event) {
    if (event.seq <= lastSeq_) {
        return {};
    }
    if (event.body) {
        return note(event.seq, *event.body);
    }
    if (event.event.payload.find("\"row_digest\"") == std::string::npos) {
        lastSeq_ = event.seq;
        return {};
    }
    const auto body = nlohmann::json::parse(event.event.payload, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        lastSeq_ = event.seq;
        return {};
    }
    return note(event.seq, body);
}

Result<void> RowDigestIndex::note(std::uint64_t seq, const nlohmann::json& payload) {
    if (seq != 0 && seq <= lastSeq_) {
        return {};
    }
    lastSeq_ = std::max(lastSeq_, seq);
    if (!payload.is_object()) {
        return {};
    }
    const auto member = payload.find(kRowDigestMember);
    if (member == payload.end()) {
        return {};
    }
    std::vector<Entry> entries;
    if (member->is_array()) {
        for (const auto& one : *member) {
            auto entry = parseMember(seq, one);
            if (!entry) {
                return entry.error();
            }
            entries.push_back(std::move(*entry));
        }
    } else {
        auto entry = parseMember(seq, *member);
        if (!entry) {
            return entry.error();
        }
        entries.push_back(std::move(*entry));
    }
    for (auto& e : entries) {
        newest_[Key{std::move(e.table), std::move(e.key)}] = Value{e.digest, seq};
    }
    return {};
}

std::optional<std::optional<Hash>> RowDigestIndex::expected(
    const std::string& table, const std::vector<std::string>& key) const {
    auto it = newest_.find(Key{table, key});
    if (it == newest_.end()) {
        return std::nullopt;
    }
    return std::optional<std::optional<Hash>>(it->second.digest);
}

std::uint64_t RowDigestIndex::recordedAt(const std::string& table,
                                         const std::vector<std::string>& key) const {
    auto it = newest_.find(Key{table, key});
    return it == newest_.end() ? 0 : it->second.seq;
}

std::vector<RowDigestIndex::Entry> RowDigestIndex::entries() const {
    std::vector<Entry> out;
    out.reserve(newest_.size());
    for (const auto& [key, value] : newest_) {
        out.push_back(Entry{key.first, key.second, value.digest, value.seq});
    }
    return out;
}

std::string RowDigestMismatch::describe() const {
    std::string name = table + "(";
    for (std::size_t i = 0; i < key.size(); ++i) {
        name += (i == 0 ? "" : ", ") + key[i];
    }
    name += ")";
    switch (kind) {
        case Kind::differs:
            return "row " + name + " differs from the digest the trail recorded at seq " +
                   std::to_string(seq) + " (changed outside the daemon)";
        case Kind::unnamed:
            return "row " + name + " was never recorded in the trail (inserted outside the daemon)";
        case Kind::missing:
            return "row " + name + " is gone, but the trail (seq " + std::to_string(seq) +
                   ") recorded it and no deletion";
    }
    return "row " + name;
}

Result<std::vector<RowDigestMismatch>> findRowDigestMismatches(
    Database& db, const std::vector<AuditedTable>& tables, const RowDigestIndex& index) {
    std::vector<RowDigestMismatch> out;
    std::set<std::pair<std::string, std::vector<std::string>>> present;
    std::set<std::string> audited;
    for (const auto& table : tables) {
        audited.insert(table.table);
        auto rows = digestAllRows(db, table);
        if (!rows) {
            return rows.error();
        }
        for (auto& row : *rows) {
            const auto want = index.expected(table.table, row.key);
            if (!want) {
                out.push_back({RowDigestMismatch::Kind::unnamed, table.table, row.key, 0});
            } else if (!*want || **want != row.digest) {
                out.push_back({RowDigestMismatch::Kind::differs, table.table, row.key,
                               index.recordedAt(table.table, row.key)});
            }
            present.emplace(table.table, std::move(row.key));
        }
    }
    for (const auto& e : index.entries()) {
        if (e.digest && audited.count(e.table) && !present.count({e.table, e.key})) {
            out.push_back({RowDigestMismatch::Kind::missing, e.table, e.key, e.seq});
        }
    }
    return out;
}

}  // namespace sekimori::core
