#include "doors/offline_sync.hpp"

#include <sodium.h>

#include <algorithm>

#include "core/log.hpp"
#include "doors/credential_binding.hpp"
#include "doors/door_event_types.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";

void wipe(core::Bytes& secret) {
    if (!secret.empty()) {
        sodium_memzero(secret.data(), secret.size());
    }
}

std::size_t base64Length(std::size_t bytes) {
    return (bytes + 2) / 3 * 4;
}

// Per day and holiday rule, the union of the windows, sorted; at most kMaxOfflineWindows kept
// (the panel then refuses at times the rest would have admitted: never the other way round).
std::vector<protocol::OfflineWindow> merged(std::vector<protocol::OfflineWindow> windows) {
    std::sort(windows.begin(), windows.end(), [](const auto& a, const auto& b) {
        if (a.day != b.day) {
            return a.day < b.day;
        }
        return a.holidays != b.holidays ? a.holidays < b.holidays : a.fromMin < b.fromMin;
    });
    std::vector<protocol::OfflineWindow> out;
    for (const auto& w : windows) {
        if (!out.empty() && out.back().day == w.day && out.back().holidays == w.holidays &&
            w.fromMin <= out.back().untilMin) {
            out.back().untilMin = std::max(out.back().untilMin, w.untilMin);
        } else {
            out.push_back(w);
        }
    }
    if (out.size() > protocol::kMaxOfflineWindows) {
        out.resize(protocol::kMaxOfflineWindows);
    }
    return out;
}

std::vector<protocol::OfflineWindow> wholeWeek() {
    std::vector<protocol::OfflineWindow> out;
    for (int day = 0; day < 7; ++day) {
        out.push_back(protocol::OfflineWindow{day, 0, 1440});
    }
    return out;
}

// 0 is unbounded at either end.
core::TimeUs earlierEnd(core::TimeUs a, core::TimeUs b) {
    if (a == 0) {
        return b;
    }
    if (b == 0) {
        return a;
    }
    return std::min(a, b);
}

// Length-prefixed, so no two field lists encode alike.
void appendField(std::string& out, std::string_view field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
}

void appendField(std::string& out, std::int64_t value) {
    appendField(out, std::to_string(value));
}

// Every field of an entry but its card, encoded once per person: the digest of each of the
// person's cards then hashes this and the card. The boxes enter by their digest. No JSON here:
// the sync recomputes every panel's entries, on the io thread.
std::string personFields(const protocol::CacheEntry& e) {
    std::string out;
    appendField(out, e.person);
    appendField(out, e.validFromUs);
    appendField(out, e.validUntilUs);
    for (const auto* side : {&e.entryWindows, &e.exitWindows}) {
        appendField(out, static_cast<std::int64_t>(side->size()));
        for (const auto& w : *side) {
            appendField(out, w.day);
            appendField(out, w.fromMin);
            appendField(out, w.untilMin);
            appendField(out, static_cast<std::int64_t>(w.holidays));
        }
    }
    appendField(out, e.pinHash);
    for (const auto* box : {&e.templateBox, &e.templateBox2}) {
        appendField(out, box->empty() ? std::string() : core::toHex(core::sha256(*box)));
    }
    appendField(out, e.weightG);
    return out;
}

std::string entryDigest(std::string fields, const std::string& card) {
    appendField(fields, card);
    return core::toHex(core::sha256(fields));
}

// The earliest of `at` and `candidate`, for a candidate after `now` (0: none yet).
void earliestAfter(core::TimeUs& at, core::TimeUs candidate, core::TimeUs now) {
    if (candidate > now && (at == 0 || candidate < at)) {
        at = candidate;
    }
}

}  // namespace

