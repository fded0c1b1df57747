#pragma once
// Keeps every panel's offline cache (firmware/offline_cache) current, incrementally and
// acknowledged (docs/offline.md, "Cache sync and the staleness bound"). Per panel it computes
// the entries its door needs from each credential snapshot (wantedEntries: every active card of
// every active person who may pass the door on some side), diffs them against what the panel
// acknowledged, and sends cache_remove (first: taking access away never waits behind puts) and
// cache_put through PanelGateway::sendCommand, versions strictly increasing per panel. After a
// daemon restart (or a refused command, or a panel that reports an older cache than it acked)
// it sends cache_reset, then every entry again. Once everything wanted is sent it sends
// cache_sync {version, policy}, and again every [offline] sync_interval_s: a panel whose cache is
// at that version is fresh as of then. A panel whose acknowledged version and entries equal the
// current ones is in sync: panel.cache_synced is recorded when it gets there; one behind longer
// than [offline] behind_alarm_s raises panel.cache_behind (an alarm until the next synced).
//
// Templates travel sealed for the panel (core::sealBox under the panel key, as a challenge's
// template_box); the diff compares the stored boxes (a digest of every entry field), never the
// fresh seal. An entry with a template is put alone (the payload limit, 4096 bytes); a second
// finger that does not fit beside the first is left out of the entry (the panel scores the
// first only). Pure of the clock (injected) and of MQTT (send/record/online are functions);
// io thread only.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event.hpp"
#include "doors/access_policy.hpp"
#include "doors/credential_snapshot.hpp"
#include "doors/door_spec.hpp"
#include "doors/offline_config.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_commands.hpp"

namespace sekimori::doors {

struct OfflineSyncParts {
    const core::Clock& clock;
    OfflineConfig config;
    // Every door; a panel's cache is for the first door (by id) it serves.
    std::vector<DoorSpec> doors;
    AccessLevels levels;
    Schedules schedules;
    std::function<bool(std::string_view zone)> twoPersonZone;   // the zone takes two-person
    std::function<bool(std::string_view zone)> workWindowZone;  // entry only in a vault window
    std::map<std::string, core::Bytes> panelKeys;               // per panel: reseals templates
    core::Bytes templateKey;                                    // opens the stored templates
    std::function<bool(const std::string& panel, protocol::PanelCommand command)> send;
    std::function<void(core::Event event)> record;
};

// One entry as the controller wants it at a panel; templateBox / templateBox2 still hold the
// stored boxes (sealed under the template key), `digest` covers every field.
struct WantedEntry {
    protocol::CacheEntry entry;
    std::string digest;  // hex SHA-256 of the entry's fields
};
// The entries `door` (served by `panel`) needs from `snapshot` at `now`, by card. With
// `entryOffline` false (the door's zone admits only inside a vault work window, which a panel
// alone cannot check) no entry carries entry windows: the door refuses entry offline, and exits
// as usual. `changesAtUs` (when given) gets the first time after `now` at which a level
// assignment's dates begin or end, the only way the answer changes with time (0: never).
std::map<std::string, WantedEntry> wantedEntries(const DoorSpec& door, const std::string& panel,
                                                 const CredentialSnapshot& snapshot,
                                                 const AccessLevels& levels,
                                                 const Schedules& schedules, core::TimeUs now,
                                                 bool entryOffline = true,
                                                 core::TimeUs* changesAtUs = nullptr);
// A schedule's weekly windows as the panel keeps them (one per day, merged, sorted), each with
// the schedule's holiday rule.
std::vector<protocol::OfflineWindow> offlineWindows(const policy::Schedule& schedule);
// How far ahead the policy lists the site's holidays: the staleness bound (a week at most) keeps
// a panel's list renewed long before it runs out.
inline constexpr std::int64_t kOfflineHolidayHorizonDays = 400;
// The site's holidays and closures from yesterday through the horizon, as local day numbers
// (the calendar the schedules share; none: empty).
std::vector<std::int64_t> offlineHolidays(const Schedules& schedules, core::TimeUs now);
// An upper bound on the wire size of a cache_put carrying `entries` as stored (templates still the
// stored boxes, which are a byte longer than the panel's seal), envelope and MAC included.
std::size_t estimatedPutBytes(const std::vector<protocol::CacheEntry>& entries);
// The [offline] policy for one door, as cache_sync carries it.
protocol::OfflinePolicy offlinePolicyFor(const DoorSpec& door, const OfflineConfig& config,
                                         bool twoPerson, std::vector<std::int64_t> holidays = {});

class OfflineSync {
  public:
    static constexpr std::string_view kIdPrefix = "cache-";  // every command id it sends
    static constexpr std::size_t kMaxInFlight = 16;  // unacknowledged puts/removes per panel
    // Of protocol::kMaxPayloadBytes: what a put's entries may take (estimatedPutBytes).
    static constexpr std::size_t kPutBudget = protocol::kMaxPayloadBytes;

