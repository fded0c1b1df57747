#include "doors/doors_service.hpp"

#include <sodium.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <iterator>
#include <set>
#include <utility>

#include "core/core_event_types.hpp"
#include "core/log.hpp"
#include "doors/access_catalog_routes.hpp"
#include "doors/access_policy.hpp"
#include "doors/access_sessions.hpp"
#include "doors/credential_cache.hpp"
#include "doors/credential_rows.hpp"
#include "doors/door_commands.hpp"
#include "doors/door_event_types.hpp"
#include "doors/door_events.hpp"
#include "doors/door_routes.hpp"
#include "doors/door_state.hpp"
#include "doors/door_views.hpp"
#include "doors/enrollment_routes.hpp"
#include "doors/gate_rebuild.hpp"
#include "doors/gate_supervision.hpp"
#include "doors/offline_sync.hpp"
#include "doors/panel_gateway.hpp"
#include "doors/panel_routes.hpp"
#include "doors/person_routes.hpp"
#include "doors/presence_rebuild.hpp"
#include "doors/revocation_push.hpp"
#include "doors/zone_control.hpp"
#include "doors/zone_routes.hpp"
#include "policy/portal_holds.hpp"
#include "policy/work_windows.hpp"
#include "policy/zone_access_query.hpp"
#include "protocol/ids.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";

void wipe(core::Bytes& secret) {
    if (!secret.empty()) {
        sodium_memzero(secret.data(), secret.size());
    }
    secret.clear();
}

int toMs(std::chrono::milliseconds ms) {
    return static_cast<int>(ms.count());
}

DoorSpec specFrom(const DoorConfig& c) {
    DoorSpec s;
    s.id = c.id;
    s.name = c.name;
    s.panel = c.panel;
    s.fromZone = c.fromZone;
    s.toZone = c.toZone;
    s.entryFactors = c.entryFactors;
    s.exitFactors = c.exitFactors;
    s.unlockMs = toMs(c.unlock);
    s.stepTimeoutMs = toMs(c.stepTimeout);
    s.fingerThreshold = c.fingerThreshold;
    s.heldOpenMs = toMs(c.heldOpen);
    s.keypadOnly = c.keypadOnly;
    s.heldOpenWarnMs = toMs(c.heldOpenWarning);
    s.cardFormats = c.cardFormats;
    s.kind = c.kind == "rack"          ? DoorSpec::Kind::rack
             : c.kind == "key_cabinet" ? DoorSpec::Kind::keyCabinet
                                       : DoorSpec::Kind::door;
    s.camera = c.camera;
    if (c.firstPersonIn) {  // the schedule pointer is resolved against parts.schedules
        s.firstPersonIn =
            DoorSpec::FirstPersonIn{c.firstPersonIn->schedule, nullptr, c.firstPersonIn->groups};
    }
    return s;
}

// A circle gate is a portal like a door (issue 15): its own cycle keys beside the door's.
DoorSpec specFrom(const CircleGateConfig& c) {
    DoorSpec s;
    s.id = c.id;
    s.name = c.name;
    s.panel = c.panel;
    s.fromZone = c.fromZone;
    s.toZone = c.toZone;
    s.entryFactors = c.entryFactors;
    s.exitFactors = c.exitFactors;
    s.stepTimeoutMs = toMs(c.stepTimeout);
    s.fingerThreshold = c.fingerThreshold;
    s.circleGate = true;
    s.camera = c.camera;
    s.weightTolerancePct = c.weightTolerancePct;
    s.maxWeightG = static_cast<int>(c.maxWeightKg * 1000);
    s.cycleTimeoutMs = toMs(c.cycleTimeout);
    s.outerFailSafe = c.outerFailSafe;
    s.innerFailSafe = c.innerFailSafe;
    return s;
}

core::Result<void> checkParts(const DoorsServiceParts& parts) {
    if (!protocol::isValidId(parts.site)) {
        return core::makeError("doors.bad_spec", "site id '" + parts.site + "' is not a valid id");
    }
    if (parts.keys.pepper.size() != core::kPepperKeySize) {
        return core::makeError("doors.key", "PIN pepper key must be 32 bytes");
    }
    if (parts.keys.templateKey.size() != core::kBoxKeySize) {
        return core::makeError("doors.key", "template key must be 32 bytes");
    }
    std::set<std::string> scheduleIds;
    for (const auto& s : parts.schedules) {
        if (auto r = policy::validateSchedule(s); !r) {
            return r.error();
        }
        if (!scheduleIds.insert(s.id).second) {
            return core::makeError("doors.bad_schedule", "schedule " + s.id + " defined twice");
        }
    }
    std::set<std::string> doorIds;
    for (const auto& d : parts.config.doors) {
        if (auto r = validateDoorSpec(specFrom(d)); !r) {
            return r.error();
        }
        if (!doorIds.insert(d.id).second) {
            return core::makeError("doors.bad_spec", "door " + d.id + " defined twice");
        }
        auto key = parts.keys.panelKeys.find(d.panel);
        if (key == parts.keys.panelKeys.end() || key->second.size() != core::kBoxKeySize) {
            return core::makeError("doors.key",
                                   "door " + d.id + ": panel " + d.panel + " has no 32-byte key");
        }
    }
    for (const auto& g : parts.config.circleGates) {
        if (auto r = validateDoorSpec(specFrom(g)); !r) {
            return r.error();
        }
        if (!doorIds.insert(g.id).second) {
            return core::makeError("doors.bad_spec", "door or gate " + g.id + " defined twice");
        }
        auto key = parts.keys.panelKeys.find(g.panel);
        if (key == parts.keys.panelKeys.end() || key->second.size() != core::kBoxKeySize) {
            return core::makeError("doors.key",
                                   "gate " + g.id + ": panel " + g.panel + " has no 32-byte key");
        }
    }
    return {};
}

