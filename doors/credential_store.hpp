#pragma once
// Who may open which door with what: people (with their organisation, validity dates and escort
// flag), cards, PIN hashes, sealed fingerprint templates (two fingers), keypad code hashes, zone
// grants, group memberships and access-level assignments, in SQLite (component "doors"). Secrets
// are stored only as a keyed hash (PIN, keypad code) or sealed with the template key
// (fingerprint); this class never sees them in clear. Photos live here too; they decide nothing.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/result.hpp"
#include "core/row_digest.hpp"
#include "core/sqlite_db.hpp"
#include "doors/credential_snapshot.hpp"

namespace sekimori::doors {

// The tables whose rows decide who gets in, under the trail's row digests (core/row_digest):
// door_people(id), door_cards(uid), door_pins(person), door_fingerprints(person),
// door_zone_grants(person, zone), door_person_details(person), door_backup_fingerprints(person),
// door_group_members(group_id, person), door_level_assignments(holder_kind, holder, level),
// door_keypad_codes(person), door_offline_pins(person, panel), door_person_weights(person).
// Pending templates and photos are not here: they decide nothing.
const std::vector<core::AuditedTable>& kAuditedTables();
const core::AuditedTable& peopleTable();
const core::AuditedTable& cardsTable();
const core::AuditedTable& pinsTable();
const core::AuditedTable& fingerprintsTable();
const core::AuditedTable& grantsTable();
const core::AuditedTable& personDetailsTable();
const core::AuditedTable& backupFingerprintsTable();
const core::AuditedTable& groupMembersTable();
const core::AuditedTable& levelAssignmentsTable();
const core::AuditedTable& keypadCodesTable();
// Issue 15: door_offline_pins(person, panel) and door_person_weights(person).
const core::AuditedTable& offlinePinsTable();
const core::AuditedTable& personWeightsTable();

// Error code of storeKeypadCode when the hash belongs to another person (409).
inline constexpr std::string_view kKeypadCodeTaken = "doors.keypad_code_taken";

// door_person_details: what the person page edits beside the name (0 = unbounded dates).
struct PersonDetails {
    std::string organisation;
    core::TimeUs validFromUs = 0;
    core::TimeUs validUntilUs = 0;
    bool escortRequired = false;
};

// Who holds an access level: one person, or every member of a group.
enum class LevelHolder { person, group };
std::string_view toString(LevelHolder holder);  // "person" | "group" (the holder_kind column)

// door_photos: not audited (its sha256 travels in person.photo_set).
struct PersonPhoto {
    std::string mime;  // image/jpeg | image/png
    core::Bytes bytes;
    std::string sha256;  // 64 lower-case hex
};

class CredentialStore {
  public:
    // Applies the "doors" migrations and prepares every statement.
    static core::Result<std::unique_ptr<CredentialStore>> open(core::Database& db);

    // For a connection that only reads (the credential cache's): prepares every statement and
    // migrates nothing; the daemon migrated at start (open).
    static core::Result<std::unique_ptr<CredentialStore>> attach(core::Database& db);

    // The person row with their PIN hash and templates (details, grants, levels and groups are
    // left empty: read them with the helpers below, or from a snapshot).
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

