#include "doors/zone_control.hpp"

#include <boost/asio/post.hpp>

#include <chrono>
#include <utility>

#include "core/log.hpp"
#include "doors/credential_cache.hpp"
#include "doors/zone_events.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";

std::string lockdownKey(LockdownScope scope, const std::string& zone) {
    return scope == LockdownScope::site ? "lockdown:site" : "lockdown:zone:" + zone;
}

std::string targetOf(LockdownScope scope, const std::string& zone) {
    return scope == LockdownScope::site ? std::string(kSiteTarget) : zone;
}

ZoneActor zoneActor(const ZoneControl::Actor& actor) {
    return ZoneActor{actor.source, actor.fields};
}

core::Error storeError(const core::Error& error) {
    return core::makeError(std::string(kZoneStoreUnavailable),
                           "the audit store cannot take the change now: " + error.message);
}

// The person's name from door_people, on the writer's connection inside the Change: the
// forgiveness names whom it is for, and an unknown person records nothing.
core::Result<std::string> personName(core::Database& db, const std::string& person) {
    auto st = db.prepare("SELECT name FROM door_people WHERE id = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, person);
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return core::makeError(std::string(kZoneUnknownPerson), "no person '" + person + "'");
    }
    return st->columnText(0);
}

}  // namespace

ZoneControl::ZoneControl(ZoneControlParts parts)
    : parts_(std::move(parts)),
      exemptGroups_(parts_.rules.lockdownExemptGroups),
      lockdowns_(parts_.zoneParents),
      timer_(parts_.executor) {
    for (const auto& [zone, parent] : parts_.zoneParents) {
        knownZones_.insert(zone);
        if (!parent.empty()) {
            knownZones_.insert(parent);
        }
    }
    for (const auto& [zone, rules] : parts_.rules.zoneRules) {
        if (rules.neverAlone) {
            watch_.watch(
                zone,
                std::chrono::duration_cast<std::chrono::microseconds>(rules.aloneGrace).count());
            watchedZones_.push_back(zone);
        }
    }
}

ZoneControl::~ZoneControl() {
    stop();
}

void ZoneControl::stop() {
    alive_ = std::make_shared<int>(0);
    timer_.cancel();
}

void ZoneControl::restore(CredentialCache& cache, std::function<void()> restored) {
    cache.post([this, token = std::weak_ptr<int>(alive_),
                restored = std::move(restored)](core::Database& db) mutable {
        auto trail = readZoneTrail(db);
        boost::asio::post(parts_.executor, [this, token, trail = std::move(trail),
                                            restored = std::move(restored)]() mutable {
            if (token.expired()) {
                return;
            }
            if (trail) {
                applyTrail(std::move(trail.value()));
                core::logInfo(kComponent, "lockdowns and zone rules rebuilt from the audit trail");
            } else {
                // Serving matters more; operators hear that a lockdown may not be in force.
                core::logError(kComponent, "lockdowns could not be rebuilt from the audit trail: " +
                                               trail.error().message);
            }
            for (const auto& zone : watchedZones_) {
                checkZone(zone);
            }
            armTimer();
            restored();
        });
    });
}

void ZoneControl::applyTrail(ZoneTrail trail) {
    for (const auto& r : trail.lockdownEvents) {
        lockdowns_.replay(r.type, r.payload, r.timeUs);
    }
    forgiven_ = std::move(trail.forgiven);
    muster_ = std::move(trail.muster);
    for (const auto& [zone, alone] : trail.alone) {
        if (watch_.watches(zone)) {
            watch_.restoreRaised(zone, alone.person, alone.sinceUs);
        } else {
            // The zone is no longer never-alone: its open alarm is cleared, not left hanging.
            parts_.recorder.record(zoneAloneClearedEvent(
                AloneCleared{zone, parts_.presence.occupants(zone).size()}, parts_.clock.nowUs()));
        }
    }
}

bool ZoneControl::lockedDown(std::string_view zone) const {
    return lockdowns_.covers(zone);
}

bool ZoneControl::exempt(const std::vector<std::string>& groups) const {
    return sharesGroup(groups, exemptGroups_);
}

bool ZoneControl::forgiven(const std::string& person) const {
    return forgiven_.count(person) != 0;
}

void ZoneControl::consumeForgiveness(const std::string& person) {
    forgiven_.erase(person);
}

