// The access rules through the real doors service over the real mosquitto (scripts/broker, with
// the site's accounts and ACL): the real MqttRouter and Paho links, the real AuditedRecorder on a
// database file, and a panel that checks, as each reply reaches it, that the reply's access
// event is already in the trail. The clock is injected; the broker and the commit are real.
// Rules (docs/access-rules.md): two-person waits and their expiry, soft and hard anti-passback,
// occupancy, lockdown with exempt groups, escort, duress.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/audited_recorder.hpp"
#include "doors/door_event_types.hpp"
#include "doors/doors_service.hpp"
#include "doors/enrollment.hpp"
#include "io/mqtt_router.hpp"
#include "io/paho_mqtt_link.hpp"
#include "protocol/panel_link_auth.hpp"
#include "protocol/topics.hpp"
#include "tests/doors/enroll_helpers.hpp"
#include "tests/io/broker_fixture.hpp"

// Paho C 1.3.12 leaks small internal lists around client teardown (eclipse-paho/paho.mqtt.c#1406);
// none of it is ours (as in tests/io/paho_mqtt_link_test.cpp).
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libpaho-mqtt3as.so\n";
}

using namespace sekimori;
using namespace sekimori::doors;
using protocol::DoorSide;
using protocol::Factor;

namespace {

constexpr core::TimeUs kWed1000Jst = 1'795'568'400'000'000;
const std::string kSite = "hq";
const std::string kPanel = "p-rules";
const std::string kPin = "4711";
const std::string kDuressPin = "4712";  // the last digit one higher
const core::Bytes kTemplate = "ISO19794-TEMPLATE-\x01\x02\x03";
// Doors: a two-person door into the handling area (card only, so each badge is one request), a
// card-only office door, and a three-factor server-room door.
const std::string kHandlingDoor = "hand-door";
const std::string kOfficeDoor = "office-door";
const std::string kServerDoor = "srv-door";
const std::string kKeypadDoor = "keypad-door";  // keypad only, lobby -> office
const std::string kCarolCode = "246810";
const std::string kSecurityGroup = "security";

struct Person {
    std::string id;
    std::string name;
    std::string card;
};
const Person kAlice{"alice", "Alice Sato", "0123456789ABCDE1"};
const Person kBob{"bob", "Bob Tanaka", "0123456789ABCDE2"};
const Person kCarol{"carol", "Carol Ito", "0123456789ABCDE3"};

struct SeenReply {
    protocol::PanelReply reply;
    bool recordedBefore = false;  // the access event it answers was in the trail on arrival
};

class AccessRulesServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        clock_.set(kWed1000Jst);
        dir_ = std::filesystem::temp_directory_path() / ("access-rules-" + core::randomToken(6));
        std::filesystem::create_directories(dir_);
        dbPath_ = (dir_ / "site.db").string();
        {
            auto db = core::Database::open(dbPath_);
            ASSERT_TRUE(db) << db.error().message;
            auto store = CredentialStore::open(**db);
            ASSERT_TRUE(store) << store.error().message;
        }
        core::AuditedRecorderOptions options;
        options.signingKeyPath = (dir_ / "audit-signing.key").string();
        auto writer = core::Database::open(dbPath_);
        ASSERT_TRUE(writer);
        auto recorder = core::AuditedRecorder::create(std::move(*writer), io_.get_executor(), bus_,
                                                      clock_, options);
        ASSERT_TRUE(recorder) << recorder.error().message;
        recorder_ = std::move(*recorder);
        busToken_ = bus_.subscribe(
            "", [this](const core::RecordedEvent& e) { events_.push_back(e.event); });
        auto reader = core::Database::open(dbPath_, core::Database::Mode::readOnly);
        ASSERT_TRUE(reader);
        trail_ = std::move(*reader);
        for (const Person& p : {kAlice, kBob, kCarol}) {
            enroll(p);
        }

