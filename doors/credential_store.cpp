#include "doors/credential_store.hpp"

#include <functional>

#include <sqlite3.h>

#include "doors/credential_journal.hpp"
#include "doors/credential_loader.hpp"

namespace sekimori::doors {
namespace {

// Generation triggers: every write to a table bumps door_generation.n.
std::string generationTriggers(std::initializer_list<const char*> tables) {
    std::string sql;
    for (const char* table : tables) {
        for (const char* op : {"INSERT", "UPDATE", "DELETE"}) {
            sql += std::string("CREATE TRIGGER ") + table + "_" + op + "_generation AFTER " + op +
                   " ON " + table +
                   " BEGIN UPDATE door_generation SET n = n + 1 WHERE id = 1; END;";
        }
    }
    return sql;
}

std::string issue14Migration() {
    return "CREATE TABLE door_person_details(person TEXT PRIMARY KEY REFERENCES door_people(id),"
           " organisation TEXT NOT NULL DEFAULT '', valid_from_us INTEGER NOT NULL DEFAULT 0,"
           " valid_until_us INTEGER NOT NULL DEFAULT 0,"
           " escort_required INTEGER NOT NULL DEFAULT 0);"
           "CREATE TABLE door_backup_fingerprints("
           " person TEXT PRIMARY KEY REFERENCES door_people(id), box BLOB NOT NULL);"
           "CREATE TABLE door_group_members(group_id TEXT NOT NULL,"
           " person TEXT NOT NULL REFERENCES door_people(id), PRIMARY KEY(group_id, person));"
           "CREATE INDEX door_group_members_person ON door_group_members(person);"
           "CREATE TABLE door_level_assignments("
           " holder_kind TEXT NOT NULL CHECK(holder_kind IN ('person','group')),"
           " holder TEXT NOT NULL, level TEXT NOT NULL,"
           " valid_from_us INTEGER NOT NULL DEFAULT 0, valid_until_us INTEGER NOT NULL DEFAULT 0,"
           " PRIMARY KEY(holder_kind, holder, level));"
           "CREATE TABLE door_keypad_codes(person TEXT PRIMARY KEY REFERENCES door_people(id),"
           " code_hash BLOB NOT NULL UNIQUE);"
           "CREATE TABLE door_photos(person TEXT PRIMARY KEY REFERENCES door_people(id),"
           " mime TEXT NOT NULL, bytes BLOB NOT NULL, sha256 TEXT NOT NULL);" +
           generationTriggers({"door_person_details", "door_backup_fingerprints",
                               "door_group_members", "door_level_assignments",
                               "door_keypad_codes"});
}

// The tables are listed here, not taken from kAuditedTables(): a migration's SQL never changes.
std::string journalMigration() {
    const std::vector<core::AuditedTable> tables{
        {"door_people", {"id"}},
        {"door_cards", {"uid"}},
        {"door_pins", {"person"}},
        {"door_fingerprints", {"person"}},
        {"door_zone_grants", {"person", "zone"}},
        {"door_person_details", {"person"}},
        {"door_backup_fingerprints", {"person"}},
        {"door_group_members", {"group_id", "person"}},
        {"door_level_assignments", {"holder_kind", "holder", "level"}},
        {"door_keypad_codes", {"person"}}};
    std::string sql = std::string(kJournalTableSql);
    for (const auto& table : tables) {
        sql += journalTriggersSql(table);
    }
    return sql;
}

// Issue 15: the PIN's offline hash per panel and the enrolled weight (both audited, with their
// generation and journal triggers).
std::string offlineMigration() {
    std::string sql =
        "CREATE TABLE door_offline_pins(person TEXT NOT NULL REFERENCES door_people(id),"
        " panel TEXT NOT NULL, pin_hash TEXT NOT NULL, PRIMARY KEY(person, panel));"
        "CREATE TABLE door_person_weights(person TEXT PRIMARY KEY REFERENCES door_people(id),"
        " weight_g INTEGER NOT NULL CHECK(weight_g > 0));" +
        generationTriggers({"door_offline_pins", "door_person_weights"});
    for (const core::AuditedTable& table :
         {core::AuditedTable{"door_offline_pins", {"person", "panel"}},
          core::AuditedTable{"door_person_weights", {"person"}}}) {
        sql += journalTriggersSql(table);
    }
    return sql;
}

std::string generationMigration() {
    return "CREATE TABLE door_generation(id INTEGER PRIMARY KEY CHECK(id = 1), n INTEGER NOT NULL);"
           "INSERT INTO door_generation(id, n) VALUES(1, 0);" +
           generationTriggers(
               {"door_people", "door_cards", "door_pins", "door_fingerprints", "door_zone_grants"});
}

const std::vector<core::Migration>& migrations() {
    static const std::vector<core::Migration> list{
        {1,
         "CREATE TABLE door_people(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
         " active INTEGER NOT NULL DEFAULT 1);"
         "CREATE TABLE door_cards(uid TEXT PRIMARY KEY,"
         " person TEXT NOT NULL REFERENCES door_people(id),"
         " state TEXT NOT NULL CHECK(state IN ('active','revoked')));"
         "CREATE INDEX door_cards_person ON door_cards(person);"
         "CREATE TABLE door_pins(person TEXT PRIMARY KEY REFERENCES door_people(id),"
         " hash BLOB NOT NULL);"
         "CREATE TABLE door_fingerprints(person TEXT PRIMARY KEY REFERENCES door_people(id),"
         " template_box BLOB NOT NULL);"
         "CREATE TABLE door_zone_grants(person TEXT NOT NULL REFERENCES door_people(id),"
         " zone TEXT NOT NULL, schedule TEXT NOT NULL, PRIMARY KEY(person, zone));"},
        // A counter every write to the credential tables bumps, whoever writes them: the
        // daemon's credential cache reloads when it moved, and not on every audit commit
        // (PRAGMA data_version changes with those too).
        {2, generationMigration()},
        // Templates sealed at request time, waiting for their approval (no generation trigger:
        // nothing here decides who gets in).
        {3,
         "CREATE TABLE door_pending_templates(approval TEXT PRIMARY KEY,"
         " person TEXT NOT NULL REFERENCES door_people(id), template_box BLOB NOT NULL);"},
        // Issue 14: details, a second finger, groups, access levels, keypad codes (audited) and
        // photos (not audited: the sha256 travels in person.photo_set).
        {4, issue14Migration()},
        // The change journal the cache applies incrementally (doors/credential_journal.hpp).
        {5, journalMigration()},
        // Issue 15: offline PIN hashes per panel and weights (doors/offline_sync).
        {6, offlineMigration()},
    };
    return list;
}

CardState cardStateFrom(const std::string& text) {
    return text == "active" ? CardState::active : CardState::revoked;
}

}  // namespace

const core::AuditedTable& peopleTable() {
    static const core::AuditedTable table{"door_people", {"id"}};
    return table;
}
const core::AuditedTable& cardsTable() {
    static const core::AuditedTable table{"door_cards", {"uid"}};
    return table;
}
const core::AuditedTable& pinsTable() {
    static const core::AuditedTable table{"door_pins", {"person"}};
    return table;
}
const core::AuditedTable& fingerprintsTable() {
    static const core::AuditedTable table{"door_fingerprints", {"person"}};
    return table;
}
const core::AuditedTable& grantsTable() {
    static const core::AuditedTable table{"door_zone_grants", {"person", "zone"}};
    return table;
}
const core::AuditedTable& personDetailsTable() {
    static const core::AuditedTable table{"door_person_details", {"person"}};
    return table;
}
const core::AuditedTable& backupFingerprintsTable() {
    static const core::AuditedTable table{"door_backup_fingerprints", {"person"}};
    return table;
}
const core::AuditedTable& groupMembersTable() {
    static const core::AuditedTable table{"door_group_members", {"group_id", "person"}};
    return table;
}
const core::AuditedTable& levelAssignmentsTable() {
    static const core::AuditedTable table{"door_level_assignments",
                                          {"holder_kind", "holder", "level"}};
    return table;
}
const core::AuditedTable& keypadCodesTable() {
    static const core::AuditedTable table{"door_keypad_codes", {"person"}};
    return table;
}

const core::AuditedTable& offlinePinsTable() {
    static const core::AuditedTable table{"door_offline_pins", {"person", "panel"}};
    return table;
}
const core::AuditedTable& personWeightsTable() {
    static const core::AuditedTable table{"door_person_weights", {"person"}};
    return table;
}

const std::vector<core::AuditedTable>& kAuditedTables() {
    static const std::vector<core::AuditedTable> tables{peopleTable(),
                                                        cardsTable(),
                                                        pinsTable(),
                                                        fingerprintsTable(),
                                                        grantsTable(),
                                                        personDetailsTable(),
                                                        backupFingerprintsTable(),
                                                        groupMembersTable(),
                                                        levelAssignmentsTable(),
                                                        keypadCodesTable(),
                                                        offlinePinsTable(),
                                                        personWeightsTable()};
    return tables;
}

std::string_view toString(LevelHolder holder) {
    return holder == LevelHolder::person ? "person" : "group";
}

core::Result<std::unique_ptr<CredentialStore>> CredentialStore::open(core::Database& db) {
    if (auto r = db.migrate("doors", migrations()); !r) {
        return r.error();
    }
    std::unique_ptr<CredentialStore> store(new CredentialStore(db));
    if (auto r = store->prepareAll(); !r) {
        return r.error();
    }
    return store;
}

core::Result<std::unique_ptr<CredentialStore>> CredentialStore::attach(core::Database& db) {
    std::unique_ptr<CredentialStore> store(new CredentialStore(db));
    if (auto r = store->prepareAll(); !r) {
        return r.error();
    }
    return store;
}

core::Result<void> CredentialStore::prepareAll() {
    const std::pair<core::Statement*, const char*> all[] = {
        {&findPerson_,
         "SELECT p.id, p.name, p.active, pin.hash, f.template_box FROM door_people p"
         " LEFT JOIN door_pins pin ON pin.person = p.id"
         " LEFT JOIN door_fingerprints f ON f.person = p.id WHERE p.id = ?1"},
        {&findCard_, "SELECT uid, person, state FROM door_cards WHERE uid = ?1"},
        {&activeCardOf_,
         "SELECT uid, person, state FROM door_cards WHERE person = ?1 AND state = 'active'"},
        {&insertPerson_, "INSERT INTO door_people(id, name, active) VALUES(?1, ?2, 1)"},
        {&insertCard_, "INSERT INTO door_cards(uid, person, state) VALUES(?1, ?2, 'active')"},
        {&revokeCard_, "UPDATE door_cards SET state = 'revoked' WHERE uid = ?1"},
        {&storePin_,
         "INSERT INTO door_pins(person, hash) VALUES(?1, ?2)"
         " ON CONFLICT(person) DO UPDATE SET hash = excluded.hash"},
        {&storeFinger_,
         "INSERT INTO door_fingerprints(person, template_box) VALUES(?1, ?2)"
         " ON CONFLICT(person) DO UPDATE SET template_box = excluded.template_box"},
        {&storeGrant_,
         "INSERT INTO door_zone_grants(person, zone, schedule) VALUES(?1, ?2, ?3)"
         " ON CONFLICT(person, zone) DO UPDATE SET schedule = excluded.schedule"},
        {&stagePending_,
         "INSERT INTO door_pending_templates(approval, person, template_box) VALUES(?1, ?2, ?3)"},
        {&findPending_,
         "SELECT person, template_box FROM door_pending_templates WHERE approval = ?1"},
        {&dropPending_, "DELETE FROM door_pending_templates WHERE approval = ?1"},
        {&dataVersion_, "PRAGMA data_version"},
        {&generation_, "SELECT n FROM door_generation WHERE id = 1"},
        {&begin_, "BEGIN IMMEDIATE"},
        {&commit_, "COMMIT"},
        {&rollback_, "ROLLBACK"},
        {&upsertDetails_,
         "INSERT INTO door_person_details(person, organisation, valid_from_us, valid_until_us,"
         " escort_required) VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(person) DO UPDATE SET"
         " organisation = excluded.organisation, valid_from_us = excluded.valid_from_us,"
         " valid_until_us = excluded.valid_until_us,"
         " escort_required = excluded.escort_required"},
        {&setActive_, "UPDATE door_people SET active = ?2 WHERE id = ?1"},
        {&deleteGrant_, "DELETE FROM door_zone_grants WHERE person = ?1 AND zone = ?2"},
        {&storeBackup_,
         "INSERT INTO door_backup_fingerprints(person, box) VALUES(?1, ?2)"
         " ON CONFLICT(person) DO UPDATE SET box = excluded.box"},
        {&addMember_,
         "INSERT INTO door_group_members(group_id, person) VALUES(?1, ?2)"
         " ON CONFLICT(group_id, person) DO NOTHING"},
        {&removeMember_, "DELETE FROM door_group_members WHERE group_id = ?1 AND person = ?2"},
        {&upsertLevel_,
         "INSERT INTO door_level_assignments(holder_kind, holder, level, valid_from_us,"
         " valid_until_us) VALUES(?1, ?2, ?3, ?4, ?5)"
         " ON CONFLICT(holder_kind, holder, level) DO UPDATE SET"
         " valid_from_us = excluded.valid_from_us, valid_until_us = excluded.valid_until_us"},
        {&deleteLevel_,
         "DELETE FROM door_level_assignments WHERE holder_kind = ?1 AND holder = ?2"
         " AND level = ?3"},
        {&keypadOwner_, "SELECT person FROM door_keypad_codes WHERE code_hash = ?1"},
        {&storeKeypad_,
         "INSERT INTO door_keypad_codes(person, code_hash) VALUES(?1, ?2)"
         " ON CONFLICT(person) DO UPDATE SET code_hash = excluded.code_hash"},
        {&storePhoto_,
         "INSERT INTO door_photos(person, mime, bytes, sha256) VALUES(?1, ?2, ?3, ?4)"
         " ON CONFLICT(person) DO UPDATE SET mime = excluded.mime, bytes = excluded.bytes,"
         " sha256 = excluded.sha256"},
        {&findPhoto_, "SELECT mime, bytes, sha256 FROM door_photos WHERE person = ?1"},
        {&findDetails_,
         "SELECT organisation, valid_from_us, valid_until_us, escort_required"
         " FROM door_person_details WHERE person = ?1"},
        {&grantsOf_, "SELECT zone, schedule FROM door_zone_grants WHERE person = ?1 ORDER BY zone"},
        {&levelsOf_,
         "SELECT level, valid_from_us, valid_until_us FROM door_level_assignments"
         " WHERE holder_kind = ?1 AND holder = ?2 ORDER BY level"},
        {&groupsOf_, "SELECT group_id FROM door_group_members WHERE person = ?1 ORDER BY group_id"},
        {&membersOf_, "SELECT person FROM door_group_members WHERE group_id = ?1 ORDER BY person"},
        {&cardsOf_, "SELECT uid, person, state FROM door_cards WHERE person = ?1 ORDER BY uid"},
        {&hasBackup_, "SELECT 1 FROM door_backup_fingerprints WHERE person = ?1"},
        {&hasKeypad_, "SELECT 1 FROM door_keypad_codes WHERE person = ?1"},
        {&storeOfflinePin_,
         "INSERT INTO door_offline_pins(person, panel, pin_hash) VALUES(?1, ?2, ?3)"
         " ON CONFLICT(person, panel) DO UPDATE SET pin_hash = excluded.pin_hash"},
        {&offlinePinPanels_,
         "SELECT panel FROM door_offline_pins WHERE person = ?1 ORDER BY panel"},
        {&deleteOfflinePin_, "DELETE FROM door_offline_pins WHERE person = ?1 AND panel = ?2"},
        {&storeWeight_,
         "INSERT INTO door_person_weights(person, weight_g) VALUES(?1, ?2)"
         " ON CONFLICT(person) DO UPDATE SET weight_g = excluded.weight_g"},
        {&deleteWeight_, "DELETE FROM door_person_weights WHERE person = ?1"},
        {&weightOf_, "SELECT weight_g FROM door_person_weights WHERE person = ?1"},
    };
    for (const auto& [statement, sql] : all) {
        auto prepared = db_.prepare(sql);
        if (!prepared) {
            return prepared.error();
        }
        *statement = std::move(prepared.value());
    }
    return {};
}

namespace {

PersonRecord personFromRow(const core::Statement& s) {
    PersonRecord p;
    p.id = s.columnText(0);
    p.name = s.columnText(1);
    p.active = s.columnInt(2) != 0;
    p.pinHash = s.columnBlob(3);
    p.fingerBox = s.columnBlob(4);
    return p;
}

CardRecord cardFromRow(const core::Statement& s) {
    return CardRecord{s.columnText(0), s.columnText(1), cardStateFrom(s.columnText(2))};
}

// Steps a statement to its end, collecting one value per row, then resets it.
template <class T, class F>
core::Result<std::vector<T>> allRows(core::Statement& s, F&& fromRow) {
    std::vector<T> out;
    for (;;) {
        auto row = s.step();
        if (!row) {
            s.reset();
            return row.error();
        }
        if (!row.value()) {
            break;
        }
        out.push_back(fromRow(s));
    }
    s.reset();
    return out;
}

// Steps a statement that yields at most one row, then resets it for the next use.
template <class T, class F>
core::Result<std::optional<T>> oneRow(core::Statement& s, F&& fromRow) {
    auto row = s.step();
    if (!row) {
        s.reset();
        return row.error();
    }
    std::optional<T> value;
    if (row.value()) {
        value = fromRow(s);
    }
    s.reset();
    return value;
}

}  // namespace

core::Result<std::optional<PersonRecord>> CredentialStore::findPerson(const std::string& id) {
    findPerson_.bind(1, id);
    return oneRow<PersonRecord>(findPerson_, personFromRow);
}

core::Result<std::optional<CardRecord>> CredentialStore::findCard(const std::string& uid) {
    findCard_.bind(1, uid);
    return oneRow<CardRecord>(findCard_, cardFromRow);
}

core::Result<std::optional<CardRecord>> CredentialStore::activeCardOf(const std::string& person) {
    activeCardOf_.bind(1, person);
    return oneRow<CardRecord>(activeCardOf_, cardFromRow);
}

core::Result<void> CredentialStore::insertPerson(const std::string& id, const std::string& name) {
    insertPerson_.bind(1, id).bind(2, name);
    return insertPerson_.run();
}

core::Result<void> CredentialStore::insertCard(const std::string& uid, const std::string& person) {
    insertCard_.bind(1, uid).bind(2, person);
    return insertCard_.run();
}

core::Result<void> CredentialStore::revokeCard(const std::string& uid) {
    revokeCard_.bind(1, uid);
    return revokeCard_.run();
}

core::Result<void> CredentialStore::storePinHash(const std::string& person,
                                                 const core::Bytes& hash) {
    storePin_.bind(1, person).bindBlob(2, hash.data(), hash.size());
    return storePin_.run();
}

core::Result<void> CredentialStore::storeFingerBox(const std::string& person,
                                                   const core::Bytes& box) {
    storeFinger_.bind(1, person).bindBlob(2, box.data(), box.size());
    return storeFinger_.run();
}

core::Result<void> CredentialStore::storeGrant(const std::string& person, const std::string& zone,
                                               const std::string& scheduleId) {
    storeGrant_.bind(1, person).bind(2, zone).bind(3, scheduleId);
    return storeGrant_.run();
}

core::Result<void> CredentialStore::stagePendingTemplate(const std::string& approval,
                                                         const std::string& person,
                                                         const core::Bytes& box) {
    stagePending_.bind(1, approval).bind(2, person).bindBlob(3, box.data(), box.size());
    return stagePending_.run();
}

core::Result<std::optional<CredentialStore::PendingTemplate>> CredentialStore::findPendingTemplate(
    const std::string& approval) {
    findPending_.bind(1, approval);
    return oneRow<PendingTemplate>(findPending_, [](const core::Statement& s) {
        return PendingTemplate{s.columnText(0), s.columnBlob(1)};
    });
}

core::Result<void> CredentialStore::dropPendingTemplate(const std::string& approval) {
    dropPending_.bind(1, approval);
    return dropPending_.run();
}

core::Result<bool> CredentialStore::runCounting(core::Statement& s) {
    if (auto r = s.run(); !r) {
        return r.error();
    }
    return sqlite3_changes(db_.handle()) > 0;
}

core::Result<void> CredentialStore::upsertPersonDetails(const std::string& person,
                                                        const PersonDetails& details) {
    upsertDetails_.bind(1, person)
        .bind(2, details.organisation)
        .bind(3, details.validFromUs)
        .bind(4, details.validUntilUs)
        .bind(5, std::int64_t{details.escortRequired ? 1 : 0});
    return upsertDetails_.run();
}

core::Result<bool> CredentialStore::setActive(const std::string& person, bool active) {
    setActive_.bind(1, person).bind(2, std::int64_t{active ? 1 : 0});
    return runCounting(setActive_);
}

core::Result<bool> CredentialStore::deleteGrant(const std::string& person,
                                                const std::string& zone) {
    deleteGrant_.bind(1, person).bind(2, zone);
    return runCounting(deleteGrant_);
}

core::Result<void> CredentialStore::storeBackupFingerBox(const std::string& person,
                                                         const core::Bytes& box) {
    storeBackup_.bind(1, person).bindBlob(2, box.data(), box.size());
    return storeBackup_.run();
}

core::Result<void> CredentialStore::addGroupMember(const std::string& group,
                                                   const std::string& person) {
    addMember_.bind(1, group).bind(2, person);
    return addMember_.run();
}

core::Result<bool> CredentialStore::removeGroupMember(const std::string& group,
                                                      const std::string& person) {
    removeMember_.bind(1, group).bind(2, person);
    return runCounting(removeMember_);
}

core::Result<void> CredentialStore::upsertLevelAssignment(LevelHolder kind,
                                                          const std::string& holder,
                                                          const LevelAssignment& assignment) {
    upsertLevel_.bind(1, toString(kind))
        .bind(2, holder)
        .bind(3, assignment.level)
        .bind(4, assignment.validFromUs)
        .bind(5, assignment.validUntilUs);
    return upsertLevel_.run();
}

core::Result<bool> CredentialStore::deleteLevelAssignment(LevelHolder kind,
                                                          const std::string& holder,
                                                          const std::string& level) {
    deleteLevel_.bind(1, toString(kind)).bind(2, holder).bind(3, level);
    return runCounting(deleteLevel_);
}

core::Result<bool> CredentialStore::keypadCodeHeldByOther(const std::string& person,
                                                          const core::Bytes& codeHash) {
    keypadOwner_.bindBlob(1, codeHash.data(), codeHash.size());
    auto owner =
        oneRow<std::string>(keypadOwner_, [](const core::Statement& s) { return s.columnText(0); });
    if (!owner) {
        return owner.error();
    }
    return owner.value() && *owner.value() != person;
}

core::Result<void> CredentialStore::storeKeypadCode(const std::string& person,
                                                    const core::Bytes& codeHash) {
    keypadOwner_.bindBlob(1, codeHash.data(), codeHash.size());
    auto owner =
        oneRow<std::string>(keypadOwner_, [](const core::Statement& s) { return s.columnText(0); });
    if (!owner) {
        return owner.error();
    }
    if (owner.value() && *owner.value() != person) {
        // The message names nobody: whose code it is would tell the caller another's PIN.
        return core::makeError(std::string(kKeypadCodeTaken),
                               "this keypad code is already in use; choose another");
    }
    storeKeypad_.bind(1, person).bindBlob(2, codeHash.data(), codeHash.size());
    return storeKeypad_.run();
}

core::Result<void> CredentialStore::storePhoto(const std::string& person,
                                               const PersonPhoto& photo) {
    storePhoto_.bind(1, person)
        .bind(2, photo.mime)
        .bindBlob(3, photo.bytes.data(), photo.bytes.size())
        .bind(4, photo.sha256);
    return storePhoto_.run();
}

core::Result<std::optional<PersonPhoto>> CredentialStore::findPhoto(const std::string& person) {
    findPhoto_.bind(1, person);
    return oneRow<PersonPhoto>(findPhoto_, [](const core::Statement& s) {
        return PersonPhoto{s.columnText(0), s.columnBlob(1), s.columnText(2)};
    });
}

core::Result<std::optional<PersonDetails>> CredentialStore::findPersonDetails(
    const std::string& person) {
    findDetails_.bind(1, person);
    return oneRow<PersonDetails>(findDetails_, [](const core::Statement& s) {
        return PersonDetails{s.columnText(0), s.columnInt(1), s.columnInt(2), s.columnInt(3) != 0};
    });
}

core::Result<std::vector<ZoneGrant>> CredentialStore::grantsOf(const std::string& person) {
    grantsOf_.bind(1, person);
    return allRows<ZoneGrant>(grantsOf_, [](const core::Statement& s) {
        return ZoneGrant{s.columnText(0), s.columnText(1)};
    });
}

core::Result<std::vector<LevelAssignment>> CredentialStore::levelsOf(LevelHolder kind,
                                                                     const std::string& holder) {
    levelsOf_.bind(1, toString(kind)).bind(2, holder);
    return allRows<LevelAssignment>(levelsOf_, [](const core::Statement& s) {
        return LevelAssignment{s.columnText(0), s.columnInt(1), s.columnInt(2)};
    });
}

core::Result<std::vector<std::string>> CredentialStore::groupsOf(const std::string& person) {
    groupsOf_.bind(1, person);
    return allRows<std::string>(groupsOf_,
                                [](const core::Statement& s) { return s.columnText(0); });
}

core::Result<std::vector<std::string>> CredentialStore::membersOf(const std::string& group) {
    membersOf_.bind(1, group);
    return allRows<std::string>(membersOf_,
                                [](const core::Statement& s) { return s.columnText(0); });
}

core::Result<std::vector<CardRecord>> CredentialStore::cardsOf(const std::string& person) {
    cardsOf_.bind(1, person);
    return allRows<CardRecord>(cardsOf_, cardFromRow);
}

core::Result<bool> CredentialStore::hasBackupFinger(const std::string& person) {
    hasBackup_.bind(1, person);
    auto row = oneRow<bool>(hasBackup_, [](const core::Statement&) { return true; });
    if (!row) {
        return row.error();
    }
    return row.value().has_value();
}

core::Result<bool> CredentialStore::hasKeypadCode(const std::string& person) {
    hasKeypad_.bind(1, person);
    auto row = oneRow<bool>(hasKeypad_, [](const core::Statement&) { return true; });
    if (!row) {
        return row.error();
    }
    return row.value().has_value();
}

core::Result<void> CredentialStore::storeOfflinePinHash(const std::string& person,
                                                        const std::string& panel,
                                                        const std::string& hashHex) {
    storeOfflinePin_.bind(1, person).bind(2, panel).bind(3, hashHex);
    return storeOfflinePin_.run();
}

core::Result<std::vector<std::string>> CredentialStore::offlinePinPanels(
    const std::string& person) {
    offlinePinPanels_.bind(1, person);
    return allRows<std::string>(offlinePinPanels_,
                                [](const core::Statement& s) { return s.columnText(0); });
}

core::Result<bool> CredentialStore::deleteOfflinePinHash(const std::string& person,
                                                         const std::string& panel) {
    deleteOfflinePin_.bind(1, person).bind(2, panel);
    return runCounting(deleteOfflinePin_);
}

core::Result<void> CredentialStore::storeWeight(const std::string& person, int weightG) {
    storeWeight_.bind(1, person).bind(2, std::int64_t{weightG});
    return storeWeight_.run();
}

core::Result<bool> CredentialStore::deleteWeight(const std::string& person) {
    deleteWeight_.bind(1, person);
    return runCounting(deleteWeight_);
}

core::Result<std::optional<int>> CredentialStore::weightOf(const std::string& person) {
    weightOf_.bind(1, person);
    return oneRow<int>(weightOf_,
                       [](const core::Statement& s) { return static_cast<int>(s.columnInt(0)); });
}

core::Result<void> CredentialStore::transaction(const std::function<core::Result<void>()>& body) {
    if (auto r = begin_.run(); !r) {
        return r;
    }
    auto result = body();
    if (!result) {
        (void)rollback_.run();
        return result;
    }
    if (auto r = commit_.run(); !r) {
        (void)rollback_.run();
        return r;
    }
    return {};
}

core::Result<CredentialSnapshot> CredentialStore::loadSnapshot() {
    // One read transaction, so the tables are seen at one point in time.
    if (auto begin = db_.exec("BEGIN"); !begin) {
        return begin.error();
    }
    auto snapshot = loadUncheckedSnapshot(db_);
    (void)db_.exec("COMMIT");
    return snapshot;
}

core::Result<std::int64_t> CredentialStore::dataVersion() {
    auto row = dataVersion_.step();
    if (!row || !row.value()) {
        dataVersion_.reset();
        return core::makeError("store.data_version", "PRAGMA data_version returned no row");
    }
    const std::int64_t version = dataVersion_.columnInt(0);
    dataVersion_.reset();
    return version;
}

}  // namespace sekimori::doors

namespace sekimori::doors {

core::Result<std::int64_t> CredentialStore::generation() {
    auto row = generation_.step();
    if (!row) {
        generation_.reset();
        return row.error();
    }
    if (!row.value()) {
        generation_.reset();
        return core::makeError("doors.generation", "door_generation has no row");
    }
    const std::int64_t n = generation_.columnInt(0);
    generation_.reset();
    return n;
}

}  // namespace sekimori::doors
