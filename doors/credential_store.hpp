#pragma once
// Who may open which door with what: people, cards, PIN hashes, sealed fingerprint templates
// and zone grants, in SQLite (component "doors"). Secrets are stored only as a keyed hash (PIN)
// or sealed with the template key (fingerprint); this class never sees them in clear.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/crypto.hpp"
#include "core/result.hpp"
#include "core/row_digest.hpp"
#include "core/row_digest_index.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::doors {

struct PersonRecord {
    std::string id;
    std::string name;
    bool active = true;
    core::Bytes pinHash;    // HMAC-SHA-256 under the pepper key; empty: no PIN enrolled
    core::Bytes fingerBox;  // template sealed with the template key; empty: none enrolled
};

enum class CardState { active, revoked };

struct CardRecord {
    std::string uid;  // upper-case hex
    std::string person;
    CardState state = CardState::active;
};

// Everything the controller decides from, loaded whole in one read transaction.
struct CredentialSnapshot {
    std::unordered_map<std::string, PersonRecord> people;  // by id
    std::unordered_map<std::string, CardRecord> cards;     // by uid
    std::map<std::pair<std::string, std::string>, std::string>
        grants;  // (person, zone) -> schedule

    // Rows left out because their digest does not match the trail (doors/credential_cache);
    // the service raises credential.row_mismatch for each.
    std::vector<core::RowDigestMismatch> refusedRows;

    const PersonRecord* person(const std::string& id) const;
    const CardRecord* card(const std::string& uid) const;
    const std::string* grantSchedule(const std::string& person, const std::string& zone) const;
};

// The tables whose rows decide who gets in, under the trail's row digests (core/row_digest):
// door_people(id), door_cards(uid), door_pins(person), door_fingerprints(person),
// door_zone_grants(person, zone). Pending templates are not here: they decide nothing.
const std::vector<core::AuditedTable>& kAuditedTables();
const core::AuditedTable& peopleTable();
const core::AuditedTable& cardsTable();
const core::AuditedTable& pinsTable();
const core::AuditedTable& fingerprintsTable();
const core::AuditedTable& grantsTable();

class CredentialStore {
  public:
    // Applies the "doors" migrations and prepares every statement.
    static core::Result<std::unique_ptr<CredentialStore>> open(core::Database& db);

    // For a connection that only reads (the credential cache's): prepares every statement and
    // migrates nothing; the daemon migrated at start (open).
    static core::Result<std::unique_ptr<CredentialStore>> attach(core::Database& db);

    core::Result<std::optional<PersonRecord>> findPerson(const std::string& id);
    core::Result<std::optional<CardRecord>> findCard(const std::string& uid);
    // The person's active card, if any.
    core::Result<std::optional<CardRecord>> activeCardOf(const std::string& person);

    core::Result<void> insertPerson(const std::string& id, const std::string& name);
    core::Result<void> insertCard(const std::string& uid, const std::string& person);
    core::Result<void> revokeCard(const std::string& uid);
    core::Result<void> storePinHash(const std::string& person, const core::Bytes& hash);
    core::Result<void> storeFingerBox(const std::string& person, const core::Bytes& box);
    core::Result<void> storeGrant(const std::string& person, const std::string& zone,
                                  const std::string& scheduleId);

    // A template waiting for its approval (policy::ApprovalEngine), sealed for `person`, keyed
    // by the approval id; it decides nothing until the approval moves it into
    // door_fingerprints.
    struct PendingTemplate {
        std::string person;
        core::Bytes box;
    };
    core::Result<void> stagePendingTemplate(const std::string& approval, const std::string& person,
                                            const core::Bytes& box);
    core::Result<std::optional<PendingTemplate>> findPendingTemplate(const std::string& approval);
    core::Result<void> dropPendingTemplate(const std::string& approval);

    // loadRows inside its own read transaction.
    core::Result<CredentialSnapshot> loadSnapshot();
    // Every credential row; the caller holds the read transaction (the cache reads the trail's
    // row digests in the same one).
    core::Result<CredentialSnapshot> loadRows();
    // PRAGMA data_version: changes when another connection (the CLI) commits.
    core::Result<std::int64_t> dataVersion();
    // Bumped by a trigger on every write to the credential tables, by any connection.
    core::Result<std::int64_t> generation();

    // Runs `body` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it fails).
    core::Result<void> transaction(const std::function<core::Result<void>()>& body);

    // The connection the store works on (row digests are computed on it).
    core::Database& database() { return db_; }

  private:
    explicit CredentialStore(core::Database& db) : db_(db) {}
    core::Result<void> prepareAll();

    core::Database& db_;
    core::Statement findPerson_, findCard_, activeCardOf_, insertPerson_, insertCard_, revokeCard_,
        storePin_, storeFinger_, storeGrant_, stagePending_, findPending_, dropPending_, allPeople_,
        allCards_, allGrants_, dataVersion_, generation_, begin_, commit_, rollback_;
};

}  // namespace sekimori::doors
