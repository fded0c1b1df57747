#pragma once
// The newest row digest per (table, key) as the trail records it (core/row_digest.hpp): loaded
// from audit_events at start, then fed every recorded event, so the daemon can refuse a row that
// changed behind its back and `audit verify` can report every mismatch.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"
#include "core/row_digest.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

class RowDigestIndex {
  public:
    // Scans audit_events (in seq order) for payloads holding "row_digest". Errors: a malformed
    // row_digest member (it names its seq), or an unreadable table.
    static Result<RowDigestIndex> load(Database& reader);

    // Takes the row_digest member(s) of one more event; events at or below lastSeq() are
    // ignored, so feeding the recorder's events after load() is safe. Uses event.body when the
    // recorder parsed it, else parses the payload.
    Result<void> note(const RecordedEvent& event);
    Result<void> note(std::uint64_t seq, const nlohmann::json& payload);

    // nullopt: the trail never named this row; an engaged optional holding nullopt: the trail
    // says the row was deleted; else the digest the row must have.
    std::optional<std::optional<Hash>> expected(const std::string& table,
                                                const std::vector<std::string>& key) const;

    // The seq of the event that recorded the newest digest of this row (0: never named).
    std::uint64_t recordedAt(const std::string& table, const std::vector<std::string>& key) const;

    // The seq of the last event the index saw (0 when none).
    std::uint64_t lastSeq() const { return lastSeq_; }

    struct Entry {
        std::string table;
        std::vector<std::string> key;
        std::optional<Hash> digest;  // nullopt: deleted
        std::uint64_t seq = 0;       // the event that recorded it
    };
    // Every row the trail named, ordered by (table, key).
    std::vector<Entry> entries() const;

  private:
    using Key = std::pair<std::string, std::vector<std::string>>;
    struct Value {
        std::optional<Hash> digest;
        std::uint64_t seq = 0;
    };
    std::map<Key, Value> newest_;
    std::uint64_t lastSeq_ = 0;
};

// A row whose digest differs from the newest in the trail, a row the trail never named, or a
// named (not deleted) row that is gone.
struct RowDigestMismatch {
    enum class Kind { differs, unnamed, missing };
    Kind kind = Kind::differs;
    std::string table;
    std::vector<std::string> key;
    std::uint64_t seq = 0;  // the event that named the row (0 for unnamed)
    std::string describe() const;
};

// Compares every row of every table with the index; empty when all match.
Result<std::vector<RowDigestMismatch>> findRowDigestMismatches(
    Database& db, const std::vector<AuditedTable>& tables, const RowDigestIndex& index);

}  // namespace sekimori::core