        broker_ = std::make_unique<sekimori::test::MosquittoBroker>(
            sekimori::test::BrokerSetup{.site = kSite, .panels = {kPanel}, .services = {}});
        auto daemon = broker_->options("sekimorid");
        daemon.persistenceDir.clear();  // as the daemon runs: the database is the outbox
        link_ = io::makePahoMqttLink(io_.get_executor(), daemon);
        router_ = std::make_unique<io::MqttRouter>(*link_);
        auto panel = broker_->options(kPanel);
        panel.subscriptions = {protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::reply),
                               protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::link)};
        panelLink_ = io::makePahoMqttLink(io_.get_executor(), panel);
        panelLink_->onMessage([this](const io::MqttMessage& m) { onPanelMessage(m); });
        panelLink_->onConnection([this](bool up, const std::string&) { panelUp_ = up; });
        link_->start();
        panelLink_->start();
        ASSERT_TRUE(runUntil([&] { return link_->connected() && panelUp_; }, 10000));
    }

    void TearDown() override {
        if (service_) {
            service_->stop();
            service_.reset();
        }
        link_->stop();
        panelLink_->stop();
        io_.restart();
        io_.poll();
        router_.reset();
        link_.reset();
        panelLink_.reset();
        recorder_->stop();
        io_.restart();
        io_.poll();
        broker_.reset();
        std::filesystem::remove_all(dir_);
    }

    // --- enrollment, through the real recorder as the daemon's routes do --------------------
    EnrollmentKeys enrollmentKeys() const { return {keys_.pepper, keys_.templateKey}; }
    static KnownNames names() {
        KnownNames names{{"corridor", "handling", "lobby", "office", "server-room"},
                         {"always"},
                         {"handling", "server-room"}};
        names.groups = {kSecurityGroup};
        return names;
    }
    void enrollWith(EnrollmentAction action) {
        auto r = doors::test::enrollThrough(*recorder_, clock_, enrollmentKeys(), names(),
                                            std::move(action));
        ASSERT_TRUE(r) << r.error().message;
    }
    void enroll(const Person& p) {
        const EnrollmentKeys keys = enrollmentKeys();
        enrollWith([&](Enrollment& e) -> Enrollment::Events {
            std::vector<core::Event> all;
            for (auto step :
                 {e.addPerson(p.id, p.name), e.setCard(p.id, p.card), e.setPin(p.id, kPin),
                  doors::test::setFingerprint(e, keys, p.id, kTemplate),
                  e.applyApprovedGrant(p.id, "handling", "always"),
                  e.applyApprovedGrant(p.id, "server-room", "always"),
                  e.grantZone(p.id, "office", "always")}) {
                if (!step) {
                    return step.error();
                }
                all.insert(all.end(), step->begin(), step->end());
            }
            return all;
        });
    }

    // --- the site -----------------------------------------------------------------------------
    static DoorConfig door(const std::string& id, const std::string& from, const std::string& to,
                           std::vector<Factor> entry) {
        DoorConfig d;
        d.id = id;
        d.name = id;
        d.panel = kPanel;
        d.fromZone = from;
        d.toZone = to;
        d.entryFactors = std::move(entry);
        d.exitFactors = {Factor::card};
        d.unlock = std::chrono::milliseconds(5000);
        return d;
    }
    DoorsServiceParts parts() {
        DoorsConfig config;
        config.doors = {door(kHandlingDoor, "corridor", "handling", {Factor::card}),
                        door(kOfficeDoor, "lobby", "office", {Factor::card}),
                        door(kServerDoor, "corridor", "server-room",
                             {Factor::card, Factor::pin, Factor::finger}),
                        door(kKeypadDoor, "lobby", "office", {Factor::pin})};
        config.doors.back().keypadOnly = true;
        DoorsServiceParts p{io_.get_executor(),
                            *router_,
                            *recorder_,
                            bus_,
                            clock_,
                            kSite,
                            dbPath_,
                            config,
                            {policy::Schedule{"always", 540, {{policy::kEveryDay, 0, 1440}}}},
                            keys_,
                            std::chrono::milliseconds(2000),
                            names(),
                            nullptr,
                            "/srv/site/doors/web"};
        p.rules = rules_;
        p.zoneParents = {{"corridor", "site"},
                         {"lobby", "site"},
                         {"office", "site"},
                         {"handling", "office"},
                         {"server-room", "site"}};
        return p;
    }
    ZoneRules& rulesOf(const std::string& zone) {
        ZoneRules& r = rules_.zoneRules[zone];
        r.zone = zone;
        return r;
    }

    void startService() {
        auto made = DoorsService::create(parts());
        ASSERT_TRUE(made) << made.error().message;
        service_ = std::move(*made);
        ASSERT_TRUE(service_->start());
        ASSERT_TRUE(runUntil([&] { return service_->serving(); }));
        ASSERT_TRUE(runUntil([&] { return !epoch_.empty(); }, 10000));
    }

    bool runUntil(const std::function<bool()>& done, int maxMs = 5000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(maxMs);
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            io_.restart();
            io_.run_for(std::chrono::milliseconds(1));
        }
        return true;
    }
    void runFor(int ms) {
        runUntil([] { return false; }, ms);
    }

    // --- the panel ----------------------------------------------------------------------------
    // The access event a reply answers: a grant, a wait for a companion, or a denial.
    static std::string recordedTypeOf(const protocol::PanelReply& reply) {
        const auto* d = std::get_if<protocol::Decision>(&reply.body);
        if (d == nullptr) {
            return std::string(kAccessChallenge.name);
        }
        if (d->granted) {
            return std::string(kAccessGranted.name);
        }
        if (d->reason == protocol::reason::awaitingSecondPerson ||
            d->reason == protocol::reason::awaitingEscort) {
            return std::string(kAccessCompanionPending.name);
        }
        return std::string(kAccessDenied.name);
    }
    void onPanelMessage(const io::MqttMessage& m) {
        if (m.topic == protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::link)) {
            if (auto link = protocol::parsePanelLink(m.payload)) {
                epoch_ = link.value->epoch;
            }
            return;
        }
        auto parsed = protocol::parsePanelReply(m.payload);
        ASSERT_TRUE(parsed) << parsed.error;
        SeenReply seen{*parsed.value, false};
        auto st = trail_->prepare(
            "SELECT count(*) FROM audit_events WHERE type = ?1"
            " AND json_extract(payload, '$.session') = ?2");
        if (st) {
            st->bind(1, recordedTypeOf(seen.reply)).bind(2, seen.reply.session);
            auto row = st->step();
            seen.recordedBefore = row && *row && st->columnInt(0) > 0;
        }
        lastNonce_ = parsed.value->auth.nonce;
        replies_.push_back(std::move(seen));
    }
    const protocol::PanelReply& awaitReply(std::size_t n) {
        EXPECT_TRUE(runUntil([&] { return replies_.size() >= n; })) << "no reply " << n;
        static const protocol::PanelReply none{};
        return replies_.size() >= n ? replies_[n - 1].reply : none;
    }
    static const protocol::Decision* decisionOf(const protocol::PanelReply& r) {
        return std::get_if<protocol::Decision>(&r.body);
    }
    static const protocol::Challenge* challengeOf(const protocol::PanelReply& r) {
        return std::get_if<protocol::Challenge>(&r.body);
    }
    // The reason of the n-th reply's decision ("" for a challenge).
    std::string reasonOf(std::size_t n) {
        const auto* d = decisionOf(awaitReply(n));
        return d ? d->reason : std::string();
    }

    void send(protocol::PanelRequest request) {
        request.auth.epoch = epoch_;
        request.auth.counter = ++counter_;
        if (request.auth.nonce.empty()) {  // a keypad code names its own request's nonce
            request.auth.nonce = std::holds_alternative<protocol::CardPresented>(request.step)
                                     ? core::toHex(core::randomBytes(16))
                                     : lastNonce_;
        }
        const core::Bytes macKey = core::keyedHash(panelKey(), protocol::kMacKeyLabel);
        request.auth.mac = core::toHex(core::keyedHash(
            macKey,
            protocol::requestMacInput(kSite, kPanel, request, protocol::encodeBody(request))));
        panelLink_->publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::request),
                            protocol::encode(request));
    }
    // One card-only badge; returns the decision's reason.
    std::string badge(const std::string& door, const Person& p, DoorSide side = DoorSide::entry) {
        const std::size_t n = replies_.size() + 1;
        send({"s" + std::to_string(++sessions_), door, side, protocol::CardPresented{p.card}, {}});
        return reasonOf(n);
    }
    // A code at the keypad-only door, sealed with this request's nonce; returns the reason.
    std::string keypad(const std::string& digits) {
        const std::size_t n = replies_.size() + 1;
        protocol::PanelRequest request{"s" + std::to_string(++sessions_),
                                       kKeypadDoor,
                                       DoorSide::entry,
                                       protocol::KeypadCode{},
                                       {}};
        request.auth.nonce = core::toHex(core::randomBytes(16));
        request.step = protocol::KeypadCode{
            core::toBase64(core::sealBox(panelKey(), request.auth.nonce + ":" + digits))};
        send(std::move(request));
        return reasonOf(n);
    }
    // Card, PIN and finger at the server-room door; returns the last reply's reason.
    std::string badgeThreeFactors(const Person& p, const std::string& pin) {
        const std::string session = "s" + std::to_string(++sessions_);
        std::size_t n = replies_.size() + 1;
        send({session, kServerDoor, DoorSide::entry, protocol::CardPresented{p.card}, {}});
        if (challengeOf(awaitReply(n)) == nullptr) {
            return reasonOf(n);
        }
        send({session,
              kServerDoor,
              DoorSide::entry,
              protocol::PinEntered{
                  core::toBase64(core::sealBox(panelKey(), lastNonce_ + ":" + pin))},
              {}});
        if (challengeOf(awaitReply(++n)) == nullptr) {
            return reasonOf(n);
        }
        send({session, kServerDoor, DoorSide::entry, protocol::FingerScored{90}, {}});
        return reasonOf(++n);
    }

    std::vector<nlohmann::json> payloadsOf(core::EventType type) const {
        std::vector<nlohmann::json> out;
        for (const auto& e : events_) {
            if (type == e.type) {
                out.push_back(nlohmann::json::parse(e.payload));
            }
        }
        return out;
    }
    // The seq-ordered types the trail holds for one access session.
    std::vector<std::string> trailTypesOf(const std::string& session) {
        std::vector<std::string> types;
        auto st = trail_->prepare(
            "SELECT type FROM audit_events WHERE json_extract(payload, '$.session') = ?1"
            " ORDER BY seq");
        EXPECT_TRUE(st);
        st->bind(1, session);
        while (true) {
            auto row = st->step();
            if (!row || !*row) {
                break;
            }
            types.push_back(st->columnText(0));
        }
        return types;
    }
    // Calls one of the service's routes as the console would, and waits for its answer.
    core::ApiResult call(core::HttpMethod method, const std::string& pattern,
                         nlohmann::json body = nullptr,
                         core::Role role = core::Role::securityAdmin) {
        for (auto& route : service_->routes()) {
            if (route.pattern == pattern && route.method == method) {
                core::ApiCall c;
                c.body = std::move(body);
                c.actor = "sato";
                c.role = role;
                std::optional<core::ApiResult> result;
                route.handler(c, [&](core::ApiAnswer answer) {
                    result = std::get<core::ApiResult>(std::move(answer));
                });
                EXPECT_TRUE(runUntil([&] { return result.has_value(); })) << pattern;
                return result.value_or(core::ApiResult{500, {}});
            }
        }
        ADD_FAILURE() << "no route " << pattern;
        return {};
    }
    nlohmann::json presence() { return call(core::HttpMethod::get, "/api/presence").body; }
    std::set<std::string> inside(const std::string& zone) {
        std::set<std::string> people;
        const nlohmann::json now = presence();  // the loop below must not outlive it
        if (!now.contains("zones") || !now["zones"].contains(zone)) {
            return people;
        }
        for (const auto& o : now["zones"][zone]) {
            people.insert(o["person"].get<std::string>());
        }
        return people;
    }
    void expectEveryReplyRecordedFirst() const {
        for (const auto& r : replies_) {
            EXPECT_TRUE(r.recordedBefore)
                << "reply for " << r.reply.session << " reached the panel before its event";
        }
    }
    const core::Bytes& panelKey() const { return keys_.panelKeys.at(kPanel); }

    boost::asio::io_context io_;
    core::ManualClock clock_;
    core::EventBus bus_;
    std::filesystem::path dir_;
    std::string dbPath_;
    std::unique_ptr<core::Database> trail_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    core::EventBus::Token busToken_;
    std::vector<core::Event> events_;
    std::unique_ptr<sekimori::test::MosquittoBroker> broker_;
    std::unique_ptr<io::MqttLink> link_;
    std::unique_ptr<io::MqttRouter> router_;
    std::unique_ptr<io::MqttLink> panelLink_;
    bool panelUp_ = false;
    std::vector<SeenReply> replies_;
    DoorKeys keys_{
        core::randomBytes(32), core::randomBytes(32), {{kPanel, core::randomBytes(32)}}, {}};
    AccessRulesConfig rules_;
    std::string epoch_;
    std::uint64_t counter_ = 0;
    int sessions_ = 0;
    std::string lastNonce_;
    std::unique_ptr<DoorsService> service_;
};

}  // namespace