void ZoneControl::presenceChanged(const std::string& /*zone*/) {
    for (const auto& zone : watchedZones_) {
        checkZone(zone);
    }
    armTimer();
}

void ZoneControl::checkZone(const std::string& zone) {
    recordAloneChanges(watch_.update(zone, parts_.presence.occupants(zone), parts_.clock.nowUs()));
}

void ZoneControl::checkDeadlines() {
    recordAloneChanges(watch_.tick(parts_.clock.nowUs()));
    armTimer();
}

void ZoneControl::recordAloneChanges(const std::vector<AloneChange>& changes) {
    const core::TimeUs now = parts_.clock.nowUs();
    for (const auto& change : changes) {
        if (const auto* raised = std::get_if<AloneRaised>(&change)) {
            std::string name;
            for (const auto& o : parts_.presence.occupantsOf(raised->zone)) {
                if (o.person == raised->person) {
                    name = o.personName;
                }
            }
            core::logWarning(kComponent,
                             "never alone: " + raised->person + " is alone in " + raised->zone);
            parts_.recorder.record(zoneAloneEvent(*raised, name, now));
        } else if (const auto* cleared = std::get_if<AloneCleared>(&change)) {
            core::logInfo(kComponent, "never alone: " + cleared->zone + " has " +
                                          std::to_string(cleared->count) + " inside");
            parts_.recorder.record(zoneAloneClearedEvent(*cleared, now));
        }
    }
}

void ZoneControl::armTimer() {
    timer_.cancel();
    const auto due = watch_.nextDeadline();
    if (!due) {
        return;
    }
    const core::TimeUs wait = std::max<core::TimeUs>(0, *due - parts_.clock.nowUs());
    timer_.expires_after(std::chrono::microseconds(wait));
    timer_.async_wait(
        [this, token = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
            if (ec || token.expired()) {
                return;
            }
            checkDeadlines();
        });
}

bool ZoneControl::knowsZone(std::string_view zone) const {
    return knownZones_.count(std::string(zone)) != 0;
}

void ZoneControl::startLockdown(const Actor& actor, LockdownScope scope, const std::string& zone,
                                const std::string& comment, Done done) {
    const std::string key = lockdownKey(scope, zone);
    Lockdown lockdown{scope, targetOf(scope, zone), parts_.clock.nowUs(), comment, actor.name};
    LockdownState probe = lockdowns_;
    if (inFlight_.count(key) != 0 || !probe.start(lockdown)) {
        done(core::makeError(std::string(kZoneLockdownActive),
                             "a lockdown of " + lockdown.target + " is already in force"));
        return;
    }
    inFlight_.insert(key);
    core::Change change;
    change.events.push_back(lockdownStartedEvent(lockdown, zoneActor(actor), lockdown.sinceUs));
    change.onDone = [this, token = std::weak_ptr<int>(alive_), key, lockdown,
                     done = std::move(done)](const core::Result<void>& stored) {
        if (token.expired()) {
            return;
        }
        inFlight_.erase(key);
        if (!stored) {
            done(storeError(stored.error()));
            return;
        }
        lockdowns_.start(lockdown);
        core::logInfo(kComponent,
                      "lockdown of " + lockdown.target + " started by " + lockdown.actor);
        done({});
    };
    parts_.recorder.commit(std::move(change));
}

void ZoneControl::liftLockdown(const Actor& actor, LockdownScope scope, const std::string& zone,
                               const std::string& comment, Done done) {
    const std::string key = lockdownKey(scope, zone);
    const std::string target = targetOf(scope, zone);
    LockdownState probe = lockdowns_;
    if (inFlight_.count(key) != 0 || !probe.lift(scope, zone)) {
        done(core::makeError(std::string(kZoneNotLockedDown),
                             "no lockdown of " + target + " is in force"));
        return;
    }
    inFlight_.insert(key);
    core::Change change;
    change.events.push_back(
        lockdownLiftedEvent(scope, target, comment, zoneActor(actor), parts_.clock.nowUs()));
    change.onDone = [this, token = std::weak_ptr<int>(alive_), key, scope, zone, target,
                     who = actor.name, done = std::move(done)](const core::Result<void>& stored) {
        if (token.expired()) {
            return;
        }
        inFlight_.erase(key);
        if (!stored) {
            done(storeError(stored.error()));
            return;
        }
        lockdowns_.lift(scope, zone);
        core::logInfo(kComponent, "lockdown of " + target + " lifted by " + who);
        done({});
    };
    parts_.recorder.commit(std::move(change));
}

