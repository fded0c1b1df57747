#pragma once
// Everything the controller decides from: people, cards, keypad codes and the levels of groups,
// as the credential cache last loaded and checked them (doors/credential_cache). Copy-on-write
// and sharded by key, so one change is applied by copying the shard it lands in and sharing the
// rest with the previous snapshot (two million people: a shard holds a few hundred). A snapshot
// is immutable once handed to the io thread; readers never lock.
#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/row_digest_index.hpp"

namespace sekimori::doors {

// A direct zone grant (door_zone_grants).
struct ZoneGrant {
    std::string zone;
    std::string schedule;
};

// An access level held by a person or a group (door_level_assignments); 0 = unbounded date.
struct LevelAssignment {
    std::string level;
    core::TimeUs validFromUs = 0;
    core::TimeUs validUntilUs = 0;
};

struct PersonRecord {
    std::string id;
    std::string name;
    bool active = true;
    core::Bytes pinHash;    // HMAC-SHA-256 under the pepper key; empty: no PIN enrolled
    core::Bytes fingerBox;  // template sealed with the template key; empty: none enrolled
    // door_person_details (absent: all defaults)
    std::string organisation;
    bool escortRequired = false;
    core::TimeUs validFromUs = 0, validUntilUs = 0;  // 0 = unbounded
    core::Bytes secondFingerBox;                     // empty: one finger
    core::Bytes keypadHash;                          // door_keypad_codes; empty: none
    std::vector<ZoneGrant> grants;                   // direct zone grants
    std::vector<LevelAssignment> levels;             // assigned to the person
    std::vector<std::string> groups;                 // member of
    // Issue 15 (doors/offline_sync): door_offline_pins, the PIN's offline hash per panel
    // (panel id -> 64 hex, docs/mqtt.md "Offline operation"), and door_person_weights, the
    // enrolled weight for circle gates in grams (0: none).
    std::map<std::string, std::string> offlinePinHashes{};
    int weightG = 0;
};

enum class CardState { active, revoked };

struct CardRecord {
    std::string uid;  // canonical (upper-case hex, or W26-/W34-/W37-)
    std::string person;
    CardState state = CardState::active;
};

class CredentialSnapshot {
  public:
    CredentialSnapshot();

    // nullptr when unknown or left out (its row does not match the trail).
    const PersonRecord* person(const std::string& id) const;
    // nullptr also when the card's holder is not in the snapshot (a refused person row takes
    // their cards along).
    const CardRecord* card(const std::string& uid) const;
    const std::string* grantSchedule(const std::string& person, const std::string& zone) const;
    // The person whose keypad code hash this is (PIN-only keypad doors); only while that
    // person is in the snapshot and still holds this code.
    const std::string* personByKeypadHash(const core::Bytes& codeHash) const;
    // The levels assigned to a group (nullptr: none).
    const std::vector<LevelAssignment>* groupLevels(const std::string& group) const;
    std::size_t peopleCount() const { return peopleCount_; }
    std::size_t cardCount() const { return cardCount_; }

    // Rows left out because their digest does not match the trail; the service raises
    // credential.row_mismatch for each.
    std::vector<core::RowDigestMismatch> refusedRows;

    // Building (doors/credential_loader): a copy of a snapshot shares every shard; each change
    // below copies the one shard it touches, unless this snapshot alone holds it.
    void putPerson(PersonRecord record);
    void erasePerson(const std::string& id);
    // The person's record to change in place (its shard copied first when shared); nullptr
    // when absent.
    PersonRecord* editPerson(const std::string& id);
    void putCard(CardRecord record);
    void eraseCard(const std::string& uid);
    void putKeypad(const core::Bytes& codeHash, const std::string& person);
    void eraseKeypad(const core::Bytes& codeHash);
    void setGroupLevels(const std::string& group, std::vector<LevelAssignment> levels);
    // Every person, in no order (tests, tools).
    std::vector<const PersonRecord*> allPeople() const;
    // Every card whose holder is in the snapshot, in no order (doors/offline_sync).
    std::vector<const CardRecord*> allCards() const;

    static constexpr std::size_t kPersonShards = 4096;
    static constexpr std::size_t kCardShards = 4096;
    static constexpr std::size_t kKeypadShards = 256;

  private:
    template <class V>
    using Shard = std::unordered_map<std::string, V>;
    template <class V, std::size_t N>
    using Shards = std::array<std::shared_ptr<Shard<V>>, N>;

    template <class V, std::size_t N>
    static Shard<V>& writable(Shards<V, N>& shards, const std::string& key);

    Shards<PersonRecord, kPersonShards> people_;
    Shards<CardRecord, kCardShards> cards_;
    Shards<std::string, kKeypadShards> keypad_;
    std::shared_ptr<Shard<std::vector<LevelAssignment>>> groupLevels_;
    std::size_t peopleCount_ = 0;
    std::size_t cardCount_ = 0;
};

}  // namespace sekimori::doors
