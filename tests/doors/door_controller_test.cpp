#include "doors/door_controller.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>

#include "doors/enrollment.hpp"
#include "io/simulated_mqtt_link.hpp"
#include "protocol/topics.hpp"

using namespace sekimori;
using namespace sekimori::doors;
using namespace sekimori::policy;
using protocol::DoorSide;
using protocol::Factor;

namespace {

constexpr core::TimeUs kWed1000Jst = 1'795'568'400'000'000;
constexpr core::TimeUs kWed2200Jst = 1'795'611'600'000'000;
const std::string kSite = "hq";
const std::string kPanel = "p-srv";
const std::string kCard = "0123456789ABCDEF";
const std::string kPin = "4711";
const core::Bytes kTemplate = "ISO19794-TEMPLATE-\x01\x02\x03";

class RecordingRecorder final : public core::EventRecorder {
  public:
    void record(core::Event event) override { events.push_back(std::move(event)); }
    std::vector<core::Event> ofType(const std::string& type) const {
        std::vector<core::Event> out;
        for (const auto& e : events) {
            if (e.type == type) {
                out.push_back(e);
            }
        }
        return out;
    }
    std::vector<core::Event> events;
};

class DoorControllerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        clock_.set(kWed1000Jst);
        openStore(":memory:");
        enroll("alice", "Alice Sato", kCard);
    }

    void TearDown() override {
        if (controller_) {
            controller_->stop();
        }
        if (link_) {
            link_->stop();
        }
        if (!dbDir_.empty()) {
            std::filesystem::remove_all(dbDir_);
        }
    }

    void openStore(const std::string& path) {
        auto db = core::Database::open(path);
        ASSERT_TRUE(db) << db.error().message;
        db_ = std::move(db.value());
        auto store = CredentialStore::open(*db_);
        ASSERT_TRUE(store) << store.error().message;
        store_ = std::move(store.value());
    }

    void enroll(const std::string& id, const std::string& name, const std::string& card,
                CredentialStore* store = nullptr) {
        Enrollment e(store ? *store : *store_, clock_, {keys_.pepper, keys_.templateKey},
                     {{"server-room", "corridor"}, {"office"}}, "test");
        ASSERT_TRUE(e.addPerson(id, name));
        ASSERT_TRUE(e.setCard(id, card));
        ASSERT_TRUE(e.setPin(id, kPin));
        ASSERT_TRUE(e.setFingerprint(id, kTemplate));
        ASSERT_TRUE(e.grantZone(id, "server-room", "office"));
    }

    DoorSpec door() const {
        DoorSpec d;
        d.id = "srv-door";
        d.name = "Server room door";
        d.panel = kPanel;
        d.fromZone = "corridor";
        d.toZone = "server-room";
        d.stepTimeoutMs = stepTimeoutMs_;
        d.fingerThreshold = 60;
        d.unlockMs = 5000;
        d.heldOpenMs = heldOpenMs_;
        return d;
    }

    void startController(DoorControllerOptions controllerOptions = {}) {
        io::MqttOptions options;
        options.clientId = "sekimorid";
        options.subscriptions = {protocol::panelWildcard(kSite)};
        link_ = broker_.makeLink(options);
        auto made =
            DoorController::create(io_.get_executor(), *link_, recorder_, clock_, kSite, {door()},
                                   {Schedule{"office", 540, {{kWeekdays, 8 * 60, 20 * 60}}}}, keys_,
                                   *store_, controllerOptions);
        ASSERT_TRUE(made) << made.error().message;
        controller_ = std::move(made.value());
        controller_->start();
        link_->start();
        runUntil([&] { return link_->connected(); });
    }

    bool runUntil(const std::function<bool()>& done, int maxMs = 2000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(maxMs);
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            io_.restart();
            io_.run_for(std::chrono::milliseconds(2));
        }
        return true;
    }

    void send(const protocol::PanelRequest& request) {
        broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::request),
                        protocol::encode(request));
    }
    void sendCard(const std::string& session, const std::string& card = kCard) {
        send({session, "srv-door", DoorSide::entry, protocol::CardPresented{card}});
    }
    void sendPin(const std::string& session, const std::string& digits) {
        send({session, "srv-door", DoorSide::entry,
              protocol::PinEntered{core::toBase64(core::sealBox(panelKey(), digits))}});
    }
    void sendFinger(const std::string& session, int score) {
        send({session, "srv-door", DoorSide::entry, protocol::FingerScored{score}});
    }
    void sendEvent(protocol::DoorEventKind kind) {
        broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event),
                        protocol::encode(protocol::PanelEvent{"srv-door", kind, ""}));
    }

    std::vector<protocol::PanelReply> replies() const {
        std::vector<protocol::PanelReply> out;
        const auto topic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::reply);
        for (const auto& m : broker_.accepted()) {
            if (m.topic == topic) {
                auto parsed = protocol::parsePanelReply(m.payload);
                EXPECT_TRUE(parsed) << parsed.error;
                if (parsed) {
                    out.push_back(*parsed.value);
                }
            }
        }
        return out;
    }
    // Waits for the n-th reply (1-based) and returns it.
    protocol::PanelReply awaitReply(std::size_t n) {
        EXPECT_TRUE(runUntil([&] { return replies().size() >= n; })) << "no reply " << n;
        auto all = replies();
        return all.size() >= n ? all[n - 1] : protocol::PanelReply{};
    }
    static const protocol::Decision* decisionOf(const protocol::PanelReply& r) {
        return std::get_if<protocol::Decision>(&r.body);
    }
    static const protocol::Challenge* challengeOf(const protocol::PanelReply& r) {
        return std::get_if<protocol::Challenge>(&r.body);
    }
    const core::Bytes& panelKey() const { return keys_.panelKeys.at(kPanel); }

    // No recorded event, reply or error may carry the PIN or the template in clear.
    void expectNoSecretsLeaked() const {
        for (const auto& e : recorder_.events) {
            EXPECT_EQ(e.payload.find(kPin), std::string::npos) << e.type;
            EXPECT_EQ(e.payload.find("ISO19794"), std::string::npos) << e.type;
        }
        for (const auto& m : broker_.accepted()) {
            EXPECT_EQ(m.payload.find("ISO19794"), std::string::npos) << m.topic;
        }
    }

    boost::asio::io_context io_;
    io::SimulatedMqttBroker broker_{io_.get_executor()};
    core::ManualClock clock_;
    RecordingRecorder recorder_;
    DoorKeys keys_{core::randomBytes(32), core::randomBytes(32), {{kPanel, core::randomBytes(32)}}};
    std::unique_ptr<core::Database> db_;
    std::unique_ptr<CredentialStore> store_;
    std::unique_ptr<io::MqttLink> link_;
    std::unique_ptr<DoorController> controller_;
    int stepTimeoutMs_ = 15000;
    int heldOpenMs_ = 30000;
    std::filesystem::path dbDir_;
};

}  // namespace