// credential.row_mismatch (docs/events.md): which row, how it differs, and the trail event that
// last named it; never the row's content (a PIN hash or a sealed template).
core::Event rowMismatchEvent(const core::RowDigestMismatch& m, core::TimeUs now) {
    const char* kind = m.kind == core::RowDigestMismatch::Kind::differs   ? "differs"
                       : m.kind == core::RowDigestMismatch::Kind::unnamed ? "unnamed"
                                                                          : "missing";
    nlohmann::json payload{{"table", m.table},
                           {"key", m.key},
                           {"kind", kind},
                           {"named_at_seq", m.seq},
                           {"detail", m.describe()}};
    // The person a row belongs to, when its key says so (a card's holder is not trusted; a
    // group's membership and level rows are keyed by group first).
    return core::Event{now, std::string(kCredentialRowMismatch.name), "doors", mismatchSubject(m),
                       payload.dump()};
}

}  // namespace

struct DoorsService::Impl {
    struct Door {
        DoorSpec spec;
        DoorState state;
        GateState gate;  // a circle gate's supervision (spec.circleGate)
        std::unique_ptr<boost::asio::steady_timer> timer;  // armed at nextDeadline()
        std::optional<PlanPoint> plan;
    };

    explicit Impl(DoorsServiceParts p) : parts(std::move(p)) {}

    DoorsServiceParts parts;
    Schedules schedules;
    std::map<std::string, Door> doors;  // by door id; nodes are stable (sessions point at specs)
    std::map<std::string, PanelView> panels;
    Presence presence;
    std::unique_ptr<CredentialCache> cache;
    std::unique_ptr<PanelGateway> gateway;
    std::unique_ptr<DoorCommands> commands;       // operators' door commands (E)
    std::unique_ptr<RevocationPush> revocations;  // revocations to the panels' deny lists (E)
    std::unique_ptr<OfflineSync> offlineSync;     // the panels' offline caches (G)
    std::unique_ptr<boost::asio::steady_timer> offlineTimer;  // OfflineSync::tick (G)
    void armOfflineTimer();                                   // (G)
    std::unique_ptr<ZoneControl> zones;  // lockdowns, never-alone, forgiveness, muster
    // The vault's handlers and windows, as its service last published them (null: none yet, and
    // a zone ruled work_window admits nobody).
    std::shared_ptr<const policy::WorkWindowBook> workWindows;
    core::EventBus::Token workWindowsToken;
    // Portals other domains hold shut, by holder (policy/portal_holds.hpp).
    std::map<std::string, std::shared_ptr<const std::map<std::string, std::string, std::less<>>>>
        portalHolds;
    core::EventBus::Token portalHoldsToken;
    core::EventBus::Token zoneAccessToken;  // answers policy::ZoneAccessQuery
    const std::string* portalHold(std::string_view door) const;
    void answer(const policy::ZoneAccessQuery& query) const;
    std::unique_ptr<AccessSessions> sessions;
    std::shared_ptr<const EnrollmentContext> enrollment;
    // Rows credential.row_mismatch was raised for, until they match again (once per row).
    std::set<std::string> raisedMismatches;
    bool started = false;
    bool credentialsLoaded = false;
    bool presenceLoaded = false;
    bool zonesLoaded = false;  // a restart must not open a locked-down zone
    bool serving = false;
    std::shared_ptr<int> alive = std::make_shared<int>(0);

