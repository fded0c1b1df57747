#include "doors/credential_snapshot.hpp"

#include <cstdint>
#include <functional>

namespace sekimori::doors {
namespace {

// The shard of a key: the high bits of a multiplicative mix of std::hash, so the shard and the
// bucket inside it (std::hash modulo a prime) do not follow each other.
template <std::size_t N>
std::size_t shardOf(const std::string& key) {
    static_assert((N & (N - 1)) == 0, "shard counts are powers of two");
    constexpr int bits = std::countr_zero(N);
    const std::uint64_t h = std::hash<std::string>{}(key)*0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(h >> (64 - bits));
}

template <class V, std::size_t N>
const V* lookup(const std::array<std::shared_ptr<std::unordered_map<std::string, V>>, N>& shards,
                const std::string& key) {
    const auto& shard = shards[shardOf<N>(key)];
    if (!shard) {
        return nullptr;
    }
    auto it = shard->find(key);
    return it == shard->end() ? nullptr : &it->second;
}

}  // namespace

CredentialSnapshot::CredentialSnapshot()
    : groupLevels_(std::make_shared<Shard<std::vector<LevelAssignment>>>()) {}

template <class V, std::size_t N>
CredentialSnapshot::Shard<V>& CredentialSnapshot::writable(Shards<V, N>& shards,
                                                           const std::string& key) {
    auto& shard = shards[shardOf<N>(key)];
    if (!shard) {
        shard = std::make_shared<Shard<V>>();
    } else if (shard.use_count() > 1) {
        // Shared with an older snapshot (maybe read on the io thread right now): copy it.
        shard = std::make_shared<Shard<V>>(*shard);
    }
    return *shard;
}

const PersonRecord* CredentialSnapshot::person(const std::string& id) const {
    return lookup(people_, id);
}

const CardRecord* CredentialSnapshot::card(const std::string& uid) const {
    const CardRecord* found = lookup(cards_, uid);
    return found != nullptr && person(found->person) != nullptr ? found : nullptr;
}

const std::string* CredentialSnapshot::grantSchedule(const std::string& personId,
                                                     const std::string& zone) const {
    const PersonRecord* p = person(personId);
    if (p == nullptr) {
        return nullptr;
    }
    for (const auto& grant : p->grants) {
        if (grant.zone == zone) {
            return &grant.schedule;
        }
    }
    return nullptr;
}

const std::string* CredentialSnapshot::personByKeypadHash(const core::Bytes& codeHash) const {
    const std::string* found = lookup(keypad_, codeHash);
    if (found == nullptr) {
        return nullptr;
    }
    const PersonRecord* holder = person(*found);
    return holder != nullptr && holder->keypadHash == codeHash ? found : nullptr;
}

const std::vector<LevelAssignment>* CredentialSnapshot::groupLevels(
    const std::string& group) const {
    auto it = groupLevels_->find(group);
    return it == groupLevels_->end() ? nullptr : &it->second;
}

void CredentialSnapshot::putPerson(PersonRecord record) {
    auto& shard = writable(people_, record.id);
    const std::string id = record.id;
    auto [it, inserted] = shard.insert_or_assign(id, std::move(record));
    peopleCount_ += inserted ? 1 : 0;
}

void CredentialSnapshot::erasePerson(const std::string& id) {
    if (lookup(people_, id) == nullptr) {
        return;
    }
    writable(people_, id).erase(id);
    --peopleCount_;
}

PersonRecord* CredentialSnapshot::editPerson(const std::string& id) {
    if (lookup(people_, id) == nullptr) {
        return nullptr;
    }
    return &writable(people_, id).at(id);
}

void CredentialSnapshot::putCard(CardRecord record) {
    auto& shard = writable(cards_, record.uid);
    const std::string uid = record.uid;
    auto [it, inserted] = shard.insert_or_assign(uid, std::move(record));
    cardCount_ += inserted ? 1 : 0;
}

void CredentialSnapshot::eraseCard(const std::string& uid) {
    if (lookup(cards_, uid) == nullptr) {
        return;
    }
    writable(cards_, uid).erase(uid);
    --cardCount_;
}

void CredentialSnapshot::putKeypad(const core::Bytes& codeHash, const std::string& personId) {
    writable(keypad_, codeHash).insert_or_assign(codeHash, personId);
}

void CredentialSnapshot::eraseKeypad(const core::Bytes& codeHash) {
    if (lookup(keypad_, codeHash) != nullptr) {
        writable(keypad_, codeHash).erase(codeHash);
    }
}

void CredentialSnapshot::setGroupLevels(const std::string& group,
                                        std::vector<LevelAssignment> levels) {
    if (groupLevels_.use_count() > 1) {
        groupLevels_ = std::make_shared<Shard<std::vector<LevelAssignment>>>(*groupLevels_);
    }
    if (levels.empty()) {
        groupLevels_->erase(group);
    } else {
        groupLevels_->insert_or_assign(group, std::move(levels));
    }
}

std::vector<const PersonRecord*> CredentialSnapshot::allPeople() const {
    std::vector<const PersonRecord*> out;
    out.reserve(peopleCount_);
    for (const auto& shard : people_) {
        if (shard) {
            for (const auto& [id, record] : *shard) {
                out.push_back(&record);
            }
        }
    }
    return out;
}

std::vector<const CardRecord*> CredentialSnapshot::allCards() const {
    std::vector<const CardRecord*> out;
    out.reserve(cardCount_);
    for (const auto& shard : cards_) {
        if (shard) {
            for (const auto& [uid, record] : *shard) {
                if (person(record.person) != nullptr) {
                    out.push_back(&record);
                }
            }
        }
    }
    return out;
}

}  // namespace sekimori::doors