std::vector<protocol::OfflineWindow> offlineWindows(const policy::Schedule& schedule) {
    std::vector<protocol::OfflineWindow> out;
    protocol::WindowHolidays rule = protocol::WindowHolidays::any;
    if (schedule.holidays == policy::HolidayRule::closedOnHolidays) {
        rule = protocol::WindowHolidays::closedOnHolidays;
    } else if (schedule.holidays == policy::HolidayRule::holidaysOnly) {
        rule = protocol::WindowHolidays::holidaysOnly;
    }
    for (const auto& w : schedule.windows) {
        for (int day = 0; day < 7; ++day) {
            if ((w.days & (1U << static_cast<unsigned>(day))) != 0 && w.endMinute > w.startMinute) {
                out.push_back(protocol::OfflineWindow{day, w.startMinute, w.endMinute, rule});
            }
        }
    }
    return merged(std::move(out));
}

std::vector<std::int64_t> offlineHolidays(const Schedules& schedules, core::TimeUs now) {
    std::vector<std::int64_t> days;
    for (const auto& [id, schedule] : schedules) {
        if (!schedule.calendar) {
            continue;
        }
        // The site's calendar (every schedule shares it), from the day before (a panel a few
        // hours behind UTC's date) through the horizon.
        const std::int64_t today = policy::toLocal(now, schedule.utcOffsetMinutes).day;
        for (std::int64_t day = today - 1; day <= today + kOfflineHolidayHorizonDays &&
                                           days.size() < protocol::kMaxOfflineHolidays;
             ++day) {
            if (schedule.calendar->isHoliday(day)) {
                days.push_back(day);
            }
        }
        break;
    }
    return days;
}

std::map<std::string, WantedEntry> wantedEntries(const DoorSpec& door, const std::string& panel,
                                                 const CredentialSnapshot& snapshot,
                                                 const AccessLevels& levels,
                                                 const Schedules& schedules, core::TimeUs now,
                                                 bool entryOffline, core::TimeUs* changesAtUs) {
    struct PersonPart {
        bool include = false;
        protocol::CacheEntry base;
        std::string fields;  // personFields(base)
    };
    core::TimeUs changesAt = 0;
    std::map<std::string, PersonPart> byPerson;
    const auto partFor = [&](const PersonRecord& person) -> const PersonPart& {
        auto found = byPerson.find(person.id);
        if (found != byPerson.end()) {
            return found->second;
        }
        PersonPart part;
        protocol::CacheEntry& e = part.base;
        e.person = person.id;
        e.validFromUs = person.validFromUs;
        // Entry: what names the door's inner zone, through a grant, an own level or a group's
        // level that is within its dates now; each level's end bounds the entry.
        std::vector<protocol::OfflineWindow> entry;
        bool anySource = false;
        core::TimeUs sourcesUntil = -1;  // -1: none yet; 0: unbounded
        const auto addSchedule = [&](const std::string& id, core::TimeUs until) {
            auto schedule = schedules.find(id);
            if (schedule == schedules.end()) {
                return;
            }
            const auto windows = offlineWindows(schedule->second);
            if (windows.empty()) {
                return;
            }
            entry.insert(entry.end(), windows.begin(), windows.end());
            anySource = true;
            sourcesUntil = sourcesUntil == 0 || until == 0 ? 0 : std::max(sourcesUntil, until);
        };
        for (const auto& grant : person.grants) {
            if (grant.zone == door.toZone) {
                addSchedule(grant.schedule, 0);
            }
        }
        const auto addLevels = [&](const std::vector<LevelAssignment>& assignments) {
            for (const auto& a : assignments) {
                earliestAfter(changesAt, a.validFromUs, now);
                earliestAfter(changesAt, a.validUntilUs, now);
                if (!withinDates(a.validFromUs, a.validUntilUs, now)) {
                    continue;
                }
                auto level = levels.find(a.level);
                if (level == levels.end()) {
                    continue;
                }
                for (const auto& row : level->second.zones) {
                    if (row.zone == door.toZone) {
                        addSchedule(row.schedule, a.validUntilUs);
                    }
                }
            }
        };
        addLevels(person.levels);
        for (const auto& group : person.groups) {
            if (const auto* assignments = snapshot.groupLevels(group)) {
                addLevels(*assignments);
            }
        }
        e.entryWindows = merged(std::move(entry));
        if (!entryOffline) {
            e.entryWindows.clear();
        }
        // Exit is never refused for a schedule or a missing grant (doors/README.md): a door
        // that asks for a card to leave lets every active card holder out at any time.
        if (!door.exitFactors.empty()) {
            e.exitWindows = wholeWeek();
        }
        e.validUntilUs = person.validUntilUs;
        if (anySource && e.exitWindows.empty()) {
            e.validUntilUs =
                earlierEnd(person.validUntilUs, std::max<core::TimeUs>(sourcesUntil, 0));
        }
        part.include = !e.entryWindows.empty() || !e.exitWindows.empty();
        if (part.include) {
            auto pin = person.offlinePinHashes.find(panel);
            e.pinHash = pin == person.offlinePinHashes.end() ? std::string() : pin->second;
            e.templateBox = person.fingerBox;
            e.templateBox2 = person.secondFingerBox;
            e.weightG = person.weightG;
            part.fields = personFields(e);
        }
        return byPerson.emplace(person.id, std::move(part)).first->second;
    };
    std::map<std::string, WantedEntry> out;
    for (const CardRecord* card : snapshot.allCards()) {
        if (card->state != CardState::active || !protocol::isDenyListCardId(card->uid)) {
            continue;
        }
        const PersonRecord* person = snapshot.person(card->person);
        if (person == nullptr || !person->active) {
            continue;
        }
        const PersonPart& part = partFor(*person);
        if (!part.include) {
            continue;
        }
        WantedEntry wanted{part.base, {}};
        wanted.entry.card = card->uid;
        wanted.digest = entryDigest(part.fields, card->uid);
        out.emplace(card->uid, std::move(wanted));
    }
    if (changesAtUs != nullptr) {
        *changesAtUs = changesAt;
    }
    return out;
}