    void start();
    void stop();
    void maybeServe();
    void takeCredentials(std::shared_ptr<const CredentialSnapshot> snapshot);
    // Each circle gate's supervised state from its last reports in the trail (doors/gate_rebuild).
    void restoreGates(const core::Result<GateTrail>& trail);
    void onRequest(const std::string& panel, const std::string& topic,
                   const protocol::PanelRequest& request);
    // A journaled report, taken once in the panel's order: what it makes, for the gateway to
    // commit (and ack the panel once durable).
    ReportEvents onEvent(const std::string& panel, const std::string& topic,
                         const protocol::PanelEvent& event, const SignedReport& signedReport);
    // The newest credentials (offline decisions name the person).
    std::shared_ptr<const CredentialSnapshot> credentials;
    void onStatus(const std::string& panel, const protocol::PanelStatus& status);
    // `into`: a journaled report's events go there (the gateway commits them) instead of the
    // recorder; its panel commands are sent once they are durable.
    void feed(Door& door, const DoorInput& input, ReportEvents* into = nullptr);
    // A circle gate's supervision step (doors/gate_supervision): moves presence and returns the
    // events to store, the gate's own (report) and the presence moves (derived), in the shape of
    // the gateway's ReportEvents (a panel report's are the gateway's to commit); feedGateNow
    // records them at once.
    struct GateEvents {
        std::vector<core::Event> report;
        std::vector<core::Event> derived;
    };
    GateEvents feedGate(Door& door, const GateInput& input);
    void feedGateNow(Door& door, const GateInput& input);
    // A grant is durable and sent: the door takes the grant's own passage (the last); the
    // companions who pass with them are moved through presence at once.
    void granted(Door& door, std::vector<Passage> passages);
    void armDoorTimer(Door& door);
    nlohmann::json doorsJson() const;
    std::optional<nlohmann::json> portalJson(const std::string& id) const;
};