TEST_F(DoorControllerTest, ThreeFactorEntryIsGrantedAndMovesPresence) {
    startController();
    sendCard("s1");
    auto first = awaitReply(1);
    ASSERT_NE(challengeOf(first), nullptr);
    EXPECT_EQ(first.session, "s1");
    EXPECT_EQ(first.door, "srv-door");
    EXPECT_EQ(challengeOf(first)->next, Factor::pin);
    EXPECT_EQ(challengeOf(first)->timeoutMs, 15000);

    clock_.advanceMs(3000);
    sendPin("s1", kPin);
    auto second = awaitReply(2);
    ASSERT_NE(challengeOf(second), nullptr);
    EXPECT_EQ(challengeOf(second)->next, Factor::finger);
    // The template travels sealed with the panel's key, and only the panel's key opens it.
    auto sealed = core::fromBase64(challengeOf(second)->templateBox);
    ASSERT_TRUE(sealed);
    auto opened = core::openBox(panelKey(), sealed.value());
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened.value(), kTemplate);
    EXPECT_FALSE(core::openBox(keys_.templateKey, sealed.value()));

    clock_.advanceMs(3000);
    sendFinger("s1", 82);
    auto third = awaitReply(3);
    ASSERT_NE(decisionOf(third), nullptr);
    EXPECT_TRUE(decisionOf(third)->granted);
    EXPECT_EQ(decisionOf(third)->reason, "granted");
    EXPECT_EQ(decisionOf(third)->unlockMs, 5000);

    EXPECT_EQ(recorder_.ofType("access.challenge").size(), 2U);
    auto granted = recorder_.ofType("access.granted");
    ASSERT_EQ(granted.size(), 1U);
    const auto payload = nlohmann::json::parse(granted[0].payload);
    EXPECT_EQ(payload["door"], "srv-door");
    EXPECT_EQ(payload["side"], "entry");
    EXPECT_EQ(payload["person"], "alice");
    EXPECT_EQ(payload["person_name"], "Alice Sato");
    EXPECT_EQ(payload["decision"], "granted");
    EXPECT_EQ(payload["reason"], "granted");
    EXPECT_EQ(granted[0].subject, "alice");
    EXPECT_EQ(granted[0].source, "door:srv-door");

    // This door never reported its position, so the grant itself moves the person.
    EXPECT_EQ(recorder_.ofType("presence.entered").size(), 1U);
    EXPECT_EQ(controller_->presenceJson()["zones"]["server-room"][0]["person"], "alice");
    const auto doors = controller_->doorsJson();
    ASSERT_EQ(doors.size(), 1U);
    EXPECT_EQ(doors[0]["lock"], "unlocked");
    EXPECT_EQ(doors[0]["position"], "unknown");
    EXPECT_EQ(doors[0]["last_event"]["type"], "access.granted");
    clock_.advanceMs(5001);
    EXPECT_EQ(controller_->doorsJson()[0]["lock"], "locked");
    expectNoSecretsLeaked();
}