namespace {

// The command's envelope: id, type, version, epoch, counter, nonce, mac and field names.
constexpr std::size_t kPutEnvelopeBytes = 512;

// One entry's share of a cache_put's encoded size.
std::size_t estimatedEntryBytes(const protocol::CacheEntry& e) {
    return 256 + e.card.size() + e.person.size() + e.pinHash.size() +
           48 * (e.entryWindows.size() + e.exitWindows.size()) +
           base64Length(e.templateBox.size()) + base64Length(e.templateBox2.size());
}

}  // namespace

std::size_t estimatedPutBytes(const std::vector<protocol::CacheEntry>& entries) {
    std::size_t bytes = kPutEnvelopeBytes;
    for (const auto& e : entries) {
        bytes += estimatedEntryBytes(e);
    }
    return bytes;
}

protocol::OfflinePolicy offlinePolicyFor(const DoorSpec& door, const OfflineConfig& config,
                                         bool twoPerson, std::vector<std::int64_t> holidays) {
    protocol::OfflinePolicy policy;
    policy.door = door.id;
    policy.entryFactors = door.entryFactors;
    policy.exitFactors = door.exitFactors;
    policy.twoPerson = twoPerson;
    policy.twoPersonWindowMs =
        static_cast<int>(std::chrono::milliseconds(config.twoPersonWindow).count());
    policy.fingerThreshold = door.fingerThreshold;
    policy.unlockMs = door.unlockMs;
    policy.stalenessMs = std::chrono::milliseconds(config.staleness).count();
    policy.degraded = config.degraded;
    policy.journalFull = config.journalFull;
    policy.holidays = std::move(holidays);
    return policy;
}

OfflineSync::OfflineSync(OfflineSyncParts parts) : parts_(std::move(parts)) {
    std::sort(parts_.doors.begin(), parts_.doors.end(),
              [](const DoorSpec& a, const DoorSpec& b) { return a.id < b.id; });
    for (const DoorSpec& door : parts_.doors) {
        Panel& p = panels_[door.panel];
        if (p.door == nullptr) {
            p.id = door.panel;
            p.door = &door;  // parts_.doors no longer changes
        }
    }
}

OfflineSync::~OfflineSync() {
    wipe(parts_.templateKey);
    for (auto& [panel, key] : parts_.panelKeys) {
        wipe(key);
    }
}

