#include "doors/credential_loader.hpp"

#include <unordered_map>
#include <unordered_set>

#include "doors/credential_store.hpp"

namespace sekimori::doors {
namespace {

// The tables a full load reads after door_people, in an order where each row's owner exists.
constexpr CredentialTable kAfterPeople[] = {
    CredentialTable::details,      CredentialTable::pins,
    CredentialTable::fingerprints, CredentialTable::backupFingerprints,
    CredentialTable::keypadCodes,  CredentialTable::grants,
    CredentialTable::groupMembers, CredentialTable::levelAssignments,
    CredentialTable::offlinePins,  CredentialTable::personWeights,
    CredentialTable::cards,
};

// Whether a row of this table that is refused or gone takes its person along: the details row
// holds the validity dates and the escort flag, so losing it would widen access.
bool takesThePerson(CredentialTable table) {
    return table == CredentialTable::people || table == CredentialTable::details;
}

// Every row through `accept` (rows it refuses are skipped); `afterTable` runs once per table
// with the keys it read (present, refused or not), and may name people to drop.
using Accept = std::function<bool(const AuditedRow&)>;
using AfterTable = std::function<void(CredentialTable, const std::unordered_set<std::string>&,
                                      std::set<std::string>& drop)>;

core::Result<std::shared_ptr<CredentialSnapshot>> buildFull(AuditedRows& rows, const Accept& accept,
                                                            const AfterTable& afterTable) {
    auto snapshot = std::make_shared<CredentialSnapshot>();
    std::set<std::string> drop;
    std::unordered_map<std::string, std::vector<LevelAssignment>> groupLevels;
    std::unordered_set<std::string> present;
    auto loaded = rows.all(CredentialTable::people, [&](const AuditedRow& row) {
        present.insert(row.key);
        if (accept(row)) {
            PersonRecord p;
            foldIntoPerson(p, row);
            snapshot->putPerson(std::move(p));
        }
    });
    if (!loaded) {
        return loaded.error();
    }
    afterTable(CredentialTable::people, present, drop);
    for (const CredentialTable table : kAfterPeople) {
        present.clear();
        loaded = rows.all(table, [&](const AuditedRow& row) {
            present.insert(row.key);
            const RowOwner owner = ownerOf(table, decodeKey(row.key));
            if (!accept(row)) {
                if (takesThePerson(table)) {
                    drop.insert(owner.id);
                }
                return;
            }
            if (owner.kind == RowOwner::Kind::card) {
                snapshot->putCard(cardFrom(row));
            } else if (owner.kind == RowOwner::Kind::group) {
                groupLevels[owner.id].push_back(levelFrom(row));
            } else if (PersonRecord* p = snapshot->editPerson(owner.id)) {
                foldIntoPerson(*p, row);
            }
        });
        if (!loaded) {
            return loaded.error();
        }
        afterTable(table, present, drop);
    }
    for (const auto& id : drop) {
        snapshot->erasePerson(id);
    }
    for (const PersonRecord* p : snapshot->allPeople()) {
        if (!p->keypadHash.empty()) {
            snapshot->putKeypad(p->keypadHash, p->id);
        }
    }
    for (auto& [group, levels] : groupLevels) {
        snapshot->setGroupLevels(group, std::move(levels));
    }
    return snapshot;
}

}  // namespace

core::Result<CredentialSnapshot> loadUncheckedSnapshot(core::Database& db) {
    auto rows = AuditedRows::prepare(db);
    if (!rows) {
        return rows.error();
    }
    auto built = buildFull(
        **rows, [](const AuditedRow&) { return true; },
        [](CredentialTable, const std::unordered_set<std::string>&, std::set<std::string>&) {});
    if (!built) {
        return built.error();
    }
    return std::move(**built);
}

core::Result<std::unique_ptr<CredentialLoader>> CredentialLoader::open(core::Database& db) {
    auto rows = AuditedRows::prepare(db);
    if (!rows) {
        return rows.error();
    }
    auto digests = CredentialDigests::prepare(db);
    if (!digests) {
        return digests.error();
    }
    auto journal = JournalReader::prepare(db);
    if (!journal) {
        return journal.error();
    }
    auto generation = db.prepare("SELECT n FROM door_generation WHERE id = 1");
    if (!generation) {
        return generation.error();
    }
    std::unique_ptr<CredentialLoader> loader(
        new CredentialLoader(db, std::move(*rows), std::move(*digests), std::move(*journal)));
    loader->generationQuery_ = std::move(*generation);
    return loader;
}

CredentialLoader::CredentialLoader(core::Database& db, std::unique_ptr<AuditedRows> rows,
                                   CredentialDigests digests, JournalReader journal)
    : db_(db), rows_(std::move(rows)), digests_(std::move(digests)), journal_(std::move(journal)) {}

core::Result<CredentialLoader::Refreshed> CredentialLoader::refresh(
    const std::shared_ptr<const CredentialSnapshot>& previous, bool full,
    const std::vector<RowRef>& suspects) {
    // One read transaction: the rows, the journal and the trail at one point, so a change
    // committed with its event is never half seen.
    if (auto begin = db_.exec("BEGIN"); !begin) {
        return begin.error();
    }
    auto result = inTransaction(previous, full, suspects);
    (void)db_.exec("COMMIT");
    return result;
}

core::Result<CredentialLoader::Refreshed> CredentialLoader::inTransaction(
    const std::shared_ptr<const CredentialSnapshot>& previous, bool full,
    const std::vector<RowRef>& suspects) {
    auto generationRow = generationQuery_.step();
    if (!generationRow || !*generationRow) {
        generationQuery_.reset();
        return generationRow ? core::makeError("doors.generation", "door_generation has no row")
                             : generationRow.error();
    }
    const std::int64_t generation = generationQuery_.columnInt(0);
    generationQuery_.reset();
    auto schema = journal_.schemaVersion();
    auto head = journal_.head();
    if (!schema || !head) {
        return !schema ? schema.error() : head.error();
    }
    auto noted = digests_.catchUp();
    if (!noted) {
        return noted.error();
    }

    Refreshed out;
    const bool moved = generation != generation_ || *head != journalSeq_ || !noted->empty() ||
                       schemaVersion_ != *schema || !suspects.empty();
    if (previous != nullptr && !full && !moved) {
        return out;  // nothing changed
    }
    if (previous == nullptr) {
        out.why = "first load";
    } else if (full) {
        out.why = "periodic verified reload";
    } else if (schemaVersion_ != *schema) {
        out.why = "the database schema changed";
    } else if (!journalTrusted_) {
        out.why = "the change journal's triggers are not all in place";
    }
    std::vector<RowRef> changed;
    if (out.why.empty()) {
        auto entries = journal_.after(journalSeq_);
        if (!entries) {
            return entries.error();
        }
        std::int64_t expect = journalSeq_ + 1;
        for (const auto& e : *entries) {
            if (e.seq != expect) {
                out.why = "the change journal has a hole (seq " + std::to_string(expect) + ")";
                break;
            }
            ++expect;
            if (auto table = credentialTableNamed(e.table)) {
                changed.push_back(RowRef{*table, encodeKey(e.key)});
            }
        }
        if (out.why.empty() && entries->empty() && generation != generation_) {
            out.why = "the credential tables changed without a journal entry";
        }
    }
    if (!out.why.empty()) {
        auto trusted = journal_.triggersPresent(kAuditedTables());
        if (!trusted) {
            return trusted.error();
        }
        journalTrusted_ = *trusted;
        auto snapshot = loadFull();
        if (!snapshot) {
            return snapshot.error();
        }
        out.snapshot = std::move(*snapshot);
        out.full = true;
    } else {
        changed.insert(changed.end(), noted->begin(), noted->end());
        changed.insert(changed.end(), suspects.begin(), suspects.end());
        out.rowsChanged = changed.size();
        auto snapshot = applyChanges(*previous, changed);
        if (!snapshot) {
            return snapshot.error();
        }
        out.snapshot = std::move(*snapshot);
    }
    generation_ = generation;
    schemaVersion_ = *schema;
    journalSeq_ = *head;
    return out;
}

bool CredentialLoader::accept(const AuditedRow& row) {
    const auto want = digests_.expected(row.table, row.key);
    if (want.named && want.digest && *want.digest == row.digest) {
        return true;
    }
    core::RowDigestMismatch m;
    m.kind = !want.named ? core::RowDigestMismatch::Kind::unnamed
                         : core::RowDigestMismatch::Kind::differs;
    m.table = auditedTable(row.table).table;
    m.key = decodeKey(row.key);
    m.seq = want.seq;
    refused_.insert_or_assign(RowRef{row.table, row.key}, std::move(m));
    return false;
}

bool CredentialLoader::missing(const RowRef& ref) {
    const auto want = digests_.expected(ref.table, ref.key);
    if (!want.named || !want.digest) {
        return false;  // never named, or deleted through the daemon
    }
    refused_.insert_or_assign(
        ref, core::RowDigestMismatch{core::RowDigestMismatch::Kind::missing,
                                     auditedTable(ref.table).table, decodeKey(ref.key), want.seq});
    return true;
}

core::Result<std::shared_ptr<const CredentialSnapshot>> CredentialLoader::loadFull() {
    refused_.clear();
    auto built = buildFull(
        *rows_, [this](const AuditedRow& row) { return accept(row); },
        [this](CredentialTable table, const std::unordered_set<std::string>& present,
               std::set<std::string>& drop) {
            digests_.forEachPresent(table, [&](const std::string& key, std::uint64_t) {
                if (present.count(key) == 0 && missing(RowRef{table, key}) &&
                    takesThePerson(table)) {
                    drop.insert(ownerOf(table, decodeKey(key)).id);
                }
            });
        });
    if (!built) {
        return built.error();
    }
    (*built)->refusedRows = refusedList();
    return std::shared_ptr<const CredentialSnapshot>(std::move(*built));
}

void CredentialLoader::forgetRefused(const RowOwner& owner, std::set<RowRef>& recheck) {
    for (auto it = refused_.begin(); it != refused_.end();) {
        const RowOwner o = ownerOf(it->first.table, it->second.key);
        if (o.kind == owner.kind && o.id == owner.id) {
            recheck.insert(it->first);
            it = refused_.erase(it);
        } else {
            ++it;
        }
    }
}

core::Result<std::shared_ptr<const CredentialSnapshot>> CredentialLoader::applyChanges(
    const CredentialSnapshot& previous, const std::vector<RowRef>& changed) {
    // Each changed row names its owner; every row of each owner is re-read and re-checked.
    std::map<std::string, std::set<RowRef>> people, groups;
    std::set<std::string> cards;
    for (const auto& ref : changed) {
        const RowOwner owner = ownerOf(ref.table, decodeKey(ref.key));
        switch (owner.kind) {
            case RowOwner::Kind::person:
                people[owner.id].insert(ref);
                break;
            case RowOwner::Kind::group:
                groups[owner.id].insert(ref);
                break;
            case RowOwner::Kind::card:
                cards.insert(owner.id);
                break;
        }
    }
    auto next = std::make_shared<CredentialSnapshot>(previous);  // shares every shard
    for (auto& [id, recheck] : people) {
        if (auto r = rebuildPerson(*next, previous, id, std::move(recheck)); !r) {
            return r.error();
        }
    }
    for (const auto& uid : cards) {
        if (auto r = rebuildCard(*next, uid); !r) {
            return r.error();
        }
    }
    for (auto& [id, recheck] : groups) {
        if (auto r = rebuildGroup(*next, id, std::move(recheck)); !r) {
            return r.error();
        }
    }
    next->refusedRows = refusedList();
    return std::shared_ptr<const CredentialSnapshot>(std::move(next));
}

core::Result<void> CredentialLoader::rebuildPerson(CredentialSnapshot& next,
                                                   const CredentialSnapshot& previous,
                                                   const std::string& id,
                                                   std::set<RowRef> recheck) {
    forgetRefused(RowOwner{RowOwner::Kind::person, id}, recheck);
    PersonRecord record;
    bool havePerson = false;
    bool drop = false;
    std::set<RowRef> seen;
    auto read = rows_->ofPerson(id, [&](const AuditedRow& row) {
        seen.insert(RowRef{row.table, row.key});
        if (!accept(row)) {
            drop = drop || takesThePerson(row.table);
            return;
        }
        havePerson = havePerson || row.table == CredentialTable::people;
        foldIntoPerson(record, row);
    });
    if (!read) {
        return read;
    }
    for (const auto& ref : recheck) {
        if (seen.count(ref) == 0 && missing(ref) && takesThePerson(ref.table)) {
            drop = true;
        }
    }
    const PersonRecord* before = previous.person(id);
    const core::Bytes oldCode = before != nullptr ? before->keypadHash : core::Bytes();
    if (!oldCode.empty() && oldCode != record.keypadHash) {
        next.eraseKeypad(oldCode);
    }
    if (havePerson && !drop) {
        const core::Bytes code = record.keypadHash;
        next.putPerson(std::move(record));
        if (!code.empty()) {
            next.putKeypad(code, id);
        }
    } else {
        next.erasePerson(id);
    }
    return {};
}

core::Result<void> CredentialLoader::rebuildCard(CredentialSnapshot& next, const std::string& uid) {
    std::set<RowRef> recheck{RowRef{CredentialTable::cards, uid}};
    forgetRefused(RowOwner{RowOwner::Kind::card, uid}, recheck);
    bool found = false;
    auto read = rows_->ofCard(uid, [&](const AuditedRow& row) {
        found = true;
        if (accept(row)) {
            next.putCard(cardFrom(row));
        } else {
            next.eraseCard(uid);
        }
    });
    if (!read) {
        return read;
    }
    if (!found) {
        next.eraseCard(uid);
        missing(RowRef{CredentialTable::cards, uid});
    }
    return {};
}

core::Result<void> CredentialLoader::rebuildGroup(CredentialSnapshot& next,
                                                  const std::string& group,
                                                  std::set<RowRef> recheck) {
    forgetRefused(RowOwner{RowOwner::Kind::group, group}, recheck);
    std::vector<LevelAssignment> levels;
    std::set<RowRef> seen;
    auto read = rows_->ofGroup(group, [&](const AuditedRow& row) {
        seen.insert(RowRef{row.table, row.key});
        if (accept(row)) {
            levels.push_back(levelFrom(row));
        }
    });
    if (!read) {
        return read;
    }
    for (const auto& ref : recheck) {
        if (seen.count(ref) == 0) {
            missing(ref);
        }
    }
    next.setGroupLevels(group, std::move(levels));
    return {};
}

std::vector<core::RowDigestMismatch> CredentialLoader::refusedList() const {
    std::vector<core::RowDigestMismatch> out;
    out.reserve(refused_.size());
    for (const auto& [ref, m] : refused_) {
        out.push_back(m);
    }
    return out;
}

}  // namespace sekimori::doors
