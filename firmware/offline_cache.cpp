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
using protocol::Json;

// --- the at-rest form -----------------------------------------------------------------------

constexpr std::size_t kMaxCacheBytes = 64 * 1024 * 1024;

Json windowsJson(const std::vector<protocol::OfflineWindow>& windows) {
    Json out = Json::array();
    for (const auto& w : windows) {
        out.push_back(Json::array({w.day, w.fromMin, w.untilMin}));
    }
    return out;
}

Json factorsJson(const std::vector<Factor>& factors) {
    Json out = Json::array();
    for (const auto f : factors) {
        out.push_back(std::string(protocol::toString(f)));
    }
    return out;
}

Json policyJson(const protocol::OfflinePolicy& p) {
    Json out = Json::object();
    out["door"] = p.door;
    out["entry_factors"] = factorsJson(p.entryFactors);
    out["exit_factors"] = factorsJson(p.exitFactors);
    out["two_person"] = p.twoPerson;
    out["two_person_window_ms"] = p.twoPersonWindowMs;
    out["finger_threshold"] = p.fingerThreshold;
    out["unlock_ms"] = p.unlockMs;
    out["staleness_ms"] = p.stalenessMs;
    out["degraded"] = std::string(protocol::toString(p.degraded));
    out["journal_full"] = std::string(protocol::toString(p.journalFull));
    return out;
}

Json entryJson(const protocol::CacheEntry& e) {
    Json out = Json::object();
    out["card"] = e.card;
    out["person"] = e.person;
    out["valid_from_us"] = e.validFromUs;
    out["valid_until_us"] = e.validUntilUs;
    out["entry_windows"] = windowsJson(e.entryWindows);
    out["exit_windows"] = windowsJson(e.exitWindows);
    out["pin_hash"] = e.pinHash;
    out["template_box"] = e.templateBox;
    out["template_box2"] = e.templateBox2;
    out["weight_g"] = e.weightG;
    return out;
}

// A strict reader of the at-rest form: the first problem is kept, naming the field.
struct Reader {
    std::string error;

    bool ok() const { return error.empty(); }
    void fail(std::string_view field, std::string_view what) {
        if (error.empty()) {
            error = std::string(field).append(": ").append(what);
        }
    }
    const Json* need(const Json& object, std::string_view field) {
        if (!ok()) {
            return nullptr;
        }
        auto it = object.find(field);
        if (it == object.end()) {
            fail(field, "missing");
            return nullptr;
        }
        return &*it;
    }
    void only(const Json& object, std::string_view where,
              std::initializer_list<std::string_view> allowed) {
        for (auto it = object.begin(); it != object.end() && ok(); ++it) {
            if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
                fail(where, std::string("unknown field ").append(protocol::printableKey(it.key())));
            }
        }
    }
    std::string string(const Json& object, std::string_view field) {
        const Json* v = need(object, field);
        if (v == nullptr) {
            return {};
        }
        if (!v->is_string()) {
            fail(field, "not a string");
            return {};
        }
        return v->get<std::string>();
    }
    std::int64_t integer(const Json& object, std::string_view field, std::int64_t lo,
                         std::int64_t hi) {
        const Json* v = need(object, field);
        if (v == nullptr) {
            return 0;
        }
        if (!v->is_number_integer()) {
            fail(field, "not an integer");
            return 0;
        }
        if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
            fail(field, "out of range");
            return 0;
        }
        const auto value = v->get<std::int64_t>();
        if (value < lo || value > hi) {
            fail(field, "out of range");
            return 0;
        }
        return value;
    }
    bool boolean(const Json& object, std::string_view field) {
        const Json* v = need(object, field);
        if (v == nullptr) {
            return false;
        }
        if (!v->is_boolean()) {
            fail(field, "not a boolean");
            return false;
        }
        return v->get<bool>();
    }
    std::vector<protocol::OfflineWindow> windows(const Json& object, std::string_view field) {
        std::vector<protocol::OfflineWindow> out;
        const Json* v = need(object, field);
        if (v == nullptr) {
            return out;
        }
        if (!v->is_array() || v->size() > protocol::kMaxOfflineWindows) {
            fail(field, "not an array of at most 28 windows");
            return out;
        }
        for (const auto& w : *v) {
            const bool shaped = w.is_array() && w.size() == 3 &&
                                std::all_of(w.begin(), w.end(),
                                            [](const Json& n) { return n.is_number_integer(); });
            if (!shaped) {
                fail(field, "a window is not [day, from, until]");
                return out;
            }
            protocol::OfflineWindow window{w[0].get<int>(), w[1].get<int>(), w[2].get<int>()};
            if (window.day < 0 || window.day > 6 || window.fromMin < 0 || window.fromMin > 1439 ||
                window.untilMin <= window.fromMin || window.untilMin > 1440) {
                fail(field, "a window is out of range");
                return out;
            }
            out.push_back(window);
        }
        return out;
    }
    std::vector<Factor> factors(const Json& object, std::string_view field) {
        std::vector<Factor> out;
        const Json* v = need(object, field);
        if (v == nullptr) {
            return out;
        }
        if (!v->is_array() || v->size() > 3) {
            fail(field, "not an array of factors");
            return out;
        }
        for (const auto& f : *v) {
            const std::string name = f.is_string() ? f.get<std::string>() : std::string();
            if (name == "card") {
                out.push_back(Factor::card);
            } else if (name == "pin") {
                out.push_back(Factor::pin);
            } else if (name == "finger") {
                out.push_back(Factor::finger);
            } else {
                fail(field, "not card, pin or finger");
                return out;
            }
        }
        return out;
    }
};

