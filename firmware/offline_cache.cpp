#include "firmware/offline_cache.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "protocol/json_fields.hpp"
#include "protocol/reason_codes.hpp"

namespace sekimori::firmware {

namespace {

namespace reason = protocol::reason;
using protocol::Factor;

// --- the offline steps ----------------------------------------------------------------------

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        --q;
    }
    return q;
}

OfflineStep decided(OfflineSession session, std::string_view code) {
    OfflineStep out;
    out.outcome = OfflineOutcome::denied;
    out.reason = std::string(code);
    out.session = std::move(session);
    return out;
}

// Every factor passed: the two-person rule, then the grant.
OfflineStep admit(const OfflineContext& context, OfflineSession session,
                  std::optional<TwoPersonPending>& twoPerson) {
    const auto& policy = *context.cache.policy();
    const bool degradedTwo =
        session.degraded && policy.degraded == protocol::DegradedMode::twoPerson;
    const bool needsTwo =
        degradedTwo || (policy.twoPerson && session.side == protocol::DoorSide::entry);
    if (needsTwo) {
        const std::int64_t now = context.clock.nowMs;
        const bool second = twoPerson && twoPerson->side == session.side &&
                            twoPerson->person != session.person &&
                            now - twoPerson->atMs <= policy.twoPersonWindowMs;
        if (!second) {
            twoPerson = TwoPersonPending{session.person, session.card, session.side, now};
            return decided(std::move(session), reason::awaitingSecondPerson);
        }
        twoPerson.reset();  // the pair passes together on this grant
    }
    OfflineStep out;
    out.outcome = OfflineOutcome::granted;
    out.reason = std::string(reason::granted);
    out.unlockMs = policy.unlockMs;
    if (const auto* entry = context.cache.find(session.card)) {
        out.weightG = entry->weightG;
    }
    out.session = std::move(session);
    return out;
}

// The next factor of the session, or the grant when none is left.
OfflineStep next(const OfflineContext& context, OfflineSession session,
                 std::optional<TwoPersonPending>& twoPerson) {
    if (session.remaining.empty()) {
        return admit(context, std::move(session), twoPerson);
    }
    const auto* entry = context.cache.find(session.card);
    if (entry == nullptr) {
        return decided(std::move(session), reason::unknownCard);  // removed meanwhile
    }
    const Factor factor = session.remaining.front();
    OfflineStep out;
    if (factor == Factor::finger) {
        if (entry->templateBox.empty() && entry->templateBox2.empty()) {
            return decided(std::move(session), reason::fingerMismatch);
        }
        out.outcome = OfflineOutcome::askFinger;
        out.templateBox = entry->templateBox.empty() ? entry->templateBox2 : entry->templateBox;
        out.templateBox2 = entry->templateBox.empty() ? std::string() : entry->templateBox2;
    } else {
        out.outcome = OfflineOutcome::askPin;
    }
    out.session = std::move(session);
    return out;
}

// The session may go on at `factor`: it is the one expected, and the card is still cached.
bool expects(const OfflineSession& session, Factor factor) {
    return !session.remaining.empty() && session.remaining.front() == factor;
}

}  // namespace

// --- OfflineCache -----------------------------------------------------------------------------

const protocol::CacheEntry* OfflineCache::find(std::string_view card) const {
    auto it = entries_.find(card);
    return it == entries_.end() ? nullptr : &it->second;
}

bool OfflineCache::fresh(std::int64_t nowMs) const {
    const auto until = freshUntilMs();
    return until && nowMs < *until;
}

std::optional<std::int64_t> OfflineCache::freshUntilMs() const {
    if (!syncedAtMs_ || !policy_) {
        return std::nullopt;
    }
    return *syncedAtMs_ + policy_->stalenessMs;
}

CacheApplied OfflineCache::apply(const protocol::PanelCommand& command, std::int64_t nowMs) {
    using protocol::CommandType;
    CacheApplied out;
    const auto inOrder = [&]() {
        if (command.version == version_ + 1 || (command.version == version_ && version_ != 0)) {
            return true;
        }
        out.refused = std::string("cache version ")
                          .append(std::to_string(command.version))
                          .append(" does not follow ")
                          .append(std::to_string(version_));
        return false;
    };
    switch (command.type) {
        case CommandType::cachePut:
            if (!inOrder()) {
                return out;
            }
            for (const auto& entry : command.entries) {
                entries_[entry.card] = entry;
            }
            break;
        case CommandType::cacheRemove:
            if (!inOrder()) {
                return out;
            }
            for (const auto& card : command.cards) {
                if (auto it = entries_.find(card); it != entries_.end()) {
                    entries_.erase(it);
                }
            }
            break;
        case CommandType::cacheReset:
            entries_.clear();
            syncedAtMs_.reset();  // stale until a sync names the new version
            break;
        case CommandType::cacheSync:
            if (command.policy) {
                policy_ = command.policy;
            }
            out.changed = true;
            if (command.version != version_) {
                syncedAtMs_.reset();  // behind (or ahead): something was missed
                out.refused = std::string("cache behind: at version ")
                                  .append(std::to_string(version_))
                                  .append(", not ")
                                  .append(std::to_string(command.version));
                return out;
            }
            syncedAtMs_ = nowMs;
            return out;
        default:
            out.refused = "not a cache command";
            return out;
    }
    version_ = command.version;
    out.changed = true;
    return out;
}