TEST_F(AccessRulesServiceTest, TwoPersonDoorWaitsForASecondPersonThenBothPass) {
    rulesOf("handling").twoPerson = true;
    startService();
    EXPECT_EQ(badge(kHandlingDoor, kAlice), protocol::reason::awaitingSecondPerson);
    const auto pending = payloadsOf(kAccessCompanionPending);
    ASSERT_EQ(pending.size(), 1U);
    EXPECT_EQ(pending[0]["rule"], "two_person");
    EXPECT_EQ(pending[0]["reason"], "awaiting_second_person");
    EXPECT_EQ(pending[0]["decision"], "denied");
    EXPECT_EQ(pending[0]["person"], "alice");
    EXPECT_EQ(pending[0]["until_us"], kWed1000Jst + 15'000'000);
    EXPECT_TRUE(inside("handling").empty()) << "nobody passes on the first badge";

    clock_.advanceMs(4000);
    EXPECT_EQ(badge(kHandlingDoor, kBob), protocol::reason::granted);
    const auto granted = payloadsOf(kAccessGranted);
    ASSERT_EQ(granted.size(), 1U);
    EXPECT_EQ(granted[0]["person"], "bob");
    EXPECT_EQ(granted[0]["companions"],
              nlohmann::json::parse(R"([{"person":"alice","person_name":"Alice Sato"}])"));
    ASSERT_TRUE(runUntil([&] { return inside("handling").size() == 2; }));
    EXPECT_EQ(inside("handling"), (std::set<std::string>{"alice", "bob"}));
    EXPECT_TRUE(payloadsOf(kAccessCompanionExpired).empty());
    expectEveryReplyRecordedFirst();
}

