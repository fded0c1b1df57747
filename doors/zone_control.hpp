#pragma once
// Zone control: the runtime owner of the zone rules that are state rather than a decision —
// lockdowns (LockdownState), never-alone (NeverAloneWatch and its timer), anti-passback
// forgiveness and the muster roll. Admission (doors/admission) asks it; its routes
// (doors/zone_routes) change it, each change recorded and applied once durable; at start it is
// rebuilt from the trail (doors/zone_rebuild) on the credential cache's reader thread.
// Everything here runs on the io executor; nothing touches SQLite except a forgiveness's
// Change, on the recorder's writer thread.
//
// Wiring in doors/doors_service.cpp (D1), each a line or two:
//   #include "doors/zone_control.hpp"  and  #include "doors/zone_routes.hpp"
//   Impl:     std::unique_ptr<ZoneControl> zones;  bool zonesLoaded = false;
//   create(): impl->zones = std::make_unique<ZoneControl>(ZoneControlParts{
//                 impl->parts.executor, impl->parts.recorder, impl->parts.clock, impl->presence,
//                 impl->parts.rules, impl->parts.zoneParents});
//   start():  after cache->post(<the presence rebuild>), so the never-alone check sees the
//             rebuilt presence (the reader runs its jobs in order):
//                 zones->restore(*cache, [this] { zonesLoaded = true; maybeServe(); });
//   maybeServe(): also wait for zonesLoaded (a restart must not open a locked-down zone).
//   stop():   zones->stop();  (before cache->stop())
//   feed():   after the presence events of a MovePresence are recorded:
//                 zones->presenceChanged(move->passage.toZone);
//   routes(): for (auto& r : zoneRoutes(*impl->zones)) routes.push_back(std::move(r));
//   admission (AdmissionInput): lockedDown = zones->lockedDown(targetZone),
//             exemptGroups = &zones->exemptGroups(), forgiven = zones->forgiven(person);
//             after an entry-side Admit is durable, for every Passing p:
//                 zones->consumeForgiveness(p.entrant.person);
//             (a forgiveness lasts until the person's next entry, used or not: that is what
//             the rebuild replays from access.granted).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_route.hpp"
#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"
#include "doors/access_rules_config.hpp"
#include "doors/lockdown_state.hpp"
#include "doors/never_alone.hpp"
#include "doors/presence.hpp"
#include "doors/zone_muster.hpp"
#include "doors/zone_rebuild.hpp"

namespace sekimori::doors {

class CredentialCache;

// Error codes of zone control's operations (docs/openapi.yaml; the console's catalogue has
// error.<code>).
inline constexpr std::string_view kZoneLockdownActive = "doors.lockdown_active";      // 409
inline constexpr std::string_view kZoneNotLockedDown = "doors.not_locked_down";       // 409
inline constexpr std::string_view kZoneAlreadyForgiven = "doors.already_forgiven";    // 409
inline constexpr std::string_view kZoneUnknownPerson = "doors.not_found";             // 404
inline constexpr std::string_view kZoneStoreUnavailable = "doors.store_unavailable";  // 503

struct ZoneControlParts {
    boost::asio::any_io_executor executor;  // the daemon's io thread
    core::EventRecorder& recorder;
    const core::Clock& clock;
    const Presence& presence;  // the doors service's; read after every presence change
    // never_alone zones (with their alone_grace_s) and [lockdown] exempt_groups are taken.
    const AccessRulesConfig& rules;
    // zone id -> parent zone id, from [[zones]] (a zone lockdown covers its descendants).
    std::map<std::string, std::string, std::less<>> zoneParents;
};

class ZoneControl {
  public:
    explicit ZoneControl(ZoneControlParts parts);
    ~ZoneControl();
    ZoneControl(const ZoneControl&) = delete;
    ZoneControl& operator=(const ZoneControl&) = delete;

    // Reads the trail on the cache's reader thread (readZoneTrail), applies it on the io
    // thread, checks every never-alone zone against presence, then calls `restored` (also when
    // the trail could not be read: logged as an error, serving goes on). Once.
    void restore(CredentialCache& cache, std::function<void()> restored);
    // Cancels the timer; nothing of zone control runs after it returns.
    void stop();

    // --- what admission asks (the access sessions, io thread) ---
    bool lockedDown(std::string_view zone) const;
    const std::vector<std::string>& exemptGroups() const { return exemptGroups_; }
    bool exempt(const std::vector<std::string>& groups) const;
    bool forgiven(const std::string& person) const;
    void consumeForgiveness(const std::string& person);
    // After presence moved someone: re-checks every never-alone zone (there are few, so a
    // missed zone can never leave a stale alarm) and records zone.alone_cleared at once when
    // a zone's count left one; a raise waits for the zone's grace on the timer.
    void presenceChanged(const std::string& zone);

    // {"lockdowns": [...], "exempt_groups": [...], "never_alone": NeverAloneWatch::toJson(),
    //  "alone": [{zone, person, person_name, since_us}] (raised now), "forgiven": [person ids],
    //  "muster": null | {started_us, on_roll, left_count}}
    nlohmann::json toJson() const;

    // --- what the routes do (doors/zone_routes): each records its event and changes the
    // state once the event is durable; `done` runs on the io thread with the error (codes
    // above) or nothing. ---
    using Done = std::function<void(const core::Result<void>&)>;
    struct Actor {
        std::string source;     // "operator:<name>"
        nlohmann::json fields;  // core::actorFields
        std::string name;       // the operator
    };
    void startLockdown(const Actor& actor, LockdownScope scope, const std::string& zone,
                       const std::string& comment, Done done);
    void liftLockdown(const Actor& actor, LockdownScope scope, const std::string& zone,
                      const std::string& comment, Done done);
    // `done` also hears the forgiven person's name (from door_people, read in the Change).
    void forgive(const Actor& actor, const std::string& person, const std::string& comment,
                 std::function<void(const core::Result<std::string>&)> done);
    void startMuster(const Actor& actor, const std::string& comment, Done done);

    bool knowsZone(std::string_view zone) const;
    // GET /api/lockdown: {"lockdowns": [...], "exempt_groups": [...]}
    nlohmann::json lockdownJson() const;
    // GET /api/muster: musterJson(presence, the last roll)
    nlohmann::json musterReport() const;

    // Runs what is due by the clock now: the timer calls it at nextDeadline(); a test that
    // moved a manual clock may call it too.
    void checkDeadlines();

  private:
    void applyTrail(ZoneTrail trail);
    void checkZone(const std::string& zone);
    void recordAloneChanges(const std::vector<AloneChange>& changes);
    void armTimer();

    ZoneControlParts parts_;
    std::vector<std::string> exemptGroups_;
    std::set<std::string> knownZones_;
    LockdownState lockdowns_;
    NeverAloneWatch watch_;
    std::vector<std::string> watchedZones_;
    std::set<std::string> forgiven_;
    std::optional<MusterRoll> muster_;
    // Operations whose event is on its way to the store: a second start of the same lockdown,
    // lift, or forgiveness of the same person is refused until the first is settled.
    std::set<std::string> inFlight_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::doors