std::string OfflineCache::encode() const {
    protocol::CacheContents contents;
    contents.version = version_;
    contents.policy = policy_;
    contents.entries.reserve(entries_.size());
    for (const auto& [card, entry] : entries_) {
        contents.entries.push_back(entry);
    }
    return protocol::encodeCacheEntries(contents);
}

protocol::Parsed<OfflineCache> OfflineCache::decode(std::string_view bytes) {
    protocol::Parsed<OfflineCache> result;
    auto parsed = protocol::parseCacheEntries(bytes);
    if (!parsed) {
        result.error = "cache: " + parsed.error;
        return result;
    }
    OfflineCache cache;
    cache.version_ = parsed.value->version;
    cache.policy_ = std::move(parsed.value->policy);
    for (auto& entry : parsed.value->entries) {
        std::string card = entry.card;
        cache.entries_.emplace(std::move(card), std::move(entry));  // no card twice: parsed so
    }
    result.value = std::move(cache);
    return result;
}

std::string OfflineCache::restore(const std::optional<std::string>& bytes) {
    if (!bytes) {
        return "cache: none stored";
    }
    auto restored = decode(*bytes);
    if (!restored) {
        return "cache: " + restored.error;
    }
    *this = std::move(*restored.value);
    return {};
}

bool OfflineCache::operator==(const OfflineCache& other) const {
    return syncedAtMs_ == other.syncedAtMs_ && encode() == other.encode();
}

// --- pure checks ------------------------------------------------------------------------------

