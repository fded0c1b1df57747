#include "doors/credential_store.hpp"

#include <functional>

namespace sekimori::doors {
namespace {

std::string generationMigration() {
    std::string sql =
        "CREATE TABLE door_generation(id INTEGER PRIMARY KEY CHECK(id = 1), n INTEGER NOT NULL);"
        "INSERT INTO door_generation(id, n) VALUES(1, 0);";
    for (const char* table :
         {"door_people", "door_cards", "door_pins", "door_fingerprints", "door_zone_grants"}) {
        for (const char* op : {"INSERT", "UPDATE", "DELETE"}) {
            sql += std::string("CREATE TRIGGER ") + table + "_" + op + "_generation AFTER " + op +
                   " ON " + table +
                   " BEGIN UPDATE door_generation SET n = n + 1 WHERE id = 1; END;";
        }
    }
    return sql;
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
    };
    return list;
}

CardState cardStateFrom(const std::string& text) {
    return text == "active" ? CardState::active : CardState::revoked;
}

template <class T>
const T* findIn(const std::unordered_map<std::string, T>& map, const std::string& key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
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

const std::vector<core::AuditedTable>& kAuditedTables() {
    static const std::vector<core::AuditedTable> tables{peopleTable(), cardsTable(), pinsTable(),
                                                        fingerprintsTable(), grantsTable()};
    return tables;
}

const PersonRecord* CredentialSnapshot::person(const std::string& id) const {
    return findIn(people, id);
}

const CardRecord* CredentialSnapshot::card(const std::string& uid) const {
    return findIn(cards, uid);
}

const std::string* CredentialSnapshot::grantSchedule(const std::string& personId,
                                                     const std::string& zone) const {
    auto it = grants.find({personId, zone});
    return it == grants.end() ? nullptr : &it->second;
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
        {&allPeople_,
         "SELECT p.id, p.name, p.active, pin.hash, f.template_box FROM door_people p"
         " LEFT JOIN door_pins pin ON pin.person = p.id"
         " LEFT JOIN door_fingerprints f ON f.person = p.id"},
        {&allCards_, "SELECT uid, person, state FROM door_cards"},
        {&allGrants_, "SELECT person, zone, schedule FROM door_zone_grants"},
        {&dataVersion_, "PRAGMA data_version"},
        {&generation_, "SELECT n FROM door_generation WHERE id = 1"},
        {&begin_, "BEGIN IMMEDIATE"},
        {&commit_, "COMMIT"},
        {&rollback_, "ROLLBACK"},
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
    return PersonRecord{s.columnText(0), s.columnText(1), s.columnInt(2) != 0, s.columnBlob(3),
                        s.columnBlob(4)};
}

CardRecord cardFromRow(const core::Statement& s) {
    return CardRecord{s.columnText(0), s.columnText(1), cardStateFrom(s.columnText(2))};
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
    auto snapshot = loadRows();
    (void)db_.exec("COMMIT");
    return snapshot;
}

core::Result<CredentialSnapshot> CredentialStore::loadRows() {
    CredentialSnapshot snapshot;
    const auto each = [](core::Statement& s, auto&& onRow) -> core::Result<void> {
        for (;;) {
            auto row = s.step();
            if (!row) {
                s.reset();
                return row.error();
            }
            if (!row.value()) {
                s.reset();
                return {};
            }
            onRow(s);
        }
    };
    auto loaded = each(allPeople_, [&](const core::Statement& s) {
        auto p = personFromRow(s);
        snapshot.people.emplace(p.id, std::move(p));
    });
    if (loaded) {
        loaded = each(allCards_, [&](const core::Statement& s) {
            auto c = cardFromRow(s);
            snapshot.cards.emplace(c.uid, std::move(c));
        });
    }
    if (loaded) {
        loaded = each(allGrants_, [&](const core::Statement& s) {
            snapshot.grants[{s.columnText(0), s.columnText(1)}] = s.columnText(2);
        });
    }
    if (!loaded) {
        return loaded.error();
    }
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
