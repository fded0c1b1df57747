#pragma once
// What a panel decides alone when the controller or the broker is gone (docs/offline.md,
// "Deciding offline"): the local cache of the credentials its door needs, kept current by the
// controller's cache commands (protocol/panel_commands.hpp), and the pure offline steps both the
// door panel (door_panel.cpp) and the circle gate (circle_gate.cpp) call. No I/O, no clock: the
// caller passes its monotonic milliseconds and, when it has one, the wall clock.
//
// Order of the checks at the card, the first that fails decides:
//   journal full (policy deny_offline)  -> journal_full
//   the local deny list                 -> revoked
//   no cache entry for the card         -> unknown_card
//   outside the entry's validity        -> outside_validity      (wall clock)
//   outside the side's weekly windows   -> outside_schedule      (wall clock + site UTC offset)
//   stale cache at a three-factor side  -> degraded mode: deny -> offline_degraded;
//                                          two_person -> the factors, then a second person
//   then the side's factors in the policy's order: pin (the entry's pin_hash against the hash
//   the HAL computed; none or no pin_hash -> wrong_pin), finger (the better score of the entry's
//   templates against the policy's threshold; no template -> finger_mismatch); then two-person
//   (the policy's twoPerson on the entry side, or degraded two_person): the first person is
//   refused awaiting_second_person and waits; a different cached person passing every check on
//   the same side within the window is granted.
//
// Freshness: the cache is fresh until policy.stalenessMs after the last cache_sync whose version
// equalled the cache's. A cache_put / cache_remove applied in order (version = current + 1) keeps
// that freshness (nothing was missed), without extending it; a cache_reset, a sync at another
// version, or a reboot (the sync time is never persisted) makes it stale until the next sync at
// its version.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firmware/panel_commands.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_commands.hpp"
#include "protocol/parsed.hpp"

namespace sekimori::firmware {

// How long an offline session waits for its next factor (the policy carries no time-out).
inline constexpr int kOfflineFactorTimeoutMs = 20'000;

// The result of applying one cache command.
struct CacheApplied {
    bool changed = false;  // entries, version or policy changed: persist the cache
    std::string refused;   // not empty: not applied (answer the command refused, with this)
};

class OfflineCache {
  public:
    // The entry for a canonical card id; nullptr when not cached.
    const protocol::CacheEntry* find(std::string_view card) const;
    std::size_t size() const { return entries_.size(); }
    std::uint64_t version() const { return version_; }
    // nullopt until the first cache_sync (or a restored cache): the panel cannot decide offline.
    const std::optional<protocol::OfflinePolicy>& policy() const { return policy_; }
    // Fresh at nowMs (monotonic): see the rule above.
    bool fresh(std::int64_t nowMs) const;
    // When it goes stale (monotonic), nullopt when it is not fresh at all.
    std::optional<std::int64_t> freshUntilMs() const;

    // Applies an authentic, in-order cache_put / cache_remove / cache_reset / cache_sync (the
    // caller checked MAC, epoch and counter). put/remove: version must be current + 1 (current:
    // a resend, applied again and accepted), otherwise refused ("cache version ..."), nothing
    // changed; reset: any version, empties the cache; sync: takes the policy, fresh as of nowMs
    // when the version is the cache's, else stale at once and refused ("cache behind ...").
    CacheApplied apply(const protocol::PanelCommand& command, std::int64_t nowMs);

    // The at-rest form (the HAL encrypts it): protocol::encodeCacheEntries, version, policy and
    // entries; never the sync time.
    std::string encode() const;
    // A cache read back at boot: stale until the first sync. Strict: an error names the field.
    static protocol::Parsed<OfflineCache> decode(std::string_view bytes);

    bool operator==(const OfflineCache& other) const;

    // The cache the HAL read back at boot (nullopt: none stored) replaces this one when it
    // decodes; never trusted half: otherwise this one stays (empty until the controller's reset).
    // Returns why it was not taken, empty when it was.
    std::string restore(const std::optional<std::string>& bytes);