core::Result<std::unique_ptr<DoorsService>> DoorsService::create(DoorsServiceParts parts) {
    if (auto r = checkParts(parts); !r) {
        return r.error();
    }
    {
        // The daemon migrates the doors tables once, here, before any reader connects.
        auto db = core::Database::open(parts.databasePath);
        if (!db) {
            return db.error();
        }
        auto store = CredentialStore::open(**db);
        if (!store) {
            return store.error();
        }
    }
    auto impl = std::make_unique<Impl>(std::move(parts));
    auto cache = CredentialCache::open(impl->parts.executor, impl->parts.databasePath);
    if (!cache) {
        return cache.error();
    }
    impl->cache = std::move(*cache);
    for (auto& s : impl->parts.schedules) {
        const std::string id = s.id;
        impl->schedules.emplace(id, s);
    }
    std::set<std::string> panelIds;
    for (const auto& d : impl->parts.config.doors) {
        Impl::Door door;
        door.spec = specFrom(d);
        // Manual commands into the server room or the handling area take a second person.
        door.spec.commandsNeedApproval = impl->parts.names.restrictedZones.count(d.toZone) > 0;
        if (auto& first = door.spec.firstPersonIn) {
            auto schedule = impl->schedules.find(first->scheduleId);
            if (schedule == impl->schedules.end()) {
                return core::makeError("doors.bad_schedule",
                                       "door " + d.id + ": first_person_in schedule " +
                                           first->scheduleId + " is not defined");
            }
            first->schedule = &schedule->second;  // the map outlives the door's spec
        }
        door.plan = d.plan;
        door.timer = std::make_unique<boost::asio::steady_timer>(impl->parts.executor);
        impl->panels[d.panel];
        panelIds.insert(d.panel);
        impl->doors.emplace(d.id, std::move(door));
    }
    // Circle gates are portals too: sessions, decisions, presence and lockdown apply to them.
    for (const auto& g : impl->parts.config.circleGates) {
        Impl::Door gate;
        gate.spec = specFrom(g);
        gate.spec.commandsNeedApproval = impl->parts.names.restrictedZones.count(g.toZone) > 0;
        gate.plan = g.plan;
        gate.timer = std::make_unique<boost::asio::steady_timer>(impl->parts.executor);
        impl->panels[g.panel];
        panelIds.insert(g.panel);
        impl->doors.emplace(g.id, std::move(gate));
    }
    impl->enrollment = std::make_shared<const EnrollmentContext>(EnrollmentContext{
        impl->parts.recorder, impl->parts.clock,
        EnrollmentKeys{impl->parts.keys.pepper, impl->parts.keys.templateKey,
                       impl->parts.keys.panelKeys},
        withAccessRules(impl->parts.names, impl->parts.rules), impl->parts.approvals});
    if (impl->parts.approvals != nullptr) {
        registerDoorApprovalKinds(*impl->parts.approvals, impl->enrollment);
    }
    Impl* raw = impl.get();
    impl->gateway = std::make_unique<PanelGateway>(impl->parts.executor, impl->parts.router,
                                                   impl->parts.recorder, impl->parts.clock,
                                                   impl->parts.site, panelIds, impl->parts.keys);
    impl->commands = std::make_unique<DoorCommands>(DoorCommandsParts{
        impl->parts.recorder, impl->parts.bus, impl->parts.clock, *impl->gateway,
        impl->parts.approvals,
        [raw](const std::string& id) -> const DoorSpec* {
            auto it = raw->doors.find(id);
            return it == raw->doors.end() ? nullptr : &it->second.spec;
        },
        [raw](const std::string& panel) { return raw->panels.at(panel).online.value_or(false); },
        [raw](const DoorSpec& spec, const ManualCommand& command) {
            raw->feed(raw->doors.at(spec.id), command);
        },
        [raw](const DoorSpec& gate, const nlohmann::json& actor) {
            raw->feedGateNow(raw->doors.at(gate.id), GateRearmSent{actor});
        }});
    if (impl->parts.approvals != nullptr) {
        impl->commands->registerApprovalKind(*impl->parts.approvals);
    }
    impl->revocations = std::make_unique<RevocationPush>(RevocationPushParts{
        impl->parts.bus, impl->parts.recorder, impl->parts.clock, *impl->gateway, panelIds,
        [raw](const std::string& panel) { return raw->panels.at(panel).online.value_or(false); },
        [raw](const std::string& person, std::function<void(std::vector<std::string>)> then) {
            raw->cache->post([raw, person, then = std::move(then)](core::Database& db) {
                auto cards = RevocationPush::activeCardsOf(db, person);
                boost::asio::post(raw->parts.executor, [then, cards = std::move(cards)] {
                    then(cards ? *cards : std::vector<std::string>{});
                });
            });
        }});
    {  // G: the offline caches of every panel, fed snapshots, statuses and acks.
        std::vector<DoorSpec> specs;
        for (const auto& [id, door] : impl->doors) {
            specs.push_back(door.spec);
        }
        impl->offlineSync = std::make_unique<OfflineSync>(OfflineSyncParts{
            impl->parts.clock, impl->parts.offline, std::move(specs), impl->parts.rules.levels,
            impl->schedules,
            [raw](std::string_view zone) {
                const ZoneRules* rules = raw->parts.rules.rulesFor(zone);
                return rules != nullptr && rules->twoPerson;
            },
            [raw](std::string_view zone) {
                // Nor a zone whose rule needs the controller's live view (a vault window, a
                // rack's room presence): a panel alone cannot know it.
                const ZoneRules* rules = raw->parts.rules.rulesFor(zone);
                return rules != nullptr && (rules->workWindow || !rules->presenceIn.empty());
            },
            impl->parts.keys.panelKeys, impl->parts.keys.templateKey,
            [raw](const std::string& panel, protocol::PanelCommand command) {
                return raw->gateway->sendCommand(panel, std::move(command));
            },
            [raw](core::Event event) { raw->parts.recorder.record(std::move(event)); }});
        impl->offlineTimer = std::make_unique<boost::asio::steady_timer>(impl->parts.executor);
    }
    impl->gateway->onAck([raw](const std::string& panel, const protocol::PanelAck& ack) {
        raw->revocations->acked(panel, ack);
        if (raw->parts.offline.enabled) {
            raw->offlineSync->acked(panel, ack);
        }
    });
    impl->zones = std::make_unique<ZoneControl>(
        ZoneControlParts{impl->parts.executor, impl->parts.recorder, impl->parts.clock,
                         impl->presence, impl->parts.rules, impl->parts.zoneParents});
    impl->sessions = std::make_unique<AccessSessions>(AccessSessionsParts{
        .executor = impl->parts.executor,
        .recorder = impl->parts.recorder,
        .clock = impl->parts.clock,
        .gateway = *impl->gateway,
        .keys = impl->parts.keys,
        .schedules = impl->schedules,
        .rules = impl->parts.rules,
        .presence = impl->presence,
        .zones =
            ZoneControlHooks{
                [raw](std::string_view zone) { return raw->zones->lockedDown(zone); },
                [raw](const std::string& person) { return raw->zones->forgiven(person); },
                [raw](const std::string& person) { raw->zones->consumeForgiveness(person); },
                [raw](const std::string& person, const std::string& zone, core::TimeUs nowUs) {
                    return raw->workWindows != nullptr &&
                           raw->workWindows->openWindow(person, zone, nowUs) != nullptr;
                },
                [raw](std::string_view door) { return raw->portalHold(door); }},
        .wiegandFacilityCodes = impl->parts.config.cardFormats.wiegandFacilityCodes,
        .refreshCredentials =
            [raw](std::function<void()> then) { raw->cache->refresh(std::move(then)); },
        .onGranted =
            [raw](const DoorSpec& spec, const std::string& session, std::vector<Passage> passages) {
                if (spec.circleGate && !passages.empty()) {  // the cycle's completion moves them
                    raw->feedGateNow(raw->doors.at(spec.id),
                                     GateGranted{session, std::move(passages.back())});
                    return;
                }
                raw->granted(raw->doors.at(spec.id), std::move(passages));
            },
        .onNoted =
            [raw](const DoorSpec& spec, core::EventType type) {
                raw->feed(raw->doors.at(spec.id), AccessNoted{type});
            },
        .commitPatience = impl->parts.commitPatience,
        .lockout = impl->parts.config.lockout});
    impl->workWindowsToken = impl->parts.bus.subscribe<policy::WorkWindowsPublished>(
        [raw](const policy::WorkWindowsPublished& published) {
            raw->workWindows = published.book;
        });
    impl->portalHoldsToken = impl->parts.bus.subscribe<policy::PortalHoldsPublished>(
        [raw](const policy::PortalHoldsPublished& published) {
            raw->portalHolds[published.holder] = published.holds;
        });
    impl->zoneAccessToken = impl->parts.bus.subscribe<policy::ZoneAccessQuery>(
        [raw](const policy::ZoneAccessQuery& query) { raw->answer(query); });
    return std::unique_ptr<DoorsService>(new DoorsService(std::move(impl)));
}

