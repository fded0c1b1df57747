#include "doors/credential_digests.hpp"

#include <nlohmann/json.hpp>

#include "core/row_digest.hpp"

namespace sekimori::doors {
namespace {

core::Error malformed(std::uint64_t seq, const std::string& why) {
    return core::makeError("row_digest.malformed",
                           "seq " + std::to_string(seq) + ": row_digest " + why);
}

}  // namespace

core::Result<CredentialDigests> CredentialDigests::prepare(core::Database& db) {
    CredentialDigests digests;
    auto head = db.prepare("SELECT coalesce(max(seq), 0) FROM audit_events");
    if (!head) {
        return head.error();
    }
    // instr() first: most events name no row, and parsing every payload would dominate.
    auto events = db.prepare(
        "SELECT seq, payload FROM audit_events WHERE seq > ?1 AND seq <= ?2"
        " AND instr(payload, '\"row_digest\"') > 0 ORDER BY seq");
    if (!events) {
        return events.error();
    }
    digests.head_ = std::move(*head);
    digests.events_ = std::move(*events);
    return digests;
}

core::Result<std::vector<RowRef>> CredentialDigests::catchUp() {
    auto headRow = head_.step();
    if (!headRow || !*headRow) {
        head_.reset();
        return headRow ? core::makeError("doors.trail", "audit_events has no max(seq)")
                       : headRow.error();
    }
    const auto headSeq = static_cast<std::uint64_t>(head_.columnInt(0));
    head_.reset();
    std::vector<RowRef> noted;
    events_.bind(1, static_cast<std::int64_t>(lastSeq_))
        .bind(2, static_cast<std::int64_t>(headSeq));
    for (;;) {
        auto row = events_.step();
        if (!row) {
            events_.reset();
            return row.error();
        }
        if (!*row) {
            break;
        }
        const auto seq = static_cast<std::uint64_t>(events_.columnInt(0));
        if (auto r = note(seq, events_.columnText(1), noted); !r) {
            events_.reset();
            return r.error();
        }
    }
    events_.reset();
    lastSeq_ = std::max(lastSeq_, headSeq);
    if (!loaded_) {
        loaded_ = true;
        noted.clear();  // the first read names everything; the full load checks everything
    }
    return noted;
}

// One event's row_digest member(s), as core::RowDigestIndex reads them; rows of other domains'
// tables are skipped (the operators' are console's).
core::Result<void> CredentialDigests::note(std::uint64_t seq, const std::string& payload,
                                           std::vector<RowRef>& noted) {
    const auto body = nlohmann::json::parse(payload, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return {};
    }
    const auto member = body.find(core::kRowDigestMember);
    if (member == body.end()) {
        return {};
    }
    const auto one = [&](const nlohmann::json& m) -> core::Result<void> {
        if (!m.is_object()) {
            return malformed(seq, "is not an object");
        }
        const auto table = m.find("table");
        const auto key = m.find("key");
        const auto digest = m.find("digest");
        if (table == m.end() || !table->is_string()) {
            return malformed(seq, "needs a table name");
        }
        if (key == m.end() || !key->is_array() || key->empty()) {
            return malformed(seq, "needs a key (an array of strings)");
        }
        if (digest == m.end() || !(digest->is_null() || digest->is_string())) {
            return malformed(seq, "needs a digest (64 hex digits, or null for a deleted row)");
        }
        const auto which = credentialTableNamed(table->get_ref<const std::string&>());
        if (!which) {
            return {};
        }
        std::vector<std::string> parts;
        for (const auto& part : *key) {
            if (!part.is_string()) {
                return malformed(seq, "key holds a value that is not a string");
            }
            parts.push_back(part.get<std::string>());
        }
        Value value;
        value.seq = seq;
        if (digest->is_null()) {
            value.deleted = true;
        } else {
            auto bytes = core::fromHex(digest->get<std::string>());
            if (!bytes || bytes->size() != value.digest.size()) {
                return malformed(seq, "digest is not 64 hex digits");
            }
            std::copy(bytes->begin(), bytes->end(), value.digest.begin());
        }
        std::string encoded = encodeKey(parts);
        newest_[static_cast<std::size_t>(*which)].insert_or_assign(encoded, value);
        if (loaded_) {
            noted.push_back(RowRef{*which, std::move(encoded)});
        }
        return {};
    };
    if (member->is_array()) {
        for (const auto& m : *member) {
            if (auto r = one(m); !r) {
                return r;
            }
        }
        return {};
    }
    return one(*member);
}

CredentialDigests::Expected CredentialDigests::expected(CredentialTable table,
                                                        const std::string& encodedKey) const {
    const auto& map = newest_[static_cast<std::size_t>(table)];
    auto it = map.find(encodedKey);
    if (it == map.end()) {
        return {};
    }
    Expected e;
    e.named = true;
    e.seq = it->second.seq;
    if (!it->second.deleted) {
        e.digest = it->second.digest;
    }
    return e;
}

void CredentialDigests::forEachPresent(
    CredentialTable table,
    const std::function<void(const std::string& encodedKey, std::uint64_t seq)>& visit) const {
    for (const auto& [key, value] : newest_[static_cast<std::size_t>(table)]) {
        if (!value.deleted) {
            visit(key, value.seq);
        }
    }
}

std::size_t CredentialDigests::size() const {
    std::size_t n = 0;
    for (const auto& map : newest_) {
        n += map.size();
    }
    return n;
}

}  // namespace sekimori::doors
