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

#include "core/crypto.hpp"
#include "core/result.hpp"
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

    const PersonRecord* person(const std::string& id) const;
    const CardRecord* card(const std::string& uid) const;
    const std::string* grantSchedule(const std::string& person, const std::string& zone) const;
};

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

    core::Result<CredentialSnapshot> loadSnapshot();
    // PRAGMA data_version: changes when another connection (the CLI) commits.
    core::Result<std::int64_t> dataVersion();
    // Bumped by a trigger on every write to the credential tables, by any connection.
    core::Result<std::int64_t> generation();

    // Runs `body` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it fails).
    core::Result<void> transaction(const std::function<core::Result<void>()>& body);

  private:
    explicit CredentialStore(core::Database& db) : db_(db) {}
    core::Result<void> prepareAll();

    core::Database& db_;
    core::Statement findPerson_, findCard_, activeCardOf_, insertPerson_, insertCard_, revokeCard_,
        storePin_, storeFinger_, storeGrant_, allPeople_, allCards_, allGrants_, dataVersion_,
        generation_, begin_, commit_, rollback_;
};

}  // namespace sekimori::doors
