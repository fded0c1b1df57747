#pragma once
// Builds the credential snapshot the doors decide from, checking every row it takes against the
// trail's row digests (doors/credential_digests): in full (the first load, the periodic verified
// reload, and whenever the change journal cannot be trusted), or incrementally from the change
// journal (doors/credential_journal) and the rows newly named by the trail: only the people,
// cards and groups those rows belong to are re-read, every row of theirs re-checked, into a
// copy of the previous snapshot that shares every untouched shard.
// A row that does not match is left out, and what it would let in with it: a person's row or
// details row takes the person (and so their cards, grants and keypad code); a PIN, template
// or keypad row leaves the person without that factor; a grant, level or membership row is
// dropped alone. Such rows are listed in snapshot.refusedRows until they match again.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/row_digest_index.hpp"
#include "core/sqlite_db.hpp"
#include "doors/credential_digests.hpp"
#include "doors/credential_journal.hpp"
#include "doors/credential_rows.hpp"
#include "doors/credential_snapshot.hpp"

namespace sekimori::doors {

// Every credential row, unchecked (CredentialStore::loadSnapshot; inside the caller's read
// transaction).
core::Result<CredentialSnapshot> loadUncheckedSnapshot(core::Database& db);

class CredentialLoader {
  public:
    static core::Result<std::unique_ptr<CredentialLoader>> open(core::Database& db);

    struct Refreshed {
        std::shared_ptr<const CredentialSnapshot> snapshot;  // null: nothing changed
        bool full = false;                                   // a full verified load
        std::size_t rowsChanged = 0;                         // incremental: rows re-checked
        std::string why;                                     // why a full load was needed
    };
    // One read transaction: catches the digests up, then loads in full (no previous snapshot,
    // `full`, the schema changed, the journal triggers are not all there, or the journal has a
    // hole or is silent while the generation moved) or applies the journal onto `previous`,
    // re-checking `suspects` too (rows a full verification elsewhere refused).
    core::Result<Refreshed> refresh(const std::shared_ptr<const CredentialSnapshot>& previous,
                                    bool full, const std::vector<RowRef>& suspects = {});

    std::size_t digestCount() const { return digests_.size(); }

  private:
    CredentialLoader(core::Database& db, std::unique_ptr<AuditedRows> rows,
                     CredentialDigests digests, JournalReader journal);
    core::Result<Refreshed> inTransaction(const std::shared_ptr<const CredentialSnapshot>& previous,
                                          bool full, const std::vector<RowRef>& suspects);
    core::Result<std::shared_ptr<const CredentialSnapshot>> loadFull();
    core::Result<std::shared_ptr<const CredentialSnapshot>> applyChanges(
        const CredentialSnapshot& previous, const std::vector<RowRef>& changed);
    core::Result<void> rebuildPerson(CredentialSnapshot& next, const CredentialSnapshot& previous,
                                     const std::string& id, std::set<RowRef> recheck);
    core::Result<void> rebuildCard(CredentialSnapshot& next, const std::string& uid);
    core::Result<void> rebuildGroup(CredentialSnapshot& next, const std::string& group,
                                    std::set<RowRef> recheck);
    // Checks a row just read; false (and noted in refused_) when it does not match.
    bool accept(const AuditedRow& row);
    // A row that is not there: true (and noted) when the trail says it should be.
    bool missing(const RowRef& ref);
    // Drops refused_ entries of one owner, adding their refs to `recheck`.
    void forgetRefused(const RowOwner& owner, std::set<RowRef>& recheck);
    std::vector<core::RowDigestMismatch> refusedList() const;

    core::Database& db_;
    std::unique_ptr<AuditedRows> rows_;
    CredentialDigests digests_;
    JournalReader journal_;
    std::map<RowRef, core::RowDigestMismatch> refused_;
    std::optional<std::int64_t> generation_, schemaVersion_;
    std::int64_t journalSeq_ = 0;
    bool journalTrusted_ = false;
    core::Statement generationQuery_;
};

}  // namespace sekimori::doors