    // Issue 14's writes (doors/enrollment calls them inside its Change; each returns, for a
    // delete or an update, whether a row was there).
    core::Result<void> upsertPersonDetails(const std::string& person, const PersonDetails& details);
    core::Result<bool> setActive(const std::string& person, bool active);
    core::Result<bool> deleteGrant(const std::string& person, const std::string& zone);
    // The second finger (door_backup_fingerprints), sealed like the first.
    core::Result<void> storeBackupFingerBox(const std::string& person, const core::Bytes& box);
    core::Result<void> addGroupMember(const std::string& group, const std::string& person);
    core::Result<bool> removeGroupMember(const std::string& group, const std::string& person);
    core::Result<void> upsertLevelAssignment(LevelHolder kind, const std::string& holder,
                                             const LevelAssignment& assignment);
    core::Result<bool> deleteLevelAssignment(LevelHolder kind, const std::string& holder,
                                             const std::string& level);
    // kKeypadCodeTaken when another person holds that hash; replaces the person's own code.
    core::Result<void> storeKeypadCode(const std::string& person, const core::Bytes& codeHash);
    // Whether a person other than `person` holds `codeHash` (enrollment also refuses a code whose
    // duress variant or origin is another's: one keypad entry must name one person).
    core::Result<bool> keypadCodeHeldByOther(const std::string& person,
                                             const core::Bytes& codeHash);
    core::Result<void> storePhoto(const std::string& person, const PersonPhoto& photo);
    // Issue 15: the PIN's offline hash for one panel (64 hex, doors/credential_binding
    // offlinePinHash), the panels a person has one for, and the enrolled weight in grams.
    core::Result<void> storeOfflinePinHash(const std::string& person, const std::string& panel,
                                           const std::string& hashHex);
    core::Result<std::vector<std::string>> offlinePinPanels(const std::string& person);
    core::Result<bool> deleteOfflinePinHash(const std::string& person, const std::string& panel);
    core::Result<void> storeWeight(const std::string& person, int weightG);
    core::Result<bool> deleteWeight(const std::string& person);
    core::Result<std::optional<int>> weightOf(const std::string& person);
    core::Result<std::optional<PersonPhoto>> findPhoto(const std::string& person);

    // Read helpers for the person page (doors/person_routes) and enrollment's checks.
    core::Result<std::optional<PersonDetails>> findPersonDetails(const std::string& person);
    core::Result<std::vector<ZoneGrant>> grantsOf(const std::string& person);
    core::Result<std::vector<LevelAssignment>> levelsOf(LevelHolder kind,
                                                        const std::string& holder);
    core::Result<std::vector<std::string>> groupsOf(const std::string& person);
    core::Result<std::vector<std::string>> membersOf(const std::string& group);
    core::Result<std::vector<CardRecord>> cardsOf(const std::string& person);  // every state
    // Whether the person has a second finger / a keypad code (the page shows booleans only).
    core::Result<bool> hasBackupFinger(const std::string& person);
    core::Result<bool> hasKeypadCode(const std::string& person);

    // A template waiting for its approval (policy::ApprovalEngine), sealed for `person`, keyed
    // by the approval id; it decides nothing until the approval moves it into
    // door_fingerprints (or door_backup_fingerprints).
    struct PendingTemplate {
        std::string person;
        core::Bytes box;
    };
    core::Result<void> stagePendingTemplate(const std::string& approval, const std::string& person,
                                            const core::Bytes& box);
    core::Result<std::optional<PendingTemplate>> findPendingTemplate(const std::string& approval);
    core::Result<void> dropPendingTemplate(const std::string& approval);

    // Every credential row, unchecked, in its own read transaction (tests and tools; the
    // daemon's cache checks each row against the trail: doors/credential_loader).
    core::Result<CredentialSnapshot> loadSnapshot();
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
    core::Result<bool> runCounting(core::Statement& s);

    core::Database& db_;
    core::Statement findPerson_, findCard_, activeCardOf_, insertPerson_, insertCard_, revokeCard_,
        storePin_, storeFinger_, storeGrant_, stagePending_, findPending_, dropPending_,
        dataVersion_, generation_, begin_, commit_, rollback_;
    core::Statement upsertDetails_, setActive_, deleteGrant_, storeBackup_, addMember_,
        removeMember_, upsertLevel_, deleteLevel_, keypadOwner_, storeKeypad_, storePhoto_,
        findPhoto_, findDetails_, grantsOf_, levelsOf_, groupsOf_, membersOf_, cardsOf_, hasBackup_,
        hasKeypad_;
    core::Statement storeOfflinePin_, offlinePinPanels_, deleteOfflinePin_, storeWeight_,
        deleteWeight_, weightOf_;
};

}  // namespace sekimori::doors