void OfflineSync::setCredentials(std::shared_ptr<const CredentialSnapshot> snapshot) {
    snapshot_ = std::move(snapshot);
    ++snapshotGeneration_;
    for (auto& [id, p] : panels_) {
        recompute(p);
        pump(p);
        evaluate(p);
    }
}

void OfflineSync::recompute(Panel& p) {
    if (snapshot_ == nullptr) {
        return;
    }
    const core::TimeUs now = parts_.clock.nowUs();
    const bool entryOffline = !(parts_.workWindowZone && parts_.workWindowZone(p.door->toZone));
    // The entries change only with the snapshot or when a level assignment's dates begin or end:
    // every tick would otherwise rebuild every panel's entries on the io thread.
    if (p.wantedGeneration == snapshotGeneration_ && p.wantedEntryOffline == entryOffline &&
        (p.wantedChangesAtUs == 0 || now < p.wantedChangesAtUs)) {
        return;
    }
    p.wanted = wantedEntries(*p.door, p.id, *snapshot_, parts_.levels, parts_.schedules, now,
                             entryOffline, &p.wantedChangesAtUs);
    p.wantedGeneration = snapshotGeneration_;
    p.wantedEntryOffline = entryOffline;
}

std::uint64_t OfflineSync::nextVersion(Panel& p) {
    std::uint64_t next = p.version + 1;
    if (p.reportedVersion) {
        next = std::max(next, *p.reportedVersion + 1);
    }
    if (!p.versionBased) {
        // After a restart nothing says which versions the panel saw: the clock's µs are above
        // every version an earlier run sent (one a µs would be needed to catch up with it).
        next = std::max(
            next, static_cast<std::uint64_t>(std::max<core::TimeUs>(parts_.clock.nowUs(), 1)));
        p.versionBased = true;
    }
    p.version = std::min(next, protocol::kMaxCounter);
    return p.version;
}

bool OfflineSync::sendTracked(Panel& p, protocol::PanelCommand command, Sent sent) {
    command.id = sent.id;
    if (!parts_.send(p.id, std::move(command))) {
        return false;
    }
    sent.sentUs = parts_.clock.nowUs();
    p.inFlight.push_back(std::move(sent));
    return true;
}

protocol::CacheEntry OfflineSync::sealedForPanel(const Panel& p,
                                                 const protocol::CacheEntry& stored) {
    protocol::CacheEntry out = stored;
    const auto key = parts_.panelKeys.find(p.id);
    for (std::string* box : {&out.templateBox, &out.templateBox2}) {
        if (box->empty()) {
            continue;
        }
        auto plain = key == parts_.panelKeys.end()
                         ? core::Result<core::Bytes>(core::makeError("doors.key", "no panel key"))
                         : openTemplate(parts_.templateKey, stored.person, *box);
        if (!plain) {
            core::logError(kComponent, "a fingerprint template of " + stored.person +
                                           " could not be sealed for panel " + p.id +
                                           ": left out of its offline cache");
            box->clear();
            continue;
        }
        *box = core::toBase64(core::sealBox(key->second, *plain));
        wipe(*plain);
    }
    return out;
}

void OfflineSync::forgetInFlight(Panel& p) {
    for (const Sent& s : p.inFlight) {
        if (s.type == protocol::CommandType::cacheReset) {
            p.needsReset = true;
        }
    }
    p.inFlight.clear();
    p.sentView = p.acked;
    p.syncedVersion = 0;
}