DoorsService::DoorsService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DoorsService::~DoorsService() {
    stop();
    wipe(impl_->parts.keys.pepper);
    wipe(impl_->parts.keys.templateKey);
    for (auto& [panel, key] : impl_->parts.keys.panelKeys) {
        wipe(key);
    }
}

core::Result<void> DoorsService::start() {
    impl_->start();
    return {};
}

void DoorsService::stop() {
    impl_->stop();
}

bool DoorsService::serving() const {
    return impl_->serving;
}

void DoorsService::Impl::start() {
    if (started) {
        return;
    }
    started = true;
    cache->start([this, token = std::weak_ptr<int>(alive)](
                     std::shared_ptr<const CredentialSnapshot> snapshot) {
        if (token.expired()) {
            return;
        }
        takeCredentials(std::move(snapshot));
    });
    cache->post([this, token = std::weak_ptr<int>(alive)](core::Database& db) {
        auto rebuilt = rebuildPresence(db);
        auto enrolled = PanelGateway::enrolledKeys(db);
        auto journaled = lastJournalSeqs(db);
        auto gateRecords = readGateRecords(db, parts.site, parts.keys.panelSignKeys);
        boost::asio::post(parts.executor, [this, token, rebuilt = std::move(rebuilt),
                                           enrolled = std::move(enrolled),
                                           journaled = std::move(journaled),
                                           gateRecords = std::move(gateRecords)]() mutable {
            if (token.expired()) {
                return;
            }
            restoreGates(gateRecords);
            // Before the gateway serves: each panel's upload resumes after what the trail holds.
            if (journaled) {
                gateway->setStoredSeqs(*journaled);
            } else {
                core::logError(kComponent,
                               "stored journal positions could not be read from the "
                               "trail (uploads are taken from seq 1): " +
                                   journaled.error().message);
            }
            if (enrolled) {
                gateway->enrollKeys(*enrolled);
            } else {
                core::logError(kComponent,
                               "enrolled panel keys could not be read from the trail: " +
                                   enrolled.error().message);
            }
            if (rebuilt) {
                presence = std::move(rebuilt.value());
                core::logInfo(kComponent, "presence rebuilt from the audit trail");
            } else {
                // Serving matters more than presence; operators hear why it may be incomplete.
                core::logError(kComponent, "presence could not be rebuilt from the audit trail: " +
                                               rebuilt.error().message);
            }
            presenceLoaded = true;
            maybeServe();
        });
    });
    // After the presence rebuild on the same reader (jobs run in order): the never-alone check
    // sees the rebuilt presence.
    zones->restore(*cache, [this, token = std::weak_ptr<int>(alive)] {
        if (token.expired()) {
            return;
        }
        zonesLoaded = true;
        maybeServe();
    });
}

void DoorsService::Impl::restoreGates(const core::Result<GateTrail>& trail) {
    if (!trail) {
        core::logError(kComponent,
                       "circle gate states could not be read from the trail (shown "
                       "idle until their next report): " +
                           trail.error().message);
        return;
    }
    if (trail->refused > 0) {
        // Rows that do not carry their panel's signature were written behind the daemon.
        core::logError(kComponent, std::to_string(trail->refused) +
                                       " recorded gate report(s) fail their panel's signature "
                                       "and were not replayed (run sekimori audit verify)");
    }
    for (auto& [id, door] : doors) {
        if (!door.spec.circleGate) {
            continue;
        }
        const auto found = trail->records.find(id);
        if (found != trail->records.end()) {
            door.gate = replayGate(door.spec, found->second);
        }
    }
}

void DoorsService::Impl::takeCredentials(std::shared_ptr<const CredentialSnapshot> snapshot) {
    std::set<std::string> current;
    for (const auto& m : snapshot->refusedRows) {
        nlohmann::json key = m.key;
        std::string id = m.table + " " + key.dump();
        if (raisedMismatches.count(id) == 0) {
            gateway->raiseError(rowMismatchEvent(m, parts.clock.nowUs()));
        }
        current.insert(std::move(id));
    }
    raisedMismatches = std::move(current);
    credentials = snapshot;
    if (parts.offline.enabled) {
        offlineSync->setCredentials(snapshot);
    }
    sessions->setCredentials(std::move(snapshot));
    credentialsLoaded = true;
    maybeServe();
}