TEST_F(DoorControllerTest, WrongPinIsDenied) {
    startController();
    sendCard("s2");
    awaitReply(1);
    sendPin("s2", "4712");
    auto reply = awaitReply(2);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_FALSE(decisionOf(reply)->granted);
    EXPECT_EQ(decisionOf(reply)->reason, "wrong_pin");
    auto denied = recorder_.ofType("access.denied");
    ASSERT_EQ(denied.size(), 1U);
    const auto payload = nlohmann::json::parse(denied[0].payload);
    EXPECT_EQ(payload["reason"], "wrong_pin");
    EXPECT_EQ(payload["decision"], "denied");
    EXPECT_EQ(payload["person"], "alice");
    EXPECT_EQ(denied[0].payload.find("4712"), std::string::npos);
    // The session is over: a finger after the denial starts nothing.
    sendFinger("s2", 99);
    auto late = awaitReply(3);
    ASSERT_NE(decisionOf(late), nullptr);
    EXPECT_EQ(decisionOf(late)->reason, "factor_out_of_order");
    EXPECT_TRUE(recorder_.ofType("access.granted").empty());
    EXPECT_TRUE(recorder_.ofType("presence.entered").empty());
    expectNoSecretsLeaked();
}

TEST_F(DoorControllerTest, UnknownCardIsDenied) {
    startController();
    sendCard("s3", "FFFFFFFF00000000");
    auto reply = awaitReply(1);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(decisionOf(reply)->reason, "unknown_card");
    auto denied = recorder_.ofType("access.denied");
    ASSERT_EQ(denied.size(), 1U);
    const auto payload = nlohmann::json::parse(denied[0].payload);
    EXPECT_EQ(payload["person"], "");
    EXPECT_EQ(payload["card"], "FFFFFFFF00000000");
}

