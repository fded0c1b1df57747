#pragma once
// The newest row digest the trail records for each row of the doors' audited tables
// (core/row_digest.hpp), as the credential cache needs it: the same semantics as
// core::RowDigestIndex (which holds every audited table of every domain for `audit verify`), kept
// per table in hash maps keyed by the row key alone, so two million people with a handful of
// rows each fit in ~100 bytes per row, and caught up from the events after the last seq it read,
// naming the rows those events changed (the incremental reload re-checks them).
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/crypto.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "doors/credential_rows.hpp"

namespace sekimori::doors {

class CredentialDigests {
  public:
    // Prepares the trail queries on the cache's read connection; reads nothing yet.
    static core::Result<CredentialDigests> prepare(core::Database& db);

    // Reads the events after the last seq read, up to the trail's head (inside the caller's read
    // transaction), and returns the doors rows they named. The first call reads the whole trail.
    core::Result<std::vector<RowRef>> catchUp();

    struct Expected {
        bool named = false;                // the trail never named the row: false
        std::optional<core::Hash> digest;  // nullopt (when named): the trail says it was deleted
        std::uint64_t seq = 0;             // the event that named it
    };
    Expected expected(CredentialTable table, const std::string& encodedKey) const;

    // Every row of `table` the trail names as present (with a digest), for the full reload's
    // search for rows that are gone.
    void forEachPresent(
        CredentialTable table,
        const std::function<void(const std::string& encodedKey, std::uint64_t seq)>& visit) const;

    std::uint64_t lastSeq() const { return lastSeq_; }
    std::size_t size() const;

  private:
    struct Value {
        core::Hash digest{};
        std::uint64_t seq = 0;
        bool deleted = false;
    };
    core::Result<void> note(std::uint64_t seq, const std::string& payload,
                            std::vector<RowRef>& noted);

    std::array<std::unordered_map<std::string, Value>, kCredentialTableCount> newest_;
    std::uint64_t lastSeq_ = 0;
    bool loaded_ = false;
    core::Statement head_, events_;
};

}  // namespace sekimori::doors
