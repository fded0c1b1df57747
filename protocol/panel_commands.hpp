#pragma once
// What the controller tells a panel to do outside an access session, and the panel's answer
// (docs/mqtt.md, "Panel commands"): shared by the controller (doors/), our firmware (firmware/)
// and the simulators. Parsing is strict like protocol/door_messages: a missing, mistyped,
// out-of-range or unknown field is an error naming the field.
//
//   sekimori/<site>/panel/<panel>/command   controller -> panel   PanelCommand
//   sekimori/<site>/panel/<panel>/ack       panel -> controller   PanelAck
//
// Both are authenticated like requests and replies (protocol/panel_link_auth.hpp), under their own
// tags so neither can be passed off as the other:
//   command: macInput(kCommandTag, site, panel, door, id, type, epoch, counter, nonce, body)
//            counter: the controller's, per panel and epoch, strictly increasing
//   ack:     macInput(kAckTag, site, panel, "", command id, result, epoch, counter, nonce, body)
//            counter: the panel's one counter (requests, events, acks); nonce: the command's
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/door_messages.hpp"

namespace sekimori::protocol {

inline constexpr std::string_view kCommandTag = "sekimori.panel.command.v1";
inline constexpr std::string_view kAckTag = "sekimori.panel.ack.v1";

enum class CommandType {
    unlock,        // release the lock for `ms`, re-locked when the door closes (as after a grant)
    holdUnlocked,  // keep the lock released for `ms` whatever the door does (timed unlock,
                   // first-person-in); ends early with `lock`
    lock,          // re-lock now and end any hold
    revoke,        // add `cards` to the panel's local deny list: refused "revoked" at once
    restore,       // take `cards` off the deny list (a disabled person enabled again)
    // Issue 15 (docs/mqtt.md "Offline operation").
    eventAck,     // `seq`: every journal entry up to seq is stored; the panel drops them. Not
                  // answered with an ack (it is itself the answer to the panel's events).
    cachePut,     // `version`, `entries` (1..kMaxCacheEntries): add or replace these cards
    cacheRemove,  // `version`, `cards`: take these cards out of the cache
    cacheReset,   // `version`: empty the cache (a full resync follows from version+1)
    cacheSync,    // `version`, `policy`: "your cache is current at `version`" (sent every
                  // sync interval); a panel whose cache is at that version is fresh as of now
    gateRearm,    // `door`: a guard's override re-arms a circle gate after a fire release or a
                  // refused cycle's alarm (firmware/circle_gate.hpp)
};

// One card in a panel's offline cache: what the panel needs to decide alone for its door(s).
// No secret in clear: the PIN only as the panel's own hash of it, templates sealed to the panel.
// How a window treats the site's holidays (the schedule's holiday rule, policy/schedule.hpp):
// on the wire a fourth element "closed_on_holidays" / "holidays_only"; none for `any`.
enum class WindowHolidays {
    any,               // an ordinary day of its weekday
    closedOnHolidays,  // never on a holiday of the policy's list
    holidaysOnly,      // only on a holiday of the list
};
struct OfflineWindow {
    int day = 0;       // 0 = Monday .. 6 = Sunday, in the site's time zone
    int fromMin = 0;   // 0..1439, minutes after midnight
    int untilMin = 0;  // fromMin+1..1440
    WindowHolidays holidays = WindowHolidays::any;
};
struct CacheEntry {
    std::string card;               // canonical card id
    std::string person;             // the person's id
    std::int64_t validFromUs = 0;   // Unix µs; 0: no start
    std::int64_t validUntilUs = 0;  // Unix µs; 0: no end
    // When the person may pass this panel's door, per side; empty: never on that side.
    std::vector<OfflineWindow> entryWindows;
    std::vector<OfflineWindow> exitWindows;
    // HMAC-SHA-256 of the PIN under the panel's offline PIN key (docs/mqtt.md), 64 hex; empty: no
    // PIN enrolled for the panel (a PIN door then denies offline: wrong_pin).
    std::string pinHash;
    // The person's templates sealed with the panel key (as a challenge's template_box); empty:
    // none.
    std::string templateBox;
    std::string templateBox2;
    int weightG = 0;  // the enrolled weight for circle gates; 0: none
};
// The site's offline policy for one panel's door (docs/config.md [offline]).
enum class DegradedMode {
    deny,       // past the staleness bound a three-factor door refuses everyone offline
    twoPerson,  // ... admits only when two cached people badge within the two-person window
};
enum class JournalFullPolicy {
    denyOffline,   // a full journal: offline decisions are denied (journal_full); reports lost
                   // meanwhile are counted and sent as journal_overflow once space returns
    keepDeciding,  // decide as usual; lost reports counted likewise
};
struct OfflinePolicy {
    std::string door;
    std::vector<Factor> entryFactors;  // as the controller asks them online (card first)
    std::vector<Factor> exitFactors;   // empty: free exit by request-to-exit
    bool twoPerson = false;            // the door's inner zone takes the two-person rule
    int twoPersonWindowMs = 30'000;
    int fingerThreshold = 60;
    int unlockMs = 5000;
    std::int64_t stalenessMs = 900'000;  // without a cache_sync this long, the cache is stale
    DegradedMode degraded = DegradedMode::deny;
    JournalFullPolicy journalFull = JournalFullPolicy::denyOffline;
    // The site's holidays and closures ahead (and the day before), as local day numbers (days
    // since 1970-01-01 in the site's calendar), ascending: what the windows' holiday rules look
    // at. Absent on the wire: none.
    std::vector<std::int64_t> holidays{};
};

// Limits the codec enforces.
inline constexpr int kMaxHoldUnlockedMs = 24 * 3600 * 1000;  // one day
inline constexpr std::size_t kMaxCacheEntries = 8;  // per cache_put (the payload limit binds first
                                                    // with templates: one entry then)
inline constexpr std::size_t kMaxOfflineWindows = 56;    // per side of an entry (two rules a day)
inline constexpr std::size_t kMaxOfflineHolidays = 128;  // a policy's list: a year and a bit
inline constexpr std::int64_t kMaxStalenessMs = 7LL * 24 * 3600 * 1000;  // a week
inline constexpr std::size_t kMaxCommandCards = 32;                      // per command
inline constexpr std::size_t kMaxCommandIdChars = 64;
inline constexpr std::size_t kMaxAckReasonChars = 64;

struct PanelCommand {
    std::string id;  // the controller's command id, [a-z0-9-]{1,64}; the ack echoes it
    CommandType type = CommandType::lock;
    std::string door;  // unlock, hold_unlocked, lock: the door; empty otherwise
    int ms = 0;        // unlock: 1..kMaxUnlockMs; hold_unlocked: 1..kMaxHoldUnlockedMs
    std::vector<std::string> cards;  // revoke, restore, cache_remove: 1..32 canonical card ids
    // Issue 15.
    std::uint64_t seq = 0;      // event_ack: 1..kMaxCounter
    std::uint64_t version = 0;  // cache_*: 1..kMaxCounter, per panel, strictly increasing
                                // over puts, removes and resets; cache_sync repeats the last
    std::vector<CacheEntry> entries{};      // cache_put
    std::optional<OfflinePolicy> policy{};  // cache_sync: required
    LinkAuth auth;                          // epoch, the controller's counter, a fresh nonce, mac
};

enum class AckResult {
    done,     // carried out
    refused,  // authentic but not for this panel (another door); `reason` says why
};

struct PanelAck {
    std::string command;  // the command's id
    AckResult result = AckResult::done;
    std::string reason;  // with refused: 1..64 printable ASCII; empty with done
    LinkAuth auth;       // the panel's epoch and counter, the command's nonce, mac
};

std::string_view toString(CommandType type);
std::string_view toString(AckResult result);
std::string_view toString(DegradedMode mode);         // "deny" | "two_person"
std::string_view toString(JournalFullPolicy policy);  // "deny_offline" | "keep_deciding"
// A card id as the deny list keeps it: the canonical id of protocol/card_format.hpp (upper-case
// hex for FeliCa / MIFARE, "W26-<facility>-<number>" and the like for Wiegand).
bool isDenyListCardId(std::string_view id);

std::string encode(const PanelCommand& message);
std::string encode(const PanelAck& message);
// The exact bytes the MAC covers: the message without its mac member.
std::string encodeBody(const PanelCommand& message);
std::string encodeBody(const PanelAck& message);

Parsed<PanelCommand> parsePanelCommand(std::string_view json);
Parsed<PanelAck> parsePanelAck(std::string_view json);

// The panel's offline cache at rest (the HAL encrypts these bytes; docs/mqtt.md "The offline
// cache"): {"format":"sekimori.panel.cache.v1","version":N,"policy":{...},"entries":[...]}, the
// entries and policy exactly as cache_put and cache_sync carry them. Parsing is as strict as the
// commands' (an error names the field; "entries: entry 3: card: ..."); the time of the last sync
// is never stored, so a cache read back is stale until the next cache_sync.
inline constexpr std::string_view kCacheFormat = "sekimori.panel.cache.v1";
inline constexpr std::size_t kMaxCachedCards = 100'000;
inline constexpr std::size_t kMaxCacheBytes = std::size_t{512} << 20;  // 512 MiB
struct CacheContents {
    std::uint64_t version = 0;              // 0: never synced (then no entries)
    std::optional<OfflinePolicy> policy{};  // absent until the first cache_sync
    std::vector<CacheEntry> entries{};      // no card twice
};
std::string encodeCacheEntries(const CacheContents& cache);
Parsed<CacheContents> parseCacheEntries(std::string_view json);

std::string commandMacInput(std::string_view site, std::string_view panel,
                            const PanelCommand& command, std::string_view body);
std::string ackMacInput(std::string_view site, std::string_view panel, const PanelAck& ack,
                        std::string_view body);

}  // namespace sekimori::protocol