    explicit OfflineSync(OfflineSyncParts parts);
    ~OfflineSync();  // wipes its copies of the keys
    OfflineSync(const OfflineSync&) = delete;
    OfflineSync& operator=(const OfflineSync&) = delete;

    // A new snapshot: every panel's wanted entries recomputed, the differences sent.
    void setCredentials(std::shared_ptr<const CredentialSnapshot> snapshot);
    // The panel's status: online transitions (what was in flight while it was away is sent
    // again), cache_version and journal_pending as it reported them.
    void panelStatus(const std::string& panel, const protocol::PanelStatus& status);
    // An authentic ack from the gateway; true when it answered one of ours (ids "cache-...").
    bool acked(const std::string& panel, const protocol::PanelAck& ack);
    // Every sync interval: recompute (dates and levels move with time), resend what went
    // unacknowledged for a sync interval, cache_sync to every panel that is current, and the
    // behind alarm.
    void tick();

    struct PanelSync {
        std::string panel;
        std::string door;
        std::optional<bool> online;  // unknown until its first status
        std::uint64_t version = 0;   // the current version (last sent)
        std::uint64_t ackedVersion = 0;
        std::size_t entries = 0;  // wanted
        std::size_t pending = 0;  // cards still to put or remove, or unacknowledged
        bool inSync = false;
        std::optional<core::TimeUs> behindSinceUs;
        bool behindAlarm = false;
        std::optional<std::uint64_t> journalPending;   // from PanelStatus
        std::optional<std::uint64_t> reportedVersion;  // PanelStatus cache_version
    };
    std::vector<PanelSync> panels() const;
    std::optional<PanelSync> panel(const std::string& id) const;
    // {"panels":[{"panel","door","online","cache":{"version","acked","entries","pending",
    //  "in_sync","behind_since_us","behind_alarm","reported"},"journal_pending"}]} by panel id.
    nlohmann::json toJson() const;

  private:
    struct Sent {
        std::string id;
        std::uint64_t version = 0;
        protocol::CommandType type = protocol::CommandType::cacheReset;
        std::map<std::string, std::string> puts;  // card -> digest
        std::vector<std::string> removes;
        core::TimeUs sentUs = 0;
    };
    struct Panel {
        std::string id;
        const DoorSpec* door = nullptr;
        std::optional<bool> online;
        std::optional<std::uint64_t> reportedVersion, journalPending;
        bool needsReset = true;     // nothing is known of the panel's cache after a start
        bool versionBased = false;  // the first version was taken from the clock
        std::uint64_t version = 0;
        std::uint64_t ackedVersion = 0;
        std::uint64_t syncedVersion = 0;              // the last version a cache_sync named
        std::map<std::string, std::string> acked;     // card -> digest, acknowledged
        std::map<std::string, std::string> sentView;  // card -> digest, acked + in flight
        std::map<std::string, WantedEntry> wanted;
        std::uint64_t wantedGeneration = 0;  // the snapshot `wanted` was built from
        bool wantedEntryOffline = true;
        core::TimeUs wantedChangesAtUs = 0;  // wantedEntries' changesAtUs
        std::deque<Sent> inFlight;
        std::optional<core::TimeUs> behindSinceUs;
        bool behindRaised = false;
    };

    void recompute(Panel& p);
    void pump(Panel& p);
    void sendSync(Panel& p);
    void evaluate(Panel& p);
    void forgetInFlight(Panel& p);
    std::uint64_t nextVersion(Panel& p);
    bool sendTracked(Panel& p, protocol::PanelCommand command, Sent sent);
    protocol::CacheEntry sealedForPanel(const Panel& p, const protocol::CacheEntry& stored);
    bool pendingDiff(const Panel& p) const;
    bool inSync(const Panel& p) const;
    PanelSync view(const Panel& p) const;

    OfflineSyncParts parts_;
    std::map<std::string, Panel> panels_;
    std::shared_ptr<const CredentialSnapshot> snapshot_;
    std::uint64_t snapshotGeneration_ = 0;  // counts setCredentials
    std::uint64_t syncCounter_ = 0;
};

}  // namespace sekimori::doors