TEST_F(DoorControllerTest, FingerBelowThresholdIsDenied) {
    startController();
    sendCard("s4");
    awaitReply(1);
    sendPin("s4", kPin);
    awaitReply(2);
    sendFinger("s4", 59);
    auto reply = awaitReply(3);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(decisionOf(reply)->reason, "finger_mismatch");
    EXPECT_EQ(recorder_.ofType("access.denied").size(), 1U);
}

TEST_F(DoorControllerTest, OutsideScheduleIsDeniedAtTheCard) {
    clock_.set(kWed2200Jst);
    startController();
    sendCard("s5");
    auto reply = awaitReply(1);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(decisionOf(reply)->reason, "outside_schedule");
}

TEST_F(DoorControllerTest, SessionTimesOutByItself) {
    stepTimeoutMs_ = 60;
    startController();
    sendCard("s6");
    auto challenge = awaitReply(1);
    ASSERT_NE(challengeOf(challenge), nullptr);
    EXPECT_EQ(challengeOf(challenge)->timeoutMs, 60);
    // Nothing more is sent: the controller's own timer ends the session.
    auto reply = awaitReply(2);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(reply.session, "s6");
    EXPECT_EQ(decisionOf(reply)->reason, "timeout");
    auto denied = recorder_.ofType("access.denied");
    ASSERT_EQ(denied.size(), 1U);
    EXPECT_EQ(nlohmann::json::parse(denied[0].payload)["reason"], "timeout");
}

TEST_F(DoorControllerTest, StepsWithinTheTimeoutKeepTheSessionAlive) {
    stepTimeoutMs_ = 150;
    startController();
    sendCard("s7");
    awaitReply(1);
    runUntil([] { return false; }, 100);
    sendPin("s7", kPin);  // re-arms the step timer
    awaitReply(2);
    runUntil([] { return false; }, 100);
    sendFinger("s7", 90);
    auto reply = awaitReply(3);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_TRUE(decisionOf(reply)->granted);
    runUntil([] { return false; }, 200);  // an old timer firing now must not deny anything
    EXPECT_EQ(replies().size(), 3U);
    EXPECT_TRUE(recorder_.ofType("access.denied").empty());
}

TEST_F(DoorControllerTest, MalformedPayloadIsReportedAndServiceContinues) {
    startController();
    const auto requestTopic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::request);
    broker_.publish(requestTopic, "{not json");
    ASSERT_TRUE(runUntil([&] { return recorder_.ofType("mqtt.bad_payload").size() == 1; }));
    // An unknown field is an error too, and it names the field.
    broker_.publish(requestTopic,
                    R"({"session":"s8","door":"srv-door","side":"entry","step":"card",)"
                    R"("card_uid":"0123456789ABCDEF","colour":"red"})");
    ASSERT_TRUE(runUntil([&] { return recorder_.ofType("mqtt.bad_payload").size() == 2; }));
    EXPECT_NE(recorder_.ofType("mqtt.bad_payload")[1].payload.find("colour"), std::string::npos);
    // A door the panel does not serve.
    send({"s8", "front-door", DoorSide::entry, protocol::CardPresented{kCard}});
    ASSERT_TRUE(runUntil([&] { return recorder_.ofType("mqtt.bad_payload").size() == 3; }));
    EXPECT_NE(recorder_.ofType("mqtt.bad_payload")[2].payload.find("front-door"),
              std::string::npos);
    // A panel that is not in the configuration.
    broker_.publish(protocol::panelTopic(kSite, "p-rogue", protocol::PanelChannel::request),
                    protocol::encode(protocol::PanelRequest{"s9", "srv-door", DoorSide::entry,
                                                            protocol::CardPresented{kCard}}));
    ASSERT_TRUE(runUntil([&] { return recorder_.ofType("mqtt.foreign_topic").size() == 1; }));
    EXPECT_NE(recorder_.ofType("mqtt.foreign_topic")[0].payload.find("p-rogue"), std::string::npos);
    // Each error was also published on the site's error topic.
    std::size_t published = 0;
    for (const auto& m : broker_.accepted()) {
        published += m.topic == protocol::errorTopic(kSite) ? 1 : 0;
    }
    EXPECT_EQ(published, 4U);
    EXPECT_TRUE(replies().empty());

    sendCard("s10");
    auto reply = awaitReply(1);
    ASSERT_NE(challengeOf(reply), nullptr);
    EXPECT_EQ(reply.session, "s10");
}