void OfflineSync::pump(Panel& p) {
    if (snapshot_ == nullptr || !p.online.value_or(false)) {
        return;
    }
    if (p.needsReset) {
        if (!p.inFlight.empty()) {
            return;  // wait for the older commands to settle first
        }
        Sent sent;
        sent.version = nextVersion(p);
        sent.id = std::string(kIdPrefix) + std::to_string(sent.version);
        sent.type = protocol::CommandType::cacheReset;
        protocol::PanelCommand reset;
        reset.type = protocol::CommandType::cacheReset;
        reset.version = sent.version;
        if (!sendTracked(p, std::move(reset), std::move(sent))) {
            return;
        }
        p.needsReset = false;
        p.sentView.clear();
        p.syncedVersion = 0;
    }
    // Removes first: a revoked card leaves every cache before anything new arrives.
    std::vector<std::string> removes;
    for (const auto& [card, digest] : p.sentView) {
        if (p.wanted.count(card) == 0) {
            removes.push_back(card);
        }
    }
    for (std::size_t i = 0; i < removes.size() && p.inFlight.size() < kMaxInFlight;
         i += protocol::kMaxCommandCards) {
        const auto end = std::min(removes.size(), i + protocol::kMaxCommandCards);
        Sent sent;
        sent.version = nextVersion(p);
        sent.id = std::string(kIdPrefix) + std::to_string(sent.version);
        sent.type = protocol::CommandType::cacheRemove;
        sent.removes.assign(removes.begin() + static_cast<std::ptrdiff_t>(i),
                            removes.begin() + static_cast<std::ptrdiff_t>(end));
        protocol::PanelCommand remove;
        remove.type = protocol::CommandType::cacheRemove;
        remove.version = sent.version;
        remove.cards = sent.removes;
        const auto cards = sent.removes;
        if (!sendTracked(p, std::move(remove), std::move(sent))) {
            return;
        }
        for (const auto& card : cards) {
            p.sentView.erase(card);
        }
    }
    // Puts, batched under the payload limit; an entry with a template goes alone.
    std::vector<const WantedEntry*> puts;
    for (const auto& [card, wanted] : p.wanted) {
        auto sent = p.sentView.find(card);
        if (sent == p.sentView.end() || sent->second != wanted.digest) {
            puts.push_back(&wanted);
        }
    }
    std::size_t i = 0;
    while (i < puts.size() && p.inFlight.size() < kMaxInFlight) {
        std::vector<protocol::CacheEntry> batch;
        Sent sent;
        // A running total, not a trial copy of the batch: the entries hold templates, and
        // copying them per candidate showed as a 24 ms io handler under ASan.
        std::size_t bytes = kPutEnvelopeBytes;
        while (i < puts.size() && batch.size() < protocol::kMaxCacheEntries) {
            const std::size_t entryBytes = estimatedEntryBytes(puts[i]->entry);
            if (!batch.empty() && bytes + entryBytes > kPutBudget) {
                break;
            }
            protocol::CacheEntry e = puts[i]->entry;
            if (batch.empty() && bytes + entryBytes > kPutBudget) {
                // Alone and still too large: the second finger, then the first, stay behind
                // (offline the panel then refuses the finger: never admits without it).
                e.templateBox2.clear();
                if (kPutEnvelopeBytes + estimatedEntryBytes(e) > kPutBudget) {
                    e.templateBox.clear();
                }
                core::logWarning(kComponent,
                                 "offline cache entry of " + e.person + " for panel " + p.id +
                                     " exceeds the payload limit: " + "templates left out");
            }
            sent.puts.emplace(e.card, puts[i]->digest);
            bytes += estimatedEntryBytes(e);
            batch.push_back(std::move(e));
            ++i;
        }
        sent.version = nextVersion(p);
        sent.id = std::string(kIdPrefix) + std::to_string(sent.version);
        sent.type = protocol::CommandType::cachePut;
        protocol::PanelCommand put;
        put.type = protocol::CommandType::cachePut;
        put.version = sent.version;
        for (const auto& e : batch) {
            put.entries.push_back(sealedForPanel(p, e));
        }
        const auto digests = sent.puts;
        if (!sendTracked(p, std::move(put), std::move(sent))) {
            return;
        }
        for (const auto& [card, digest] : digests) {
            p.sentView[card] = digest;
        }
    }
    if (!pendingDiff(p) && p.syncedVersion != p.version) {
        sendSync(p);  // everything wanted is on its way: the panel is fresh once it applies it
    }
}

void OfflineSync::sendSync(Panel& p) {
    if (p.version == 0 || p.needsReset) {
        return;
    }
    protocol::PanelCommand sync;
    sync.id = std::string(kIdPrefix) + "sync-" + std::to_string(++syncCounter_);
    sync.type = protocol::CommandType::cacheSync;
    sync.version = p.version;
    sync.policy = offlinePolicyFor(*p.door, parts_.config,
                                   parts_.twoPersonZone && parts_.twoPersonZone(p.door->toZone),
                                   offlineHolidays(parts_.schedules, parts_.clock.nowUs()));
    if (parts_.send(p.id, std::move(sync))) {
        p.syncedVersion = p.version;
    }
}