void DoorsService::Impl::maybeServe() {
    if (serving || !credentialsLoaded || !presenceLoaded || !zonesLoaded) {
        return;
    }
    auto subscribed = gateway->start(PanelGateway::Handlers{
        [this](const std::string& panel, const std::string& topic,
               const protocol::PanelRequest& request) { onRequest(panel, topic, request); },
        [this](const std::string& panel, const std::string& topic,
               const protocol::PanelEvent& event, const SignedReport& signedReport) {
            return onEvent(panel, topic, event, signedReport);
        },
        [this](const std::string& panel, const protocol::PanelStatus& status) {
            onStatus(panel, status);
        }});
    if (!subscribed) {
        core::logError(kComponent, subscribed.error().message);
        return;
    }
    serving = true;
    commands->start();
    revocations->start();
    if (parts.offline.enabled) {
        offlineSync->setCredentials(credentials);  // the gateway sends now
        armOfflineTimer();
    }
    core::logInfo(kComponent, "serving " + std::to_string(doors.size()) + " doors");
}

void DoorsService::Impl::stop() {
    alive = std::make_shared<int>(0);
    if (commands) {
        commands->stop();
        revocations->stop();
        offlineTimer->cancel();
    }
    if (gateway) {
        gateway->stop();
    }
    if (sessions) {
        sessions->stop();
    }
    for (auto& [id, door] : doors) {
        door.timer->cancel();
    }
    if (zones) {
        zones->stop();
    }
    if (cache) {
        cache->stop();
    }
    serving = false;
}

void DoorsService::Impl::onRequest(const std::string& panel, const std::string& topic,
                                   const protocol::PanelRequest& request) {
    auto door = doors.find(request.door);
    if (door == doors.end() || door->second.spec.panel != panel) {
        gateway->reportError(core::kMqttBadPayload, topic, panel,
                             "door '" + request.door + "' is not served by panel '" + panel + "'");
        return;
    }
    sessions->handle(panel, topic, door->second.spec, request);
}

ReportEvents DoorsService::Impl::onEvent(const std::string& panel, const std::string& topic,
                                         const protocol::PanelEvent& event,
                                         const SignedReport& signedReport) {
    ReportEvents made;
    const nlohmann::json evidence{{"panel_report", signedReport.report},
                                  {"panel_sig", signedReport.sig}};
    using Kind = protocol::DoorEventKind;
    if (event.kind == Kind::journalNearFull || event.kind == Kind::journalOverflow) {
        made.report.push_back(journalLevelEvent(panel, event, evidence, parts.clock.nowUs()));
        return made;
    }
    auto door = doors.find(event.door);
    if (door == doors.end() || door->second.spec.panel != panel) {
        gateway->reportError(core::kMqttBadPayload, topic, panel,
                             "door '" + event.door + "' is not served by panel '" + panel + "'");
        return made;
    }
    if (event.kind == Kind::offlineGranted || event.kind == Kind::offlineDenied) {
        const DoorSpec& spec = door->second.spec;
        const PersonRecord* person =
            credentials && !event.person.empty() ? credentials->person(event.person) : nullptr;
        made.report.push_back(offlineDecisionEvent(event, person ? person->name : std::string(),
                                                   evidence, parts.clock.nowUs()));
        if (event.kind == Kind::offlineGranted && !event.person.empty()) {
            // The grant's opening moves presence like an online one's (the passage is the
            // offline session's).
            const bool entry =
                event.side.value_or(protocol::DoorSide::entry) == protocol::DoorSide::entry;
            Passage passage{event.person,
                            person ? person->name : std::string(),
                            spec.id,
                            entry ? spec.fromZone : spec.toZone,
                            entry ? spec.toZone : spec.fromZone,
                            0,
                            person ? person->groups : std::vector<std::string>{}};
            if (spec.circleGate) {
                // At a gate the passage is the cycle's: presence moves on its cycle_completed.
                GateEvents gate =
                    feedGate(door->second, GateGranted{event.session, std::move(passage)});
                for (auto* list : {&gate.report, &gate.derived}) {
                    std::move(list->begin(), list->end(), std::back_inserter(made.derived));
                }
            } else {
                feed(door->second, OfflineGranted{std::move(passage), event.session}, &made);
            }
        }
        return made;
    }
    if (door->second.spec.circleGate && isGateReport(event.kind)) {
        // A gate's report goes to its supervision (not door_state); what it makes is stored like
        // a door report's (with onEvent returning ReportEvents: return feedGate's as those).
        GateEvents gate = feedGate(door->second, GateReport{event, evidence});
        made.report = std::move(gate.report);
        made.derived = std::move(gate.derived);
        return made;
    }
    // What time alone changed is the controller's, recorded as such; then the report's own.
    feed(door->second, DoorTick{});
    feed(door->second,
         PanelReport{event.kind, event.session, evidence,
                     event.side.value_or(protocol::DoorSide::entry)},
         &made);
    return made;
}

const std::string* DoorsService::Impl::portalHold(std::string_view door) const {
    for (const auto& [holder, holds] : portalHolds) {
        if (holds == nullptr) {
            continue;
        }
        if (auto it = holds->find(door); it != holds->end()) {
            return &it->second;
        }
    }
    return nullptr;
}