TEST_F(AccessRulesServiceTest, TheSamePersonTwiceIsNoSecondPerson) {
    rulesOf("handling").twoPerson = true;
    startService();
    EXPECT_EQ(badge(kHandlingDoor, kAlice), protocol::reason::awaitingSecondPerson);
    clock_.advanceMs(1000);
    EXPECT_EQ(badge(kHandlingDoor, kAlice), protocol::reason::awaitingSecondPerson);
    EXPECT_TRUE(payloadsOf(kAccessGranted).empty());
    EXPECT_TRUE(inside("handling").empty());
}

TEST_F(AccessRulesServiceTest, AWaitNobodyCompletesExpiresOnItsTimer) {
    ZoneRules& handling = rulesOf("handling");
    handling.twoPerson = true;
    handling.companionWindow = std::chrono::seconds(1);
    startService();
    EXPECT_EQ(badge(kHandlingDoor, kAlice), protocol::reason::awaitingSecondPerson);
    clock_.advanceMs(1500);  // the timer's real second passes below
    ASSERT_TRUE(runUntil([&] { return !payloadsOf(kAccessCompanionExpired).empty(); }));
    const auto expired = payloadsOf(kAccessCompanionExpired);
    ASSERT_EQ(expired.size(), 1U);
    EXPECT_EQ(expired[0]["rule"], "two_person");
    EXPECT_EQ(expired[0]["waited_s"], 1);
    EXPECT_EQ(expired[0]["person"], "alice");
    EXPECT_EQ(expired[0]["door"], kHandlingDoor);
    EXPECT_EQ(expired[0]["session"], "s1");
    // The door's wait is gone: the next person waits afresh, alone.
    EXPECT_EQ(badge(kHandlingDoor, kBob), protocol::reason::awaitingSecondPerson);
    EXPECT_TRUE(payloadsOf(kAccessGranted).empty());
    expectEveryReplyRecordedFirst();
}