  private:
    std::map<std::string, protocol::CacheEntry, std::less<>> entries_;
    std::uint64_t version_ = 0;
    std::optional<protocol::OfflinePolicy> policy_;
    std::optional<std::int64_t> syncedAtMs_;  // monotonic; the last sync at version_
};

// --- pure checks -------------------------------------------------------------------------------
// Minutes after the site's midnight and its weekday (0 = Monday) for a Unix time.
struct LocalTime {
    int day = 0;
    int minute = 0;
};
LocalTime localTime(std::int64_t unixMs, int utcOffsetMinutes);
// `holidays`: the policy's local day numbers, ascending; a window closed on holidays does not
// apply on one, a holidays-only window applies on one only.
bool withinWindows(const std::vector<protocol::OfflineWindow>& windows, std::int64_t unixMs,
                   int utcOffsetMinutes, const std::vector<std::int64_t>& holidays = {});
bool withinValidity(const protocol::CacheEntry& entry, std::int64_t unixMs);
// The side's factors include a finger.
bool threeFactor(const std::vector<protocol::Factor>& factors);
// The side's factors as the policy lists them (card first); a side with none reads a card only.
std::vector<protocol::Factor> sideFactors(const protocol::OfflinePolicy& policy,
                                          protocol::DoorSide side);
// The HAL's hash of the typed PIN equals the entry's pin_hash (constant time; an empty pin_hash
// or no hash never matches).
bool pinHashMatches(std::string_view expected, std::optional<std::string_view> computed);

// --- the offline session ------------------------------------------------------------------------
struct OfflineClock {
    std::int64_t nowMs = 0;              // the caller's monotonic milliseconds
    std::optional<std::int64_t> unixMs;  // the wall clock; nullopt: unknown (no decision)
    int utcOffsetMinutes = 0;            // the site's offset from UTC
};

// What the panel knows when it decides.
struct OfflineContext {
    const OfflineCache& cache;
    const DenyList& denied;
    OfflineClock clock;
    bool journalFull = false;  // the journal holds no more reports
};

// A person waiting at a two-person door for the second cached person.
struct TwoPersonPending {
    std::string person;
    std::string card;
    protocol::DoorSide side = protocol::DoorSide::entry;
    std::int64_t atMs = 0;  // monotonic, when the first passed every check
};

// An offline session in progress, carried between steps.
struct OfflineSession {
    std::string card;
    std::string person;  // empty: not in the cache
    protocol::DoorSide side = protocol::DoorSide::entry;
    bool degraded = false;                    // decided under the degraded mode
    std::vector<protocol::Factor> remaining;  // factors still to check, in order
};

enum class OfflineOutcome { askPin, askFinger, granted, denied };

struct OfflineStep {
    OfflineOutcome outcome = OfflineOutcome::denied;
    std::string reason;  // granted: "granted"; denied: the reason code; asking: empty
    int unlockMs = 0;    // with granted: the policy's
    int weightG = 0;     // with granted: the entry's enrolled weight (circle gates)
    // The session to carry on (asking), or as decided (for the event: card, person, degraded).
    OfflineSession session;
    // With askFinger: the entry's sealed templates to score the live finger against.
    std::string templateBox;
    std::string templateBox2;
};

// Whether the panel can decide offline at all: a policy is known and the wall clock is set.
// When not, the caller denies controller_error as without a cache.
bool canDecideOffline(const OfflineContext& context);

// The card was read at `side`: refused, granted (a card-only side), or the next factor to ask.
// `twoPerson` is the caller's pending first person, updated here (set, replaced or consumed).
OfflineStep offlineCard(const OfflineContext& context, protocol::DoorSide side,
                        std::string_view card, std::optional<TwoPersonPending>& twoPerson);
// A session the controller was deciding when it went silent (a circle gate's person already in
// the booth): the card's checks as offlineCard, then only the factors not in `verified` (those
// the controller accepted online before it asked for the next one).
OfflineStep offlineResume(const OfflineContext& context, protocol::DoorSide side,
                          std::string_view card, const std::vector<protocol::Factor>& verified,
                          std::optional<TwoPersonPending>& twoPerson);
// The PIN step: `computedHash` is the HAL's offlinePinHash(person, digits), nullopt when no PIN
// was typed (or the HAL could not hash it).
OfflineStep offlinePin(const OfflineContext& context, OfflineSession session,
                       std::optional<std::string_view> computedHash,
                       std::optional<TwoPersonPending>& twoPerson);
// The finger step: the better score of the live finger against the entry's templates.
OfflineStep offlineFinger(const OfflineContext& context, OfflineSession session,
                          std::optional<int> score, std::optional<TwoPersonPending>& twoPerson);

}  // namespace sekimori::firmware