void DoorsService::Impl::answer(const policy::ZoneAccessQuery& query) const {
    query.answered = true;
    query.allowed = false;
    const PersonRecord* person = credentials ? credentials->person(query.person) : nullptr;
    if (!serving || person == nullptr) {
        query.reason = std::string(serving ? protocol::reason::unknownCard
                                           : protocol::reason::storeUnavailable);
        return;
    }
    query.personName = person->name;
    if (!person->active) {
        query.reason = std::string(protocol::reason::revoked);
        return;
    }
    const ZoneAccess access =
        mayEnter(*person, *credentials, parts.rules.levels, schedules, query.zone, query.nowUs);
    query.allowed = access == ZoneAccess::allowed;
    query.reason =
        query.allowed ? std::string(protocol::reason::granted) : std::string(toString(access));
}

void DoorsService::Impl::armOfflineTimer() {
    offlineTimer->expires_after(parts.offline.syncInterval);
    offlineTimer->async_wait(
        [this, token = std::weak_ptr<int>(alive)](const boost::system::error_code& ec) {
            if (ec || token.expired()) {
                return;
            }
            offlineSync->tick();
            armOfflineTimer();
        });
}

void DoorsService::Impl::onStatus(const std::string& panel, const protocol::PanelStatus& status) {
    PanelView& view = panels.at(panel);
    if (!status.firmware.empty()) {
        view.firmware = status.firmware;
    }
    if (serving) {
        if (parts.offline.enabled) {
            offlineSync->panelStatus(panel, status);  // online, cache_version, journal_pending
        }
    }
    if (view.online == status.online) {
        return;  // a retained status seen again after a reconnect changes nothing
    }
    view.online = status.online;
    parts.recorder.record(
        panelStatusEvent(panel, status.online, view.firmware, parts.clock.nowUs()));
    if (status.online) {
        revocations->panelOnline(panel);  // what it missed while away
        core::logInfo(kComponent, "panel " + panel + " online");
    } else {
        core::logWarning(kComponent, "panel " + panel + " offline");
    }
}

void DoorsService::Impl::feed(Door& door, const DoorInput& input, ReportEvents* into) {
    auto result = step(door.spec, std::move(door.state), input, parts.clock.nowUs());
    door.state = std::move(result.state);
    for (auto& output : result.outputs) {
        if (auto* record = std::get_if<RecordDoorEvent>(&output)) {
            if (into != nullptr) {
                into->report.push_back(std::move(record->event));
            } else {
                parts.recorder.record(std::move(record->event));
            }
        } else if (auto* move = std::get_if<MovePresence>(&output)) {
            if (!door.spec.movesPresence()) {
                continue;  // a rack or the key cabinet: the opener stays in the room
            }
            for (auto& e : presence.pass(move->passage)) {
                if (into != nullptr) {
                    into->derived.push_back(std::move(e));
                } else {
                    parts.recorder.record(std::move(e));
                }
            }
            zones->presenceChanged(move->passage.toZone);
        } else if (const auto* command = std::get_if<CommandPanel>(&output)) {
            if (into != nullptr) {
                // After the gateway's commit of this report (queued when the handler returns).
                boost::asio::post(parts.executor, [this, token = std::weak_ptr<int>(alive),
                                                   spec = &door.spec, command = *command] {
                    if (!token.expired()) {
                        commands->sendAfterRecorded(*spec, command);
                    }
                });
            } else {
                commands->sendAfterRecorded(door.spec, *command);
            }
        }
    }
    armDoorTimer(door);
}

DoorsService::Impl::GateEvents DoorsService::Impl::feedGate(Door& door, const GateInput& input) {
    auto result = step(door.spec, std::move(door.gate), input, parts.clock.nowUs());
    door.gate = std::move(result.state);
    GateEvents made;
    for (auto& output : result.outputs) {
        if (auto* record = std::get_if<RecordGateEvent>(&output)) {
            made.report.push_back(std::move(record->event));
        } else if (auto* move = std::get_if<MovePresence>(&output)) {
            for (auto& e : presence.pass(move->passage)) {
                made.derived.push_back(std::move(e));
            }
            zones->presenceChanged(move->passage.toZone);
        }
    }
    armDoorTimer(door);
    return made;
}

void DoorsService::Impl::feedGateNow(Door& door, const GateInput& input) {
    GateEvents made = feedGate(door, input);
    for (auto* list : {&made.report, &made.derived}) {
        for (auto& e : *list) {
            parts.recorder.record(std::move(e));
        }
    }
}

void DoorsService::Impl::granted(Door& door, std::vector<Passage> passages) {
    if (passages.empty()) {
        return;
    }
    Passage own = std::move(passages.back());
    passages.pop_back();
    if (!door.spec.movesPresence()) {
        passages.clear();  // a rack or the key cabinet: companions stay in the room as well
    }
    for (Passage& companion : passages) {
        companion.timeUs = parts.clock.nowUs();
        for (auto& e : presence.pass(companion)) {
            parts.recorder.record(std::move(e));
        }
        zones->presenceChanged(companion.toZone);
    }
    feed(door, GrantDelivered{std::move(own)});
}