void ZoneControl::forgive(const Actor& actor, const std::string& person, const std::string& comment,
                          std::function<void(const core::Result<std::string>&)> done) {
    const std::string key = "forgive:" + person;
    if (inFlight_.count(key) != 0 || forgiven_.count(person) != 0) {
        done(core::makeError(std::string(kZoneAlreadyForgiven),
                             person + " is already forgiven until their next entry"));
        return;
    }
    inFlight_.insert(key);
    // The zone the person is recorded in now is what anti-passback holds against them.
    const std::string recordedZone = parts_.presence.zoneOf(person).value_or("");
    auto name = std::make_shared<std::string>();
    core::Change change;
    change.apply =
        [person, recordedZone, comment, name, zoneActor = zoneActor(actor),
         now = parts_.clock.nowUs()](core::Database& db) -> core::Result<std::vector<core::Event>> {
        auto found = personName(db, person);
        if (!found) {
            return found.error();
        }
        *name = *found;
        return std::vector<core::Event>{
            passbackForgivenEvent(person, *found, recordedZone, comment, zoneActor, now)};
    };
    change.onDone = [this, token = std::weak_ptr<int>(alive_), key, person, name,
                     done = std::move(done)](const core::Result<void>& stored) {
        if (token.expired()) {
            return;
        }
        inFlight_.erase(key);
        if (!stored) {
            done(stored.error().code == kZoneUnknownPerson ? stored.error()
                                                           : storeError(stored.error()));
            return;
        }
        forgiven_.insert(person);
        done(*name);
    };
    parts_.recorder.commit(std::move(change));
}

void ZoneControl::startMuster(const Actor& actor, const std::string& comment, Done done) {
    MusterRoll roll = takeMusterRoll(parts_.presence, parts_.clock.nowUs(), actor.name, comment);
    core::Change change;
    change.events.push_back(musterStartedEvent(roll, zoneActor(actor)));
    change.onDone = [this, token = std::weak_ptr<int>(alive_), roll = std::move(roll),
                     done = std::move(done)](const core::Result<void>& stored) mutable {
        if (token.expired()) {
            return;
        }
        if (!stored) {
            done(storeError(stored.error()));
            return;
        }
        core::logInfo(kComponent, "muster started by " + roll.actor + ": " +
                                      std::to_string(roll.people.size()) + " on the roll");
        muster_ = std::move(roll);
        done({});
    };
    parts_.recorder.commit(std::move(change));
}

nlohmann::json ZoneControl::lockdownJson() const {
    nlohmann::json out = lockdowns_.toJson();
    out["exempt_groups"] = exemptGroups_;
    return out;
}

nlohmann::json ZoneControl::musterReport() const {
    return musterJson(parts_.presence, muster_);
}

nlohmann::json ZoneControl::toJson() const {
    nlohmann::json out = lockdownJson();
    out["never_alone"] = watch_.toJson();
    // The zones with one person alone now, as zone.alone names them (the overview's list).
    nlohmann::json alone = nlohmann::json::array();
    for (const auto& zone : watchedZones_) {
        if (!watch_.raised(zone)) {
            continue;
        }
        const auto& state = out["never_alone"][zone];
        const std::string person = state.value("person", std::string());
        std::string name;
        for (const auto& o : parts_.presence.occupantsOf(zone)) {
            if (o.person == person) {
                name = o.personName;
            }
        }
        alone.push_back({{"zone", zone},
                         {"person", person},
                         {"person_name", name},
                         {"since_us", state.value("since_us", core::TimeUs{0})}});
    }
    out["alone"] = std::move(alone);
    out["forgiven"] = forgiven_;
    nlohmann::json muster = nullptr;
    if (muster_) {
        const auto report = musterReport()["muster"];
        muster = {{"started_us", report["started_us"]},
                  {"on_roll", report["on_roll"]},
                  {"left_count", report["left_count"]}};
    }
    out["muster"] = std::move(muster);
    return out;
}

}  // namespace sekimori::doors