bool OfflineSync::pendingDiff(const Panel& p) const {
    if (p.needsReset || p.sentView.size() != p.wanted.size()) {
        return true;
    }
    for (const auto& [card, wanted] : p.wanted) {
        auto sent = p.sentView.find(card);
        if (sent == p.sentView.end() || sent->second != wanted.digest) {
            return true;
        }
    }
    return false;
}

bool OfflineSync::inSync(const Panel& p) const {
    if (p.needsReset || p.version == 0 || !p.inFlight.empty() || p.ackedVersion != p.version ||
        p.acked.size() != p.wanted.size()) {
        return false;
    }
    for (const auto& [card, wanted] : p.wanted) {
        auto acked = p.acked.find(card);
        if (acked == p.acked.end() || acked->second != wanted.digest) {
            return false;
        }
    }
    return true;
}

void OfflineSync::evaluate(Panel& p) {
    const core::TimeUs now = parts_.clock.nowUs();
    if (inSync(p)) {
        if (p.behindSinceUs) {
            nlohmann::json payload{{"panel", p.id},
                                   {"door", p.door->id},
                                   {"version", p.version},
                                   {"entries", p.wanted.size()},
                                   {"behind_us", now - *p.behindSinceUs},
                                   {"was_alarmed", p.behindRaised}};
            parts_.record(core::Event{now, std::string(kPanelCacheSynced.name), "panel:" + p.id, "",
                                      payload.dump()});
        }
        p.behindSinceUs.reset();
        p.behindRaised = false;
        return;
    }
    if (!p.behindSinceUs) {
        p.behindSinceUs = now;
    }
    const auto bound =
        std::chrono::duration_cast<std::chrono::microseconds>(parts_.config.behindAlarm).count();
    if (!p.behindRaised && now - *p.behindSinceUs >= bound) {
        p.behindRaised = true;
        std::size_t pending = p.inFlight.size();
        for (const auto& [card, wanted] : p.wanted) {
            auto acked = p.acked.find(card);
            pending += acked == p.acked.end() || acked->second != wanted.digest ? 1 : 0;
        }
        nlohmann::json payload{{"panel", p.id},
                               {"door", p.door->id},
                               {"version", p.version},
                               {"acked_version", p.ackedVersion},
                               {"pending", pending},
                               {"behind_since_us", *p.behindSinceUs},
                               {"online", p.online.value_or(false)}};
        parts_.record(core::Event{now, std::string(kPanelCacheBehind.name), "panel:" + p.id, "",
                                  payload.dump()});
        core::logWarning(kComponent, "panel " + p.id + " has stayed behind its offline cache");
    }
}

void OfflineSync::panelStatus(const std::string& panel, const protocol::PanelStatus& status) {
    auto it = panels_.find(panel);
    if (it == panels_.end()) {
        return;
    }
    Panel& p = it->second;
    if (status.journalPending) {
        p.journalPending = status.journalPending;
    }
    if (status.cacheVersion) {
        p.reportedVersion = status.cacheVersion;
        // A panel that reports an older cache than it acknowledged lost it (a reset store, a
        // replaced panel): it gets everything again.
        if (*status.cacheVersion < p.ackedVersion && p.inFlight.empty() && !p.needsReset) {
            p.needsReset = true;
            p.acked.clear();
            p.sentView.clear();
        }
    }
    const bool wasOnline = p.online.value_or(false);
    p.online = status.online;
    if (status.online && !wasOnline) {
        forgetInFlight(p);  // what it may have missed while away goes again
    }
    pump(p);
    evaluate(p);
}