std::optional<protocol::OfflinePolicy> readPolicy(Reader& r, const Json& p) {
    if (!p.is_object()) {
        r.fail("policy", "not an object");
        return std::nullopt;
    }
    r.only(p, "policy",
           {"door", "entry_factors", "exit_factors", "two_person", "two_person_window_ms",
            "finger_threshold", "unlock_ms", "staleness_ms", "degraded", "journal_full"});
    protocol::OfflinePolicy out;
    out.door = r.string(p, "door");
    out.entryFactors = r.factors(p, "entry_factors");
    out.exitFactors = r.factors(p, "exit_factors");
    out.twoPerson = r.boolean(p, "two_person");
    out.twoPersonWindowMs =
        static_cast<int>(r.integer(p, "two_person_window_ms", 1, 24 * 3600 * 1000));
    out.fingerThreshold = static_cast<int>(r.integer(p, "finger_threshold", 0, 100));
    out.unlockMs = static_cast<int>(r.integer(p, "unlock_ms", 1, protocol::kMaxUnlockMs));
    out.stalenessMs = r.integer(p, "staleness_ms", 1, protocol::kMaxStalenessMs);
    const std::string degraded = r.string(p, "degraded");
    if (degraded == "deny") {
        out.degraded = protocol::DegradedMode::deny;
    } else if (degraded == "two_person") {
        out.degraded = protocol::DegradedMode::twoPerson;
    } else {
        r.fail("degraded", "not deny or two_person");
    }
    const std::string full = r.string(p, "journal_full");
    if (full == "deny_offline") {
        out.journalFull = protocol::JournalFullPolicy::denyOffline;
    } else if (full == "keep_deciding") {
        out.journalFull = protocol::JournalFullPolicy::keepDeciding;
    } else {
        r.fail("journal_full", "not deny_offline or keep_deciding");
    }
    if (!r.ok()) {
        return std::nullopt;
    }
    return out;
}

std::optional<protocol::CacheEntry> readEntry(Reader& r, const Json& e) {
    if (!e.is_object()) {
        r.fail("entries", "an entry is not an object");
        return std::nullopt;
    }
    r.only(e, "entries",
           {"card", "person", "valid_from_us", "valid_until_us", "entry_windows", "exit_windows",
            "pin_hash", "template_box", "template_box2", "weight_g"});
    protocol::CacheEntry out;
    out.card = r.string(e, "card");
    if (r.ok() && !protocol::isDenyListCardId(out.card)) {
        r.fail("card", "not a canonical card id");
    }
    out.person = r.string(e, "person");
    if (r.ok() && out.person.empty()) {
        r.fail("person", "empty");
    }
    const auto maxUs = static_cast<std::int64_t>(protocol::kMaxCounter);
    out.validFromUs = r.integer(e, "valid_from_us", 0, maxUs);
    out.validUntilUs = r.integer(e, "valid_until_us", 0, maxUs);
    out.entryWindows = r.windows(e, "entry_windows");
    out.exitWindows = r.windows(e, "exit_windows");
    out.pinHash = r.string(e, "pin_hash");
    if (r.ok() && !out.pinHash.empty() && out.pinHash.size() != 64) {
        r.fail("pin_hash", "not 64 hex digits");
    }
    out.templateBox = r.string(e, "template_box");
    out.templateBox2 = r.string(e, "template_box2");
    out.weightG = static_cast<int>(r.integer(e, "weight_g", 0, protocol::kMaxWeightG));
    if (!r.ok()) {
        return std::nullopt;
    }
    return out;
}

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
    Json out = Json::object();
    out["version"] = version_;
    out["policy"] = policy_ ? policyJson(*policy_) : Json(nullptr);
    Json entries = Json::array();
    for (const auto& [card, entry] : entries_) {
        entries.push_back(entryJson(entry));
    }
    out["entries"] = std::move(entries);
    return protocol::dumpCompact(out);
}

protocol::Parsed<OfflineCache> OfflineCache::decode(std::string_view bytes) {
    protocol::Parsed<OfflineCache> result;
    std::string error;
    const auto json = protocol::parseStrictObject(bytes, kMaxCacheBytes, error);
    if (!json) {
        result.error = "cache: " + error;
        return result;
    }
    Reader r;
    r.only(*json, "cache", {"version", "policy", "entries"});
    OfflineCache cache;
    cache.version_ = static_cast<std::uint64_t>(
        r.integer(*json, "version", 0, static_cast<std::int64_t>(protocol::kMaxCounter)));
    if (const Json* policy = r.need(*json, "policy"); policy != nullptr && !policy->is_null()) {
        cache.policy_ = readPolicy(r, *policy);
    }
    if (const Json* entries = r.need(*json, "entries"); entries != nullptr) {
        if (!entries->is_array()) {
            r.fail("entries", "not an array");
        } else {
            for (const auto& e : *entries) {
                auto entry = readEntry(r, e);
                if (!entry) {
                    break;
                }
                if (!cache.entries_.emplace(entry->card, *entry).second) {
                    r.fail("card", "cached twice");
                    break;
                }
            }
        }
    }
    if (!r.ok()) {
        result.error = "cache: " + r.error;
        return result;
    }
    result.value = std::move(cache);
    return result;
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
                   int utcOffsetMinutes) {
    const LocalTime local = localTime(unixMs, utcOffsetMinutes);
    return std::any_of(windows.begin(), windows.end(), [&](const protocol::OfflineWindow& w) {
        return w.day == local.day && w.fromMin <= local.minute && local.minute < w.untilMin;
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
    if (!withinWindows(windows, unixMs, context.clock.utcOffsetMinutes)) {
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