TEST_F(DoorControllerTest, PinSealedWithAnotherKeyIsABadPayloadAndADenial) {
    startController();
    sendCard("s11");
    awaitReply(1);
    send({"s11", "srv-door", DoorSide::entry,
          protocol::PinEntered{core::toBase64(core::sealBox(core::randomBytes(32), kPin))}});
    auto reply = awaitReply(2);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(decisionOf(reply)->reason, "wrong_pin");
    EXPECT_EQ(recorder_.ofType("mqtt.bad_payload").size(), 1U);
}

TEST_F(DoorControllerTest, ReportingDoorMovesPresenceOnlyWhenItOpens) {
    startController();
    sendEvent(protocol::DoorEventKind::closed);
    ASSERT_TRUE(runUntil([&] { return !recorder_.ofType("door.closed").empty(); }));
    sendCard("s12");
    awaitReply(1);
    sendPin("s12", kPin);
    awaitReply(2);
    sendFinger("s12", 90);
    awaitReply(3);
    EXPECT_TRUE(recorder_.ofType("presence.entered").empty());
    sendEvent(protocol::DoorEventKind::opened);
    ASSERT_TRUE(runUntil([&] { return !recorder_.ofType("presence.entered").empty(); }));
    const auto opened = recorder_.ofType("door.opened");
    ASSERT_EQ(opened.size(), 1U);
    EXPECT_EQ(opened[0].subject, "alice");
    EXPECT_EQ(controller_->doorsJson()[0]["position"], "open");
    EXPECT_EQ(controller_->presenceJson()["zones"]["server-room"][0]["person"], "alice");
}

TEST_F(DoorControllerTest, PanelStatusAndDoorAlarmsAreRecorded) {
    startController();
    broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::status),
                    protocol::encode(protocol::PanelStatus{true, "1.0.0"}), true);
    ASSERT_TRUE(runUntil([&] { return !recorder_.ofType("panel.online").empty(); }));
    EXPECT_EQ(controller_->doorsJson()[0]["panel_online"], true);
    sendEvent(protocol::DoorEventKind::forced);
    sendEvent(protocol::DoorEventKind::tamper);
    ASSERT_TRUE(runUntil([&] { return !recorder_.ofType("door.tamper").empty(); }));
    EXPECT_EQ(recorder_.ofType("door.forced").size(), 1U);
    EXPECT_TRUE(controller_->doorsJson()[0]["tamper"].get<bool>());
    broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::status),
                    protocol::encode(protocol::PanelStatus{false, ""}), true);
    ASSERT_TRUE(runUntil([&] { return !recorder_.ofType("panel.offline").empty(); }));
    EXPECT_EQ(controller_->doorsJson()[0]["panel_online"], false);
}

TEST_F(DoorControllerTest, EnrollmentByAnotherProcessIsPickedUp) {
    dbDir_ = std::filesystem::temp_directory_path() / ("doors-ctl-" + core::randomToken(6));
    std::filesystem::create_directories(dbDir_);
    const auto path = (dbDir_ / "site.db").string();
    openStore(path);
    startController(DoorControllerOptions{std::chrono::milliseconds(10)});
    sendCard("s13", "BBBBBBBB00000001");
    ASSERT_EQ(decisionOf(awaitReply(1))->reason, "unknown_card");

    auto cliDb = core::Database::open(path);
    ASSERT_TRUE(cliDb);
    auto cliStore = CredentialStore::open(*cliDb.value());
    ASSERT_TRUE(cliStore);
    enroll("bob", "Bob", "BBBBBBBB00000001", cliStore.value().get());
    runUntil([] { return false; }, 50);

    sendCard("s14", "BBBBBBBB00000001");
    auto reply = awaitReply(2);
    ASSERT_NE(challengeOf(reply), nullptr);
    EXPECT_EQ(challengeOf(reply)->next, Factor::pin);
}