bool OfflineSync::acked(const std::string& panel, const protocol::PanelAck& ack) {
    if (!ack.command.starts_with(kIdPrefix)) {
        return false;
    }
    auto it = panels_.find(panel);
    if (it == panels_.end()) {
        return true;
    }
    Panel& p = it->second;
    auto sent = std::find_if(p.inFlight.begin(), p.inFlight.end(),
                             [&](const Sent& s) { return s.id == ack.command; });
    if (sent == p.inFlight.end()) {
        return true;  // a cache_sync, or a command forgotten since (sent again)
    }
    if (ack.result != protocol::AckResult::done) {
        core::logWarning(kComponent, "panel " + p.id + " refused " + ack.command + ": " +
                                         ack.reason + "; its offline cache is sent again in full");
        p.inFlight.clear();
        p.acked.clear();
        p.sentView.clear();
        p.needsReset = true;
        p.versionBased = false;  // jump past whatever the panel holds
    } else {
        switch (sent->type) {
            case protocol::CommandType::cacheReset:
                p.acked.clear();
                break;
            case protocol::CommandType::cachePut:
                for (const auto& [card, digest] : sent->puts) {
                    p.acked[card] = digest;
                }
                break;
            default:
                for (const auto& card : sent->removes) {
                    p.acked.erase(card);
                }
                break;
        }
        p.ackedVersion = std::max(p.ackedVersion, sent->version);
        p.inFlight.erase(sent);
    }
    pump(p);
    evaluate(p);
    return true;
}

void OfflineSync::tick() {
    const core::TimeUs now = parts_.clock.nowUs();
    const auto patience =
        std::chrono::duration_cast<std::chrono::microseconds>(parts_.config.syncInterval).count();
    for (auto& [id, p] : panels_) {
        recompute(p);
        if (!p.inFlight.empty() && now - p.inFlight.front().sentUs >= patience) {
            forgetInFlight(p);  // unacknowledged for a whole interval: sent again
        }
        pump(p);
        if (p.online.value_or(false) && !pendingDiff(p) && p.syncedVersion == p.version) {
            sendSync(p);  // the periodic confirmation (pump sent one if the version moved)
        }
        evaluate(p);
    }
}

OfflineSync::PanelSync OfflineSync::view(const Panel& p) const {
    PanelSync v;
    v.panel = p.id;
    v.door = p.door->id;
    v.online = p.online;
    v.version = p.version;
    v.ackedVersion = p.ackedVersion;
    v.entries = p.wanted.size();
    for (const auto& [card, wanted] : p.wanted) {
        auto acked = p.acked.find(card);
        v.pending += acked == p.acked.end() || acked->second != wanted.digest ? 1 : 0;
    }
    for (const auto& [card, digest] : p.acked) {
        v.pending += p.wanted.count(card) == 0 ? 1 : 0;
    }
    v.inSync = inSync(p);
    v.behindSinceUs = p.behindSinceUs;
    v.behindAlarm = p.behindRaised;
    v.journalPending = p.journalPending;
    v.reportedVersion = p.reportedVersion;
    return v;
}

std::vector<OfflineSync::PanelSync> OfflineSync::panels() const {
    std::vector<PanelSync> out;
    for (const auto& [id, p] : panels_) {
        out.push_back(view(p));
    }
    return out;
}

std::optional<OfflineSync::PanelSync> OfflineSync::panel(const std::string& id) const {
    auto it = panels_.find(id);
    if (it == panels_.end()) {
        return std::nullopt;
    }
    return view(it->second);
}

nlohmann::json OfflineSync::toJson() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : panels()) {
        const auto optional = [](const auto& value) {
            return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
        };
        list.push_back({{"panel", v.panel},
                        {"door", v.door},
                        {"online", optional(v.online)},
                        {"cache",
                         {{"version", v.version},
                          {"acked", v.ackedVersion},
                          {"entries", v.entries},
                          {"pending", v.pending},
                          {"in_sync", v.inSync},
                          {"behind_since_us", optional(v.behindSinceUs)},
                          {"behind_alarm", v.behindAlarm},
                          {"reported", optional(v.reportedVersion)}}},
                        {"journal_pending", optional(v.journalPending)}});
    }
    return {{"panels", list}};
}

}  // namespace sekimori::doors