TEST_F(AccessRulesServiceTest, ASecondPersonAfterTheWindowFindsTheWaitExpired) {
    rulesOf("handling").twoPerson = true;  // 15 s: the timer has not fired, the clock says over
    startService();
    EXPECT_EQ(badge(kHandlingDoor, kAlice), protocol::reason::awaitingSecondPerson);
    clock_.advanceMs(15'001);
    EXPECT_EQ(badge(kHandlingDoor, kBob), protocol::reason::awaitingSecondPerson);
    ASSERT_EQ(payloadsOf(kAccessCompanionExpired).size(), 1U);
    EXPECT_EQ(payloadsOf(kAccessCompanionExpired)[0]["person"], "alice");
    EXPECT_TRUE(payloadsOf(kAccessGranted).empty());
}

TEST_F(AccessRulesServiceTest, ExitFromATwoPersonZoneIsNeverHeld) {
    rulesOf("handling").twoPerson = true;
    startService();
    EXPECT_EQ(badge(kHandlingDoor, kAlice, DoorSide::exit), protocol::reason::granted);
}

TEST_F(AccessRulesServiceTest, SoftAntiPassbackGrantsAndRecordsTheViolationInTheGrantsChange) {
    rulesOf("office").antiPassback = AntiPassback::soft;
    startService();
    EXPECT_EQ(badge(kOfficeDoor, kAlice), protocol::reason::granted);
    ASSERT_TRUE(runUntil([&] { return inside("office").count("alice") == 1; }));
    EXPECT_TRUE(payloadsOf(kAccessPassbackViolation).empty());
    clock_.advanceMs(60'000);
    EXPECT_EQ(badge(kOfficeDoor, kAlice), protocol::reason::granted);  // in again, never out
    const auto violations = payloadsOf(kAccessPassbackViolation);
    ASSERT_EQ(violations.size(), 1U);
    EXPECT_EQ(violations[0]["zone"], "office");
    EXPECT_EQ(violations[0]["mode"], "soft");
    EXPECT_EQ(violations[0]["recorded_zone"], "office");
    EXPECT_EQ(violations[0]["person"], "alice");
    EXPECT_EQ(violations[0]["session"], "s2");
    // One Change: the violation was in the trail with the grant when the panel heard it.
    EXPECT_EQ(trailTypesOf("s2"),
              (std::vector<std::string>{"access.granted", "access.passback_violation"}));
    expectEveryReplyRecordedFirst();
}

TEST_F(AccessRulesServiceTest, HardAntiPassbackRefusesTheSecondEntry) {
    rulesOf("office").antiPassback = AntiPassback::hard;
    startService();
    EXPECT_EQ(badge(kOfficeDoor, kAlice), protocol::reason::granted);
    ASSERT_TRUE(runUntil([&] { return inside("office").count("alice") == 1; }));
    EXPECT_EQ(badge(kOfficeDoor, kAlice), protocol::reason::antiPassback);
    EXPECT_EQ(payloadsOf(kAccessDenied).back()["reason"], "anti_passback");
    // Out and in again is an ordinary entry.
    EXPECT_EQ(badge(kOfficeDoor, kAlice, DoorSide::exit), protocol::reason::granted);
    ASSERT_TRUE(runUntil([&] { return inside("office").empty(); }));
    EXPECT_EQ(badge(kOfficeDoor, kAlice), protocol::reason::granted);
    expectEveryReplyRecordedFirst();
}

TEST_F(AccessRulesServiceTest, OccupancyLimitRefusesOnceTheZoneIsFull) {
    rulesOf("office").occupancyLimit = 2;
    startService();
    EXPECT_EQ(badge(kOfficeDoor, kAlice), protocol::reason::granted);
    EXPECT_EQ(badge(kOfficeDoor, kBob), protocol::reason::granted);
    ASSERT_TRUE(runUntil([&] { return inside("office").size() == 2; }));
    EXPECT_EQ(badge(kOfficeDoor, kCarol), protocol::reason::occupancyFull);
    EXPECT_EQ(badge(kOfficeDoor, kBob, DoorSide::exit), protocol::reason::granted);
    ASSERT_TRUE(runUntil([&] { return inside("office").size() == 1; }));
    EXPECT_EQ(badge(kOfficeDoor, kCarol), protocol::reason::granted);
}

TEST_F(AccessRulesServiceTest, ADuressPinGrantsWithTheSilentAlarmInTheSameChange) {
    startService();
    EXPECT_EQ(badgeThreeFactors(kAlice, kDuressPin), protocol::reason::granted);
    const auto granted = payloadsOf(kAccessGranted);
    ASSERT_EQ(granted.size(), 1U);
    EXPECT_EQ(granted[0]["duress"], true);
    const auto duress = payloadsOf(kAccessDuress);
    ASSERT_EQ(duress.size(), 1U);
    EXPECT_EQ(duress[0]["person"], "alice");
    EXPECT_EQ(duress[0]["door"], kServerDoor);
    EXPECT_EQ(duress[0]["decision"], "granted");
    // Both were in the trail when the panel heard "granted" (one Change).
    EXPECT_EQ(trailTypesOf("s1"), (std::vector<std::string>{"access.challenge", "access.challenge",
                                                            "access.granted", "access.duress"}));
    expectEveryReplyRecordedFirst();
    // The panel saw an ordinary grant, and the wrong-PIN count did not move.
    EXPECT_EQ(badgeThreeFactors(kAlice, kPin), protocol::reason::granted);
    EXPECT_EQ(payloadsOf(kAccessDuress).size(), 1U);
}

TEST_F(AccessRulesServiceTest, DuressAtATwoPersonDoorRaisesAtOnceAndTheSecondPersonLetsBothIn) {
    rulesOf("server-room").twoPerson = true;
    startService();
    EXPECT_EQ(badgeThreeFactors(kAlice, kDuressPin), protocol::reason::awaitingSecondPerson);
    EXPECT_EQ(trailTypesOf("s1"),
              (std::vector<std::string>{"access.challenge", "access.challenge",
                                        "access.companion_pending", "access.duress"}));
    clock_.advanceMs(5000);
    EXPECT_EQ(badgeThreeFactors(kBob, kPin), protocol::reason::granted);
    const auto granted = payloadsOf(kAccessGranted);
    ASSERT_EQ(granted.size(), 1U);
    EXPECT_EQ(granted[0]["person"], "bob");
    EXPECT_EQ(granted[0]["companions"][0]["person"], "alice");
    EXPECT_FALSE(granted[0].contains("duress")) << "bob entered his own PIN";
    EXPECT_EQ(payloadsOf(kAccessDuress).size(), 1U);
    ASSERT_TRUE(runUntil([&] { return inside("server-room").size() == 2; }));
    expectEveryReplyRecordedFirst();
}

// A visitor waits for a host of the zone's escort_hosts; a non-host passes on their own beside the
// wait; the host's badge lets both through in one grant. Host first works too, within the window.
TEST_F(AccessRulesServiceTest, AVisitorWaitsForAHostAndPassesWithThem) {
    rulesOf("office").escortHosts = {kSecurityGroup};
    enrollWith([](Enrollment& e) { return e.joinGroup(kSecurityGroup, "bob"); });
    enrollWith([](Enrollment& e) {
        PersonPatch visitor;
        visitor.escortRequired = true;
        return e.updatePerson("carol", visitor);
    });
    startService();
    EXPECT_EQ(badge(kOfficeDoor, kCarol), protocol::reason::awaitingEscort);
    ASSERT_EQ(payloadsOf(kAccessCompanionPending).size(), 1U);
    EXPECT_EQ(payloadsOf(kAccessCompanionPending)[0]["rule"], "escort");
    clock_.advanceMs(2000);
    EXPECT_EQ(badge(kOfficeDoor, kAlice), protocol::reason::granted) << "not a host: alone";
    EXPECT_FALSE(payloadsOf(kAccessGranted).back().contains("companions"));
    clock_.advanceMs(2000);
    EXPECT_EQ(badge(kOfficeDoor, kBob), protocol::reason::granted);
    EXPECT_EQ(payloadsOf(kAccessGranted).back()["companions"][0]["person"], "carol");
    ASSERT_TRUE(runUntil([&] { return inside("office").size() == 3; }));

    // Out again, then the host first and the visitor within the window.
    for (const Person* p : {&kAlice, &kBob, &kCarol}) {
        EXPECT_EQ(badge(kOfficeDoor, *p, DoorSide::exit), protocol::reason::granted) << p->id;
    }
    ASSERT_TRUE(runUntil([&] { return inside("office").empty(); }));
    clock_.advanceMs(1000);
    EXPECT_EQ(badge(kOfficeDoor, kBob), protocol::reason::granted);
    clock_.advanceMs(3000);
    EXPECT_EQ(badge(kOfficeDoor, kCarol), protocol::reason::granted) << "the host badged just now";
    EXPECT_TRUE(payloadsOf(kAccessCompanionExpired).empty());
    expectEveryReplyRecordedFirst();
}

TEST_F(AccessRulesServiceTest, LockdownRefusesEntryExceptExemptGroupsAndNeverExit) {
    rules_.lockdownExemptGroups = {kSecurityGroup};
    enrollWith([](Enrollment& e) { return e.joinGroup(kSecurityGroup, "bob"); });
    startService();
    EXPECT_EQ(badge(kOfficeDoor, kAlice), protocol::reason::granted);
    ASSERT_TRUE(runUntil([&] { return inside("office").size() == 1; }));
    const auto started = call(core::HttpMethod::post, "/api/lockdown",
                              {{"scope", "zone"}, {"zone", "office"}, {"comment", "drill"}});
    ASSERT_EQ(started.status, 201) << started.body.dump();
    EXPECT_EQ(badge(kOfficeDoor, kCarol), protocol::reason::lockdown);
    EXPECT_EQ(badge(kOfficeDoor, kBob), protocol::reason::granted) << "security is exempt";
    EXPECT_EQ(badge(kOfficeDoor, kAlice, DoorSide::exit), protocol::reason::granted);
    const auto lifted = call(core::HttpMethod::post, "/api/lockdown/lift",
                             {{"scope", "zone"}, {"zone", "office"}, {"comment", "over"}});
    ASSERT_LT(lifted.status, 300) << lifted.body.dump();
    EXPECT_EQ(badge(kOfficeDoor, kCarol), protocol::reason::granted);
    expectEveryReplyRecordedFirst();
}

// No card names whom to lock at a keypad: wrong codes count against the door's keypad, so codes
// cannot be guessed at full speed; a right code does not clear the count.
TEST_F(AccessRulesServiceTest, WrongKeypadCodesLockTheKeypadOut) {
    enrollWith([](Enrollment& e) { return e.setKeypadCode("carol", kCarolCode); });
    startService();
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(keypad(std::string("90000").append(std::to_string(i))),
                  protocol::reason::unknownCode)
            << i;
    }
    EXPECT_EQ(keypad(kCarolCode), protocol::reason::granted);
    EXPECT_EQ(keypad("900004"), protocol::reason::unknownCode) << "the fifth wrong code locks";
    EXPECT_EQ(keypad(kCarolCode), protocol::reason::lockedOut) << "even a right code now";
    ASSERT_TRUE(runUntil([&] { return !payloadsOf(kAccessCardLockedOut).empty(); }));
    EXPECT_EQ(payloadsOf(kAccessCardLockedOut)[0]["card"], "keypad:" + kKeypadDoor);
    expectEveryReplyRecordedFirst();
}

TEST_F(AccessRulesServiceTest, AKeypadCodeNamesThePersonAndItsDuressVariantRaisesTheAlarm) {
    enrollWith([](Enrollment& e) { return e.setKeypadCode("carol", kCarolCode); });
    startService();
    EXPECT_EQ(keypad("999999"), protocol::reason::unknownCode);
    EXPECT_EQ(keypad(kCarolCode), protocol::reason::granted);
    auto granted = payloadsOf(kAccessGranted);
    ASSERT_EQ(granted.size(), 1U);
    EXPECT_EQ(granted[0]["person"], "carol");
    EXPECT_EQ(granted[0]["card"], "");
    EXPECT_EQ(replies_.back().reply.step, Factor::pin) << "a keypad request is answered as pin";
    EXPECT_EQ(keypad("246811"), protocol::reason::granted);  // the last digit one higher
    ASSERT_EQ(payloadsOf(kAccessDuress).size(), 1U);
    EXPECT_EQ(payloadsOf(kAccessDuress)[0]["person"], "carol");
    for (const auto& e : events_) {
        EXPECT_EQ(e.payload.find(kCarolCode), std::string::npos) << e.type;
    }
    expectEveryReplyRecordedFirst();
}