TEST_F(DoorControllerTest, LargestEnrollableTemplateFitsInAChallenge) {
    Enrollment e(*store_, clock_, {keys_.pepper, keys_.templateKey}, {}, "test");
    ASSERT_TRUE(e.setFingerprint("alice", core::Bytes(kMaxTemplateBytes, '\x5a')));
    startController();
    sendCard("s15");
    awaitReply(1);
    sendPin("s15", kPin);
    auto reply = awaitReply(2);  // replies() fails the test if the panel could not parse it
    ASSERT_NE(challengeOf(reply), nullptr);
    EXPECT_EQ(challengeOf(reply)->next, Factor::finger);
}

TEST_F(DoorControllerTest, DoorLeftOpenRaisesHeldOpenOnce) {
    heldOpenMs_ = 40;
    startController();
    sendEvent(protocol::DoorEventKind::opened);
    ASSERT_TRUE(runUntil([&] { return !recorder_.ofType("door.held_open").empty(); }));
    EXPECT_NE(recorder_.ofType("door.held_open")[0].payload.find("controller"), std::string::npos);
    sendEvent(protocol::DoorEventKind::heldOpen);  // the panel's own report of the same opening
    runUntil([] { return false; }, 50);
    EXPECT_EQ(recorder_.ofType("door.held_open").size(), 1U);
    sendEvent(protocol::DoorEventKind::closed);
    sendEvent(protocol::DoorEventKind::opened);
    sendEvent(protocol::DoorEventKind::closed);
    runUntil([] { return false; }, 80);  // closed in time: no second alarm
    EXPECT_EQ(recorder_.ofType("door.held_open").size(), 1U);
    EXPECT_EQ(recorder_.ofType("door.opened").size(), 2U);
}

TEST_F(DoorControllerTest, NothingIsHandledAfterStopOrDestruction) {
    stepTimeoutMs_ = 30;
    startController();
    sendCard("s16");
    awaitReply(1);  // a session with a live step timer
    controller_->stop();
    sendCard("s17");
    runUntil([] { return false; }, 80);
    EXPECT_EQ(replies().size(), 1U);  // neither the new card nor the old timer was answered
    EXPECT_TRUE(recorder_.ofType("access.denied").empty());
    controller_.reset();  // the link outlives the controller and may still deliver
    sendCard("s18");
    runUntil([] { return false; }, 30);
    EXPECT_EQ(replies().size(), 1U);
}

TEST(DoorControllerCreate, RefusesADoorWhosePanelHasNoKey) {
    ASSERT_TRUE(core::initCrypto());
    boost::asio::io_context io;
    io::SimulatedMqttBroker broker(io.get_executor());
    auto link = broker.makeLink({});
    auto db = core::Database::open(":memory:");
    ASSERT_TRUE(db);
    auto store = CredentialStore::open(*db.value());
    ASSERT_TRUE(store);
    RecordingRecorder recorder;
    core::ManualClock clock;
    DoorSpec d;
    d.id = "d1";
    d.panel = "p-missing";
    d.fromZone = "a";
    d.toZone = "b";
    auto made = DoorController::create(io.get_executor(), *link, recorder, clock, "hq", {d}, {},
                                       DoorKeys{core::randomBytes(32), core::randomBytes(32), {}},
                                       *store.value());
    ASSERT_FALSE(made);
    EXPECT_NE(made.error().message.find("p-missing"), std::string::npos);
}