void DoorsService::Impl::armDoorTimer(Door& door) {
    door.timer->cancel();
    const auto due = door.spec.circleGate ? nextDeadline(door.spec, door.gate)
                                          : nextDeadline(door.spec, door.state);
    if (!due) {
        return;
    }
    const core::TimeUs wait = std::max<core::TimeUs>(0, *due - parts.clock.nowUs());
    door.timer->expires_after(std::chrono::microseconds(wait));
    door.timer->async_wait([this, token = std::weak_ptr<int>(alive),
                            id = door.spec.id](const boost::system::error_code& ec) {
        if (ec || token.expired()) {
            return;
        }
        Door& ticked = doors.at(id);
        if (ticked.spec.circleGate) {
            feedGateNow(ticked, GateTick{});
        } else {
            feed(ticked, DoorTick{});
        }
    });
}

// Doors first, then circle gates (each with its supervised state).
nlohmann::json DoorsService::Impl::doorsJson() const {
    const core::TimeUs now = parts.clock.nowUs();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [id, door] : doors) {
        if (!door.spec.circleGate) {
            list.push_back(
                doorJson(door.spec, door.state, panels.at(door.spec.panel), now, door.plan));
        }
    }
    for (const auto& [id, gate] : doors) {
        if (gate.spec.circleGate) {
            list.push_back(circleGateJson(gate.spec, gate.gate, gate.state,
                                          panels.at(gate.spec.panel), gate.plan));
        }
    }
    return list;
}

std::optional<nlohmann::json> DoorsService::Impl::portalJson(const std::string& id) const {
    if (auto it = doors.find(id); it != doors.end()) {
        const Door& door = it->second;
        if (door.spec.circleGate) {
            return circleGateJson(door.spec, door.gate, door.state, panels.at(door.spec.panel),
                                  door.plan);
        }
        return doorJson(door.spec, door.state, panels.at(door.spec.panel), parts.clock.nowUs(),
                        door.plan);
    }
    return std::nullopt;
}

std::vector<core::ApiRoute> DoorsService::routes() {
    Impl* impl = impl_.get();
    auto routes = doorRoutes(
        DoorRouteSources{[impl] { return impl->doorsJson(); },
                         [impl](const std::string& id) { return impl->portalJson(id); },
                         [impl] { return impl->presence.toJson(); }, impl->parts.databasePath});
    for (auto& route : enrollmentRoutes(impl->enrollment)) {
        routes.push_back(std::move(route));
    }
    for (auto& route : personRoutes(impl->enrollment, impl->parts.databasePath)) {
        routes.push_back(std::move(route));
    }
    for (auto& route : accessCatalogRoutes(
             accessCatalogFor(impl->parts.rules, impl->parts.schedules,
                              impl->parts.names.restrictedZones, impl->parts.clock))) {
        routes.push_back(std::move(route));
    }
    for (auto& route : zoneRoutes(*impl->zones)) {
        routes.push_back(std::move(route));
    }
    for (auto& route : impl->commands->routes()) {
        routes.push_back(std::move(route));
    }
    for (auto& route : impl->revocations->routes()) {
        routes.push_back(std::move(route));
    }
    for (auto& route : panelRoutes([impl] {
             nlohmann::json panels = impl->offlineSync->toJson();
             // Without [offline] no cache is sent: the console says so instead of "behind".
             panels["offline_enabled"] = impl->parts.offline.enabled;
             return panels;
         })) {
        routes.push_back(std::move(route));
    }
    return routes;
}

std::optional<core::UiPlugin> DoorsService::uiPlugin() {
    return core::UiPlugin{"doors", impl_->parts.webDir, "index.js", kDoorViewers};
}

std::vector<core::EventVisibility> DoorsService::eventVisibility() {
    // Who watches the doors live: the desk and security admins work them, auditors read them.
    const core::RoleSet watchers{core::Role::deskOperator, core::Role::securityAdmin,
                                 core::Role::auditor};
    // Presence is also for facility admins, who see /api/presence.
    const core::RoleSet presenceWatchers{core::Role::deskOperator, core::Role::securityAdmin,
                                         core::Role::auditor, core::Role::facilityAdmin};
    // Credential changes are for who enrolls and who audits; a mismatch is for the desk too.
    const core::RoleSet credentialWatchers{core::Role::facilityAdmin, core::Role::securityAdmin,
                                           core::Role::auditor};
    const core::RoleSet integrityWatchers{core::Role::deskOperator, core::Role::facilityAdmin,
                                          core::Role::securityAdmin, core::Role::auditor};
    return {{"access.", watchers},
            {"person.", credentialWatchers},
            {"credential.", integrityWatchers},
            {"door.", watchers},
            {"gate.", watchers},
            {"panel.", watchers},
            {"presence.", presenceWatchers},
            // Lockdowns, never-alone and musters: everyone who watches the site's people.
            {"zone.", presenceWatchers}};
}

}  // namespace sekimori::doors