LocalTime localTime(std::int64_t unixMs, int utcOffsetMinutes) {
    const std::int64_t minutes = floorDiv(unixMs, 60'000) + utcOffsetMinutes;
    const std::int64_t days = floorDiv(minutes, 1440);
    // 1970-01-01 was a Thursday (3, counting Monday as 0).
    const auto day = static_cast<int>(((days + 3) % 7 + 7) % 7);
    return LocalTime{day, static_cast<int>(minutes - days * 1440)};
}

bool withinWindows(const std::vector<protocol::OfflineWindow>& windows, std::int64_t unixMs,
                   int utcOffsetMinutes, const std::vector<std::int64_t>& holidays) {
    const LocalTime local = localTime(unixMs, utcOffsetMinutes);
    const std::int64_t dayNumber = floorDiv(floorDiv(unixMs, 60'000) + utcOffsetMinutes, 1440);
    const bool holiday = std::binary_search(holidays.begin(), holidays.end(), dayNumber);
    return std::any_of(windows.begin(), windows.end(), [&](const protocol::OfflineWindow& w) {
        const bool dayApplies =
            w.holidays == protocol::WindowHolidays::any ||
            (w.holidays == protocol::WindowHolidays::closedOnHolidays && !holiday) ||
            (w.holidays == protocol::WindowHolidays::holidaysOnly && holiday);
        return dayApplies && w.day == local.day && w.fromMin <= local.minute &&
               local.minute < w.untilMin;
    });
}

bool withinValidity(const protocol::CacheEntry& entry, std::int64_t unixMs) {
    // Compared in µs without overflow: unixMs is far below 2^63 / 1000.
    const std::int64_t nowUs = unixMs * 1000;
    if (entry.validFromUs != 0 && nowUs < entry.validFromUs) {
        return false;
    }
    return entry.validUntilUs == 0 || nowUs < entry.validUntilUs;
}

bool threeFactor(const std::vector<Factor>& factors) {
    return std::find(factors.begin(), factors.end(), Factor::finger) != factors.end();
}

std::vector<Factor> sideFactors(const protocol::OfflinePolicy& policy, protocol::DoorSide side) {
    const auto& factors =
        side == protocol::DoorSide::entry ? policy.entryFactors : policy.exitFactors;
    if (factors.empty()) {
        return {Factor::card};
    }
    return factors;
}

bool pinHashMatches(std::string_view expected, std::optional<std::string_view> computed) {
    if (expected.empty() || !computed || computed->size() != expected.size()) {
        return false;
    }
    unsigned char difference = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        difference |= static_cast<unsigned char>(expected[i] ^ (*computed)[i]);
    }
    return difference == 0;
}

// --- the offline session ----------------------------------------------------------------------

bool canDecideOffline(const OfflineContext& context) {
    return context.cache.policy().has_value() && context.clock.unixMs.has_value();
}

OfflineStep offlineCard(const OfflineContext& context, protocol::DoorSide side,
                        std::string_view card, std::optional<TwoPersonPending>& twoPerson) {
    return offlineResume(context, side, card, {}, twoPerson);
}

OfflineStep offlineResume(const OfflineContext& context, protocol::DoorSide side,
                          std::string_view card, const std::vector<protocol::Factor>& verified,
                          std::optional<TwoPersonPending>& twoPerson) {
    OfflineSession session;
    session.card = std::string(card);
    session.side = side;
    if (!canDecideOffline(context)) {
        return decided(std::move(session), reason::controllerError);
    }
    const auto& policy = *context.cache.policy();
    const std::int64_t unixMs = *context.clock.unixMs;
    const auto* entry = context.cache.find(card);
    if (entry != nullptr) {
        session.person = entry->person;  // named in the event whatever decides
    }
    if (context.journalFull && policy.journalFull == protocol::JournalFullPolicy::denyOffline) {
        return decided(std::move(session), reason::journalFull);
    }
    if (card.empty()) {
        return decided(std::move(session), reason::badCardFormat);
    }
    if (context.denied.contains(card)) {
        return decided(std::move(session), reason::revoked);
    }
    if (entry == nullptr) {
        return decided(std::move(session), reason::unknownCard);
    }
    if (!withinValidity(*entry, unixMs)) {
        return decided(std::move(session), reason::outsideValidity);
    }
    const auto& windows =
        side == protocol::DoorSide::entry ? entry->entryWindows : entry->exitWindows;
    if (!withinWindows(windows, unixMs, context.clock.utcOffsetMinutes, policy.holidays)) {
        return decided(std::move(session), reason::outsideSchedule);
    }
    auto factors = sideFactors(policy, side);
    if (threeFactor(factors) && !context.cache.fresh(context.clock.nowMs)) {
        session.degraded = true;
        if (policy.degraded == protocol::DegradedMode::deny) {
            return decided(std::move(session), reason::offlineDegraded);
        }
    }
    // The card is the factor just read (and those the controller verified are taken as
    // given); whatever follows is still to check.
    factors.erase(std::remove_if(factors.begin(), factors.end(),
                                 [&](Factor f) {
                                     return f == Factor::card ||
                                            std::find(verified.begin(), verified.end(), f) !=
                                                verified.end();
                                 }),
                  factors.end());
    session.remaining = std::move(factors);
    return next(context, std::move(session), twoPerson);
}

OfflineStep offlinePin(const OfflineContext& context, OfflineSession session,
                       std::optional<std::string_view> computedHash,
                       std::optional<TwoPersonPending>& twoPerson) {
    if (!canDecideOffline(context)) {
        return decided(std::move(session), reason::controllerError);
    }
    if (!expects(session, Factor::pin)) {
        return decided(std::move(session), reason::factorOutOfOrder);
    }
    const auto* entry = context.cache.find(session.card);
    if (entry == nullptr) {
        return decided(std::move(session), reason::unknownCard);
    }
    if (!pinHashMatches(entry->pinHash, computedHash)) {
        return decided(std::move(session), reason::wrongPin);
    }
    session.remaining.erase(session.remaining.begin());
    return next(context, std::move(session), twoPerson);
}

OfflineStep offlineFinger(const OfflineContext& context, OfflineSession session,
                          std::optional<int> score, std::optional<TwoPersonPending>& twoPerson) {
    if (!canDecideOffline(context)) {
        return decided(std::move(session), reason::controllerError);
    }
    if (!expects(session, Factor::finger)) {
        return decided(std::move(session), reason::factorOutOfOrder);
    }
    if (context.cache.find(session.card) == nullptr) {
        return decided(std::move(session), reason::unknownCard);
    }
    if (!score || *score < context.cache.policy()->fingerThreshold) {
        return decided(std::move(session), reason::fingerMismatch);
    }
    session.remaining.erase(session.remaining.begin());
    return next(context, std::move(session), twoPerson);
}

}  // namespace sekimori::firmware
