// The doors service end to end on one io thread: a simulated broker, the real MqttRouter, the
// real AuditedRecorder on a database file, and a panel that checks, at the moment each reply
// reaches it, that the reply's access event is already in the trail.
#include "doors/doors_service.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "core/audited_recorder.hpp"
#include "core/core_event_types.hpp"
#include "doors/door_event_types.hpp"
#include "doors/enrollment.hpp"
#include "doors/panel_link_event_types.hpp"
#include "doors/presence_rebuild.hpp"
#include "io/mqtt_router.hpp"
#include "io/simulated_mqtt_link.hpp"
#include "protocol/panel_link_auth.hpp"
#include "protocol/topics.hpp"
#include "tests/doors/enroll_helpers.hpp"

using namespace sekimori;
using namespace sekimori::doors;
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

// The real recorder behind a door the test can turn: commits as slow as a real disk's (an
// apply that sleeps on the writer thread), refused (an apply that fails), or held back.
class TurnableRecorder final : public core::EventRecorder {
  public:
    enum class Mode { pass, slow, refuse, hold };
    explicit TurnableRecorder(core::EventRecorder& real) : real_(real) {}

    void record(core::Event event) override { real_.record(std::move(event)); }
    void commit(core::Change change) override {
        switch (mode) {
            case Mode::pass:
                break;
            case Mode::slow:
                change.apply =
                    [delay = slowBy](core::Database&) -> core::Result<std::vector<core::Event>> {
                    std::this_thread::sleep_for(delay);
                    return std::vector<core::Event>{};
                };
                break;
            case Mode::refuse:
                change.apply = [](core::Database&) -> core::Result<std::vector<core::Event>> {
                    return core::makeError("test.disk", "disk I/O error (test)");
                };
                break;
            case Mode::hold:
                held.push_back(std::move(change));
                return;
        }
        real_.commit(std::move(change));
    }

    Mode mode = Mode::pass;
    std::chrono::milliseconds slowBy{20};
    std::vector<core::Change> held;

  private:
    core::EventRecorder& real_;
};

struct SeenReply {
    protocol::PanelReply reply;
    bool recordedBefore = false;  // its access event was in the trail when it arrived
};

class DoorsServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        clock_.set(kWed1000Jst);
        dir_ = std::filesystem::temp_directory_path() / ("doors-svc-" + core::randomToken(6));
        std::filesystem::create_directories(dir_);
        dbPath_ = (dir_ / "site.db").string();
        auto cli = core::Database::open(dbPath_);
        ASSERT_TRUE(cli) << cli.error().message;
        cliDb_ = std::move(*cli);
        auto store = CredentialStore::open(*cliDb_);
        ASSERT_TRUE(store) << store.error().message;
        cliStore_ = std::move(*store);

        core::AuditedRecorderOptions options;
        options.signingKeyPath = (dir_ / "audit-signing.key").string();
        auto writer = core::Database::open(dbPath_);
        ASSERT_TRUE(writer);
        auto recorder = core::AuditedRecorder::create(std::move(*writer), io_.get_executor(), bus_,
                                                      clock_, options);
        ASSERT_TRUE(recorder) << recorder.error().message;
        recorder_ = std::move(*recorder);
        enroll("alice", "Alice Sato", kCard);
        turnable_ = std::make_unique<TurnableRecorder>(*recorder_);
        busToken_ = bus_.subscribe(
            "", [this](const core::RecordedEvent& e) { events_.push_back(e.event); });
        auto reader = core::Database::open(dbPath_, core::Database::Mode::readOnly);
        ASSERT_TRUE(reader);
        trail_ = std::move(*reader);

        io::MqttOptions daemon;
        daemon.clientId = "sekimorid";
        link_ = broker_.makeLink(daemon);
        router_ = std::make_unique<io::MqttRouter>(*link_);
        io::MqttOptions panel;
        panel.clientId = kPanel;
        panel.subscriptions = {protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::reply),
                               protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::link),
                               protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::command),
                               protocol::errorTopic(kSite)};
        panelLink_ = broker_.makeLink(panel);
        panelLink_->onMessage([this](const io::MqttMessage& m) { onPanelMessage(m); });
        link_->start();
        panelLink_->start();
        ASSERT_TRUE(runUntil([&] { return link_->connected() && panelLink_->connected(); }));
    }

    void TearDown() override {
        if (service_) {
            service_->stop();
            service_.reset();
        }
        link_->stop();
        panelLink_->stop();
        router_.reset();
        recorder_->stop();
        io_.restart();
        io_.poll();
        std::filesystem::remove_all(dir_);
    }

    // Through the real recorder, as the daemon's routes do (the trail names every row).
    void enrollWith(EnrollmentAction action) {
        auto r =
            test::enrollThrough(*recorder_, clock_, enrollmentKeys(), names(), std::move(action));
        ASSERT_TRUE(r) << r.error().message;
    }
    void enroll(const std::string& id, const std::string& name, const std::string& card) {
        const EnrollmentKeys keys = enrollmentKeys();
        enrollWith([&](Enrollment& e) -> Enrollment::Events {
            std::vector<core::Event> all;
            for (auto step : {e.addPerson(id, name), e.setCard(id, card), e.setPin(id, kPin),
                              test::setFingerprint(e, keys, id, kTemplate),
                              e.applyApprovedGrant(id, "server-room", "office")}) {
                if (!step) {
                    return step.error();
                }
                all.insert(all.end(), step->begin(), step->end());
            }
            return all;
        });
    }
    EnrollmentKeys enrollmentKeys() const { return {keys_.pepper, keys_.templateKey}; }
    static KnownNames names() { return {{"server-room", "corridor"}, {"office"}, {"server-room"}}; }

    DoorsConfig config() const {
        DoorConfig d;
        d.id = "srv-door";
        d.name = "Server room door";
        d.panel = kPanel;
        d.fromZone = "corridor";
        d.toZone = "server-room";
        d.entryFactors = {Factor::card, Factor::pin, Factor::finger};
        d.exitFactors = {Factor::card};
        d.stepTimeout = std::chrono::milliseconds(stepTimeoutMs_);
        d.fingerThreshold = 60;
        d.unlock = std::chrono::milliseconds(5000);
        d.heldOpen = std::chrono::milliseconds(heldOpenMs_);
        d.plan = plan_;
        DoorsConfig config{{d}, {}, {}, {}};
        if (gate_) {
            config.circleGates.push_back(*gate_);
        }
        return config;
    }

    DoorsServiceParts parts() {
        return DoorsServiceParts{
            io_.get_executor(),
            *router_,
            *turnable_,
            bus_,
            clock_,
            kSite,
            dbPath_,
            config(),
            {policy::Schedule{"office", 540, {{policy::kWeekdays, 8 * 60, 20 * 60}}}},
            keys_,
            commitPatience_,
            names(),
            approvals_,
            "/srv/site/doors/web"};
    }

    void startService() {
        auto made = DoorsService::create(parts());
        ASSERT_TRUE(made) << made.error().message;
        service_ = std::move(*made);
        const std::string before = epoch_;
        ASSERT_TRUE(service_->start());
        ASSERT_TRUE(runUntil([&] { return service_->serving(); }));
        // A fresh epoch per start, announced on the retained link topic (docs/mqtt.md).
        ASSERT_TRUE(runUntil([&] { return !epoch_.empty() && epoch_ != before; }));
    }

    bool runUntil(const std::function<bool()>& done, int maxMs = 3000) {
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

    // The panel's side: each reply, and whether its event was durable when it arrived.
    void onPanelMessage(const io::MqttMessage& m) {
        if (m.topic == protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::link)) {
            if (auto link = protocol::parsePanelLink(m.payload)) {
                epoch_ = link.value->epoch;
            }
            return;
        }
        if (m.topic == protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::command)) {
            auto command = protocol::parsePanelCommand(m.payload);
            ASSERT_TRUE(command) << command.error;
            if (command.value->type == protocol::CommandType::eventAck) {
                // An ack says "stored": every entry up to it must be in the trail already.
                auto st = trail_->prepare(
                    "SELECT count(DISTINCT json_extract(payload, '$.panel_seq')) FROM audit_events"
                    " WHERE json_extract(payload, '$.panel_seq') <= ?1");
                ASSERT_TRUE(st);
                st->bind(1, static_cast<std::int64_t>(command.value->seq));
                auto row = st->step();
                ASSERT_TRUE(row && *row);
                if (st->columnInt(0) != static_cast<std::int64_t>(command.value->seq) -
                                            static_cast<std::int64_t>(lostSeqs_)) {
                    ackBeforeDurable_ = true;
                }
                acks_.push_back(command.value->seq);
            }
            return;
        }
        if (m.topic == protocol::errorTopic(kSite)) {
            errors_.push_back(nlohmann::json::parse(m.payload));
            return;
        }
        auto parsed = protocol::parsePanelReply(m.payload);
        ASSERT_TRUE(parsed) << parsed.error;
        SeenReply seen{*parsed.value, false};
        std::string type = std::string(kAccessChallenge.name);
        if (const auto* d = std::get_if<protocol::Decision>(&parsed.value->body)) {
            type = d->granted ? std::string(kAccessGranted.name) : std::string(kAccessDenied.name);
        }
        auto st = trail_->prepare(
            "SELECT count(*) FROM audit_events WHERE type = ?1"
            " AND json_extract(payload, '$.session') = ?2");
        if (st) {
            st->bind(1, type).bind(2, parsed.value->session);
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

    // As the panel does (docs/mqtt.md, "The authenticated link"): this start's epoch, the next
    // counter, the answered challenge's nonce, the MAC under the panel key.
    void send(protocol::PanelRequest request, bool retained = false) {
        request.auth.epoch = epoch_;
        request.auth.counter = ++counter_;
        request.auth.nonce = std::holds_alternative<protocol::CardPresented>(request.step)
                                 ? core::toHex(core::randomBytes(16))
                                 : lastNonce_;
        const core::Bytes macKey = core::keyedHash(panelKey(), protocol::kMacKeyLabel);
        request.auth.mac = core::toHex(core::keyedHash(
            macKey,
            protocol::requestMacInput(kSite, kPanel, request, protocol::encodeBody(request))));
        broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::request),
                        protocol::encode(request), retained);
    }
    void sendCard(const std::string& session, const std::string& card = kCard) {
        send({session, "srv-door", DoorSide::entry, protocol::CardPresented{card}, {}});
    }
    void sendPin(const std::string& session, const std::string& digits) {
        send({session,
              "srv-door",
              DoorSide::entry,
              protocol::PinEntered{
                  core::toBase64(core::sealBox(panelKey(), lastNonce_ + ":" + digits))},
              {}});
    }
    void sendFinger(const std::string& session, int score) {
        send({session, "srv-door", DoorSide::entry, protocol::FingerScored{score}, {}});
    }
    void sendEvent(protocol::DoorEventKind kind) {
        broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event),
                        signedEvent(kind));
    }
    void badge(const std::string& session, std::size_t firstReply) {
        sendCard(session);
        awaitReply(firstReply);
        sendPin(session, kPin);
        awaitReply(firstReply + 1);
        sendFinger(session, 90);
        awaitReply(firstReply + 2);
    }

    std::vector<core::Event> ofType(core::EventType type) const {
        std::vector<core::Event> out;
        for (const auto& e : events_) {
            if (type == e.type) {
                out.push_back(e);
            }
        }
        return out;
    }
    const core::Bytes& panelKey() const { return keys_.panelKeys.at(kPanel); }
    // A report as the panel signs it with its own key (docs/mqtt.md), the next in its journal.
    std::string signedEvent(protocol::DoorEventKind kind) {
        protocol::PanelEvent event;
        event.door = "srv-door";
        event.kind = kind;
        event.seq = ++seq_;
        event.occurredUs = clock_.nowUs();
        return signedReport(std::move(event));
    }
    std::string signedReport(protocol::PanelEvent event) {
        event.counter = ++counter_;
        const std::string bytes =
            protocol::reportSigningInput(kSite, kPanel, protocol::encodeReport(event));
        std::string sig(crypto_sign_BYTES, '\0');
        crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                             reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                             reinterpret_cast<const unsigned char*>(signSecret_.data()));
        event.sig = core::toHex(sig);
        return protocol::encode(event);
    }
    static std::pair<core::Bytes, core::Bytes> signKeypair() {
        core::Bytes pk(crypto_sign_PUBLICKEYBYTES, '\0');
        core::Bytes sk(crypto_sign_SECRETKEYBYTES, '\0');
        crypto_sign_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                            reinterpret_cast<unsigned char*>(sk.data()));
        return {pk, sk};
    }

    // Calls one of the service's routes as the console would.
    core::ApiResult call(const std::string& pattern, std::map<std::string, std::string> params = {},
                         std::map<std::string, std::string> query = {}) {
        for (auto& route : service_->routes()) {
            if (route.pattern == pattern && route.method == core::HttpMethod::get) {
                core::ApiCall c;
                c.params = std::move(params);
                c.query = std::move(query);
                std::optional<core::ApiResult> result;
                route.handler(c, [&](core::ApiAnswer answer) {
                    result = std::get<core::ApiResult>(std::move(answer));
                });
                EXPECT_TRUE(result) << pattern << " did not answer";
                return result.value_or(core::ApiResult{});
            }
        }
        ADD_FAILURE() << "no route " << pattern;
        return {};
    }
    nlohmann::json doors() { return call("/api/doors").body["doors"]; }

    void expectNoSecretsLeaked() const {
        for (const auto& e : events_) {
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
    core::EventBus bus_;
    std::filesystem::path dir_;
    std::string dbPath_;
    std::unique_ptr<core::Database> cliDb_;
    std::unique_ptr<CredentialStore> cliStore_;
    std::unique_ptr<core::Database> trail_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    std::unique_ptr<TurnableRecorder> turnable_;
    core::EventBus::Token busToken_;
    std::vector<core::Event> events_;
    std::unique_ptr<io::MqttLink> link_;
    std::unique_ptr<io::MqttRouter> router_;
    std::unique_ptr<io::MqttLink> panelLink_;
    std::vector<SeenReply> replies_;
    std::vector<nlohmann::json> errors_;
    std::pair<core::Bytes, core::Bytes> signPair_ = signKeypair();
    core::Bytes signSecret_ = signPair_.second;
    DoorKeys keys_{core::randomBytes(32),
                   core::randomBytes(32),
                   // p-gate-srv: the circle gate some tests add (a gate's panel needs a key too)
                   {{kPanel, core::randomBytes(32)}, {"p-gate-srv", core::randomBytes(32)}},
                   {{kPanel, signPair_.first}}};
    std::string epoch_;  // the gateway's link epoch, from the retained link topic
    std::uint64_t counter_ = 0;
    std::uint64_t seq_ = 0;            // the panel's journal
    std::vector<std::uint64_t> acks_;  // event_ack seqs, as they arrived
    bool ackBeforeDurable_ = false;    // an ack arrived before what it covers was in the trail
    std::uint64_t lostSeqs_ = 0;       // entries the trail will never hold (a skipped gap)
    std::string lastNonce_;            // the nonce of the latest reply
    std::unique_ptr<DoorsService> service_;
    policy::ApprovalEngine* approvals_ = nullptr;
    int stepTimeoutMs_ = 15000;
    int heldOpenMs_ = 30000;
    std::optional<PlanPoint> plan_;         // the door's place on the plan
    std::optional<CircleGateConfig> gate_;  // a circle gate beside the door
    std::chrono::milliseconds commitPatience_{2000};
};

}  // namespace

TEST_F(DoorsServiceTest, ThreeFactorEntryIsGrantedAndMovesPresence) {
    startService();
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
    for (const auto& r : replies_) {
        EXPECT_TRUE(r.recordedBefore) << "a reply reached the panel before its event was stored";
    }

    EXPECT_EQ(ofType(kAccessChallenge).size(), 2U);
    auto granted = ofType(kAccessGranted);
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
    ASSERT_TRUE(runUntil([&] { return ofType(kPresenceEntered).size() == 1; }));
    EXPECT_EQ(call("/api/presence").body["zones"]["server-room"][0]["person"], "alice");
    const auto list = doors();
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0]["lock"], "unlocked");
    EXPECT_EQ(list[0]["position"], "unknown");
    EXPECT_EQ(list[0]["last_event"]["type"], "access.granted");
    clock_.advanceMs(5001);
    EXPECT_EQ(doors()[0]["lock"], "locked");
    expectNoSecretsLeaked();
}

TEST_F(DoorsServiceTest, NoReplyReachesThePanelBeforeItsEventIsDurable) {
    // Commits as slow as a real disk's: without the wait for onDone, replies would overtake.
    turnable_->mode = TurnableRecorder::Mode::slow;
    turnable_->slowBy = std::chrono::milliseconds(20);
    startService();
    for (int i = 0; i < 4; ++i) {
        badge("slow-" + std::to_string(i), static_cast<std::size_t>(3 * i + 1));
    }
    ASSERT_EQ(replies_.size(), 12U);
    for (const auto& r : replies_) {
        EXPECT_TRUE(r.recordedBefore) << "reply for " << r.reply.session << " preceded its record";
    }
    EXPECT_EQ(ofType(kAccessGranted).size(), 4U);
    for (std::size_t i = 2; i < replies_.size(); i += 3) {
        ASSERT_NE(decisionOf(replies_[i].reply), nullptr);
        EXPECT_TRUE(decisionOf(replies_[i].reply)->granted);
    }
}

TEST_F(DoorsServiceTest, ThePanelsDurabilityCheckCatchesAnUnrecordedReply) {
    // The check above has teeth: a decision no access event backs is flagged.
    startService();
    broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::reply),
                    protocol::encode(protocol::PanelReply{
                        "ghost",
                        "srv-door",
                        protocol::Factor::card,
                        protocol::Decision{true, "granted", 5000},
                        {std::string(32, 'e'), 1, std::string(32, 'c'), std::string(64, 'f')}}));
    awaitReply(1);
    EXPECT_FALSE(replies_[0].recordedBefore);
}

TEST_F(DoorsServiceTest, ARefusedCommitDeniesWithStoreUnavailable) {
    startService();
    turnable_->mode = TurnableRecorder::Mode::refuse;
    sendCard("s-down");
    auto reply = awaitReply(1);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_FALSE(decisionOf(reply)->granted);
    EXPECT_EQ(decisionOf(reply)->reason, "store_unavailable");
    // Operators hear it at once on the error topic, and the trail gets it when it can.
    ASSERT_TRUE(runUntil([&] { return !errors_.empty(); }));
    EXPECT_EQ(errors_[0]["type"], "access.store_unavailable");
    EXPECT_EQ(errors_[0]["wanted"], "challenge");
    EXPECT_EQ(errors_[0]["session"], "s-down");
    ASSERT_TRUE(runUntil([&] { return !ofType(kAccessStoreUnavailable).empty(); }));
    EXPECT_TRUE(ofType(kAccessChallenge).empty());
    // The session is over: a PIN now answers no challenge, is refused and gets no reply.
    turnable_->mode = TurnableRecorder::Mode::pass;
    sendPin("s-down", kPin);
    ASSERT_TRUE(runUntil([&] { return ofType(kPanelLinkRefused).size() == 1; }));
    EXPECT_NE(ofType(kPanelLinkRefused)[0].payload.find("unknown_nonce"), std::string::npos);
    EXPECT_EQ(replies_.size(), 1U);
}

TEST_F(DoorsServiceTest, ACommitNotDurableInTimeDeniesAndItsLateSuccessSendsNothing) {
    commitPatience_ = std::chrono::milliseconds(50);
    startService();
    badge("s-ok", 1);
    turnable_->mode = TurnableRecorder::Mode::hold;  // the disk hangs
    sendCard("s-hung");
    auto reply = awaitReply(4);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(reply.session, "s-hung");
    EXPECT_EQ(decisionOf(reply)->reason, "store_unavailable");
    // The disk recovers: the held commit becomes durable, and the panel hears nothing more.
    turnable_->mode = TurnableRecorder::Mode::pass;
    ASSERT_EQ(turnable_->held.size(), 1U);
    bool done = false;
    auto change = std::move(turnable_->held[0]);
    auto onDone = change.onDone;
    change.onDone = [&done, onDone](const core::Result<void>& r) {
        onDone(r);
        done = true;
    };
    turnable_->commit(std::move(change));
    ASSERT_TRUE(runUntil([&] { return done; }));
    runFor(20);
    EXPECT_EQ(replies_.size(), 4U);
}

TEST_F(DoorsServiceTest, WrongPinIsDenied) {
    startService();
    sendCard("s2");
    awaitReply(1);
    sendPin("s2", "1234");  // not 4712: that is 4711's duress variant, which grants
    auto reply = awaitReply(2);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_FALSE(decisionOf(reply)->granted);
    EXPECT_EQ(decisionOf(reply)->reason, "wrong_pin");
    EXPECT_TRUE(replies_[1].recordedBefore);
    auto denied = ofType(kAccessDenied);
    ASSERT_EQ(denied.size(), 1U);
    const auto payload = nlohmann::json::parse(denied[0].payload);
    EXPECT_EQ(payload["reason"], "wrong_pin");
    EXPECT_EQ(payload["decision"], "denied");
    EXPECT_EQ(payload["person"], "alice");
    EXPECT_EQ(payload["detail"], "PIN did not match the enrolled PIN.");
    EXPECT_EQ(denied[0].payload.find("4712"), std::string::npos);
    // The session is over: a finger now answers no challenge and is refused, with no reply.
    sendFinger("s2", 99);
    ASSERT_TRUE(runUntil([&] { return ofType(kPanelLinkRefused).size() == 1; }));
    EXPECT_NE(ofType(kPanelLinkRefused)[0].payload.find("unknown_nonce"), std::string::npos);
    EXPECT_EQ(replies_.size(), 2U);
    EXPECT_TRUE(ofType(kAccessGranted).empty());
    EXPECT_TRUE(ofType(kPresenceEntered).empty());
    expectNoSecretsLeaked();
}

TEST_F(DoorsServiceTest, UnknownCardIsDenied) {
    startService();
    sendCard("s3", "FFFFFFFF00000000");
    auto reply = awaitReply(1);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(decisionOf(reply)->reason, "unknown_card");
    auto denied = ofType(kAccessDenied);
    ASSERT_EQ(denied.size(), 1U);
    const auto payload = nlohmann::json::parse(denied[0].payload);
    EXPECT_EQ(payload["person"], "");
    EXPECT_EQ(payload["card"], "FFFFFFFF00000000");
}

TEST_F(DoorsServiceTest, FingerBelowThresholdIsDenied) {
    startService();
    sendCard("s4");
    awaitReply(1);
    sendPin("s4", kPin);
    awaitReply(2);
    sendFinger("s4", 59);
    auto reply = awaitReply(3);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(decisionOf(reply)->reason, "finger_mismatch");
    EXPECT_EQ(ofType(kAccessDenied).size(), 1U);
}

TEST_F(DoorsServiceTest, OutsideScheduleIsDeniedAtTheCard) {
    clock_.set(kWed2200Jst);
    startService();
    sendCard("s5");
    auto reply = awaitReply(1);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(decisionOf(reply)->reason, "outside_schedule");
}

TEST_F(DoorsServiceTest, SessionTimesOutByItself) {
    stepTimeoutMs_ = 60;
    startService();
    sendCard("s6");
    auto challenge = awaitReply(1);
    ASSERT_NE(challengeOf(challenge), nullptr);
    EXPECT_EQ(challengeOf(challenge)->timeoutMs, 60);
    auto reply = awaitReply(2);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(reply.session, "s6");
    EXPECT_EQ(decisionOf(reply)->reason, "timeout");
    auto denied = ofType(kAccessDenied);
    ASSERT_EQ(denied.size(), 1U);
    EXPECT_EQ(nlohmann::json::parse(denied[0].payload)["reason"], "timeout");
}

TEST_F(DoorsServiceTest, StepsWithinTheTimeoutKeepTheSessionAlive) {
    stepTimeoutMs_ = 150;
    startService();
    sendCard("s7");
    awaitReply(1);
    runFor(100);
    sendPin("s7", kPin);  // re-arms the step timer
    awaitReply(2);
    runFor(100);
    sendFinger("s7", 90);
    auto reply = awaitReply(3);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_TRUE(decisionOf(reply)->granted);
    runFor(200);  // an old timer firing now must not deny anything
    EXPECT_EQ(replies_.size(), 3U);
    EXPECT_TRUE(ofType(kAccessDenied).empty());
}

TEST_F(DoorsServiceTest, MalformedPayloadIsReportedAndServiceContinues) {
    startService();
    const auto requestTopic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::request);
    broker_.publish(requestTopic, "{not json");
    ASSERT_TRUE(runUntil([&] { return ofType(core::kMqttBadPayload).size() == 1; }));
    broker_.publish(requestTopic,
                    R"({"session":"s8","door":"srv-door","side":"entry","step":"card",)"
                    R"("card_uid":"0123456789ABCDEF","colour":"red"})");
    ASSERT_TRUE(runUntil([&] { return ofType(core::kMqttBadPayload).size() == 2; }));
    EXPECT_NE(ofType(core::kMqttBadPayload)[1].payload.find("colour"), std::string::npos);
    send({"s8", "front-door", DoorSide::entry, protocol::CardPresented{kCard}, {}});
    ASSERT_TRUE(runUntil([&] { return ofType(core::kMqttBadPayload).size() == 3; }));
    EXPECT_NE(ofType(core::kMqttBadPayload)[2].payload.find("front-door"), std::string::npos);
    broker_.publish(protocol::panelTopic(kSite, "p-rogue", protocol::PanelChannel::request),
                    protocol::encode(protocol::PanelRequest{
                        "s9", "srv-door", DoorSide::entry, protocol::CardPresented{kCard}, {}}));
    ASSERT_TRUE(runUntil([&] { return ofType(core::kMqttForeignTopic).size() == 1; }));
    EXPECT_NE(ofType(core::kMqttForeignTopic)[0].payload.find("p-rogue"), std::string::npos);
    ASSERT_TRUE(runUntil([&] { return errors_.size() == 4; }));
    EXPECT_TRUE(replies_.empty());

    sendCard("s10");
    auto reply = awaitReply(1);
    ASSERT_NE(challengeOf(reply), nullptr);
    EXPECT_EQ(reply.session, "s10");
}

TEST_F(DoorsServiceTest, RetainedRequestsAndEventsAreIgnored) {
    // Retained before the service subscribes: the broker replays them, flagged retained, on
    // the subscription (and would again after every reconnect).
    send({"s-ret", "srv-door", DoorSide::entry, protocol::CardPresented{kCard}, {}}, true);
    broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event),
                    signedEvent(protocol::DoorEventKind::forced), true);
    runFor(10);
    startService();
    runFor(50);
    EXPECT_TRUE(replies_.empty());
    EXPECT_TRUE(ofType(kDoorForced).empty());
    EXPECT_TRUE(ofType(kAccessChallenge).empty());
    sendCard("s-live");
    ASSERT_NE(challengeOf(awaitReply(1)), nullptr);
}

TEST_F(DoorsServiceTest, PinSealedWithAnotherKeyIsABadPayloadAndADenial) {
    startService();
    sendCard("s11");
    awaitReply(1);
    send({"s11",
          "srv-door",
          DoorSide::entry,
          protocol::PinEntered{core::toBase64(core::sealBox(core::randomBytes(32), kPin))},
          {}});
    auto reply = awaitReply(2);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_EQ(decisionOf(reply)->reason, "wrong_pin");
    ASSERT_TRUE(runUntil([&] { return ofType(core::kMqttBadPayload).size() == 1; }));
}

TEST_F(DoorsServiceTest, ReportingDoorMovesPresenceOnlyWhenItOpens) {
    startService();
    sendEvent(protocol::DoorEventKind::closed);
    ASSERT_TRUE(runUntil([&] { return !ofType(kDoorClosed).empty(); }));
    badge("s12", 1);
    runFor(20);
    EXPECT_TRUE(ofType(kPresenceEntered).empty());
    sendEvent(protocol::DoorEventKind::opened);
    ASSERT_TRUE(runUntil([&] { return !ofType(kPresenceEntered).empty(); }));
    const auto opened = ofType(kDoorOpened);
    ASSERT_EQ(opened.size(), 1U);
    EXPECT_EQ(opened[0].subject, "alice");
    EXPECT_EQ(doors()[0]["position"], "open");
    EXPECT_EQ(call("/api/presence").body["zones"]["server-room"][0]["person"], "alice");
}

TEST_F(DoorsServiceTest, PanelStatusAndDoorAlarmsAreRecorded) {
    startService();
    broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::status),
                    protocol::encode(protocol::PanelStatus{true, "1.0.0"}), true);
    ASSERT_TRUE(runUntil([&] { return !ofType(kPanelOnline).empty(); }));
    EXPECT_EQ(doors()[0]["panel_online"], true);
    EXPECT_EQ(doors()[0]["panel_firmware"], "1.0.0");
    sendEvent(protocol::DoorEventKind::forced);
    sendEvent(protocol::DoorEventKind::tamper);
    ASSERT_TRUE(runUntil([&] { return !ofType(kDoorTamper).empty(); }));
    EXPECT_EQ(ofType(kDoorForced).size(), 1U);
    EXPECT_TRUE(doors()[0]["tamper"].get<bool>());
    broker_.publish(protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::status),
                    protocol::encode(protocol::PanelStatus{false, ""}), true);
    ASSERT_TRUE(runUntil([&] { return !ofType(kPanelOffline).empty(); }));
    EXPECT_EQ(doors()[0]["panel_online"], false);
}

TEST_F(DoorsServiceTest, ABadgeRightAfterEnrollmentByAnotherConnectionIsAnswered) {
    startService();
    sendCard("s13", "BBBBBBBB00000001");
    ASSERT_EQ(decisionOf(awaitReply(1))->reason, "unknown_card");
    // `sekimori person card` commits on its own connection; the badge follows at once, with no
    // wait in between: the card step waits for the reader to see every earlier commit.
    enroll("bob", "Bob", "BBBBBBBB00000001");
    sendCard("s14", "BBBBBBBB00000001");
    auto reply = awaitReply(2);
    ASSERT_NE(challengeOf(reply), nullptr);
    EXPECT_EQ(challengeOf(reply)->next, Factor::pin);
}

TEST_F(DoorsServiceTest, LargestEnrollableTemplateFitsInAChallenge) {
    const EnrollmentKeys keys = enrollmentKeys();
    enrollWith([&](Enrollment& e) {
        return test::setFingerprint(e, keys, "alice", core::Bytes(kMaxTemplateBytes, '\x5a'));
    });
    startService();
    sendCard("s15");
    awaitReply(1);
    sendPin("s15", kPin);
    auto reply = awaitReply(2);  // onPanelMessage fails the test if the panel could not parse it
    ASSERT_NE(challengeOf(reply), nullptr);
    EXPECT_EQ(challengeOf(reply)->next, Factor::finger);
}

TEST_F(DoorsServiceTest, DoorLeftOpenRaisesHeldOpenOnce) {
    heldOpenMs_ = 40;
    startService();
    sendEvent(protocol::DoorEventKind::opened);
    ASSERT_TRUE(runUntil([&] { return !ofType(kDoorOpened).empty(); }));
    clock_.advanceMs(41);
    ASSERT_TRUE(runUntil([&] { return !ofType(kDoorHeldOpen).empty(); }));
    EXPECT_NE(ofType(kDoorHeldOpen)[0].payload.find("controller"), std::string::npos);
    sendEvent(protocol::DoorEventKind::heldOpen);  // the panel's own report of the same opening
    runFor(30);
    EXPECT_EQ(ofType(kDoorHeldOpen).size(), 1U);
    sendEvent(protocol::DoorEventKind::closed);
    sendEvent(protocol::DoorEventKind::opened);
    sendEvent(protocol::DoorEventKind::closed);
    runFor(80);  // closed in time: no second alarm
    EXPECT_EQ(ofType(kDoorHeldOpen).size(), 1U);
    EXPECT_EQ(ofType(kDoorOpened).size(), 2U);
}

TEST_F(DoorsServiceTest, NothingIsHandledAfterStopOrDestruction) {
    stepTimeoutMs_ = 30;
    startService();
    sendCard("s16");
    awaitReply(1);  // a session with a live step timer
    service_->stop();
    EXPECT_FALSE(service_->serving());
    sendCard("s17");
    runFor(80);
    EXPECT_EQ(replies_.size(), 1U);
    EXPECT_TRUE(ofType(kAccessDenied).empty());
    EXPECT_EQ(router_->handlerCount(), 0U);
    service_.reset();
    sendCard("s18");
    runFor(30);
    EXPECT_EQ(replies_.size(), 1U);
}

TEST_F(DoorsServiceTest, PresenceSurvivesARestart) {
    startService();
    badge("s19", 1);
    ASSERT_TRUE(runUntil([&] { return ofType(kPresenceEntered).size() == 1; }));
    service_->stop();
    service_.reset();
    ASSERT_TRUE(recorder_->flush());

    auto made = DoorsService::create(parts());
    ASSERT_TRUE(made) << made.error().message;
    service_ = std::move(*made);
    EXPECT_TRUE(call("/api/presence").body["zones"].empty());  // not rebuilt before start
    const std::string oldEpoch = epoch_;
    ASSERT_TRUE(service_->start());
    ASSERT_TRUE(runUntil([&] { return service_->serving(); }));
    // Serving means rebuilt: the first answer already holds the person inside.
    const auto zones = call("/api/presence").body["zones"];
    ASSERT_EQ(zones.size(), 1U);
    ASSERT_EQ(zones["server-room"].size(), 1U);
    EXPECT_EQ(zones["server-room"][0]["person"], "alice");
    EXPECT_EQ(zones["server-room"][0]["person_name"], "Alice Sato");
    // Leaving after the restart moves her out (the exit side takes the card only), once the
    // panel holds the restarted controller's epoch.
    ASSERT_TRUE(runUntil([&] { return epoch_ != oldEpoch; }));
    send({"s20", "srv-door", DoorSide::exit, protocol::CardPresented{kCard}, {}});
    auto reply = awaitReply(4);
    ASSERT_NE(decisionOf(reply), nullptr);
    EXPECT_TRUE(decisionOf(reply)->granted);
    ASSERT_TRUE(runUntil([&] { return call("/api/presence").body["zones"].contains("corridor"); }));
    EXPECT_FALSE(call("/api/presence").body["zones"].contains("server-room"));
}

TEST_F(DoorsServiceTest, DoorsListGatesAfterDoorsWithTheirPlanPlaces) {
    plan_ = PlanPoint{"floor-3f", 310, 100};
    CircleGateConfig gate;
    gate.id = "gate-srv";
    gate.name = "Server room circle gate";
    gate.panel = "p-gate-srv";
    gate.fromZone = "corridor";
    gate.toZone = "server-room";
    gate.entryFactors = {Factor::card, Factor::pin, Factor::finger};
    gate.maxWeightKg = 150;
    gate.plan = PlanPoint{"floor-3f", 420, 100};
    gate_ = gate;
    startService();
    const auto doors = call("/api/doors").body["doors"];
    ASSERT_EQ(doors.size(), 2U);
    EXPECT_EQ(doors[0]["kind"], "door");
    EXPECT_EQ(doors[0]["plan"], (nlohmann::json{{"floor", "floor-3f"}, {"x", 310}, {"y", 100}}));
    EXPECT_EQ(doors[1]["id"], "gate-srv");
    EXPECT_EQ(doors[1]["kind"], "circle_gate");
    EXPECT_EQ(doors[1]["supervised"], true);  // issue 15: gates are supervised
    EXPECT_EQ(doors[1]["plan"]["x"], 420);
    const auto one = call("/api/doors/{id}", {{"id", "gate-srv"}});
    EXPECT_EQ(one.status, 200);
    EXPECT_EQ(one.body["door"]["name"], "Server room circle gate");
}

TEST_F(DoorsServiceTest, ThePluginIsForTheRolesThatSeeTheDoors) {
    startService();
    const auto plugin = service_->uiPlugin();
    ASSERT_TRUE(plugin);
    EXPECT_EQ(plugin->name, "doors");
    EXPECT_EQ(plugin->webDir, "/srv/site/doors/web");
    EXPECT_EQ(plugin->entry, "index.js");
    for (auto role :
         {core::Role::deskOperator, core::Role::facilityAdmin, core::Role::securityAdmin}) {
        EXPECT_TRUE(plugin->roles.contains(role));
    }
    for (auto role : {core::Role::auditor, core::Role::bcpCoordinator}) {
        EXPECT_FALSE(plugin->roles.contains(role));
    }
}

TEST_F(DoorsServiceTest, RoutesAnswerWithTheShapesTheConsoleReads) {
    startService();
    const auto list = call("/api/doors");
    EXPECT_EQ(list.status, 200);
    ASSERT_EQ(list.body["doors"].size(), 1U);
    EXPECT_EQ(list.body["doors"][0]["id"], "srv-door");
    EXPECT_EQ(list.body["doors"][0]["from_zone"], "corridor");
    EXPECT_TRUE(list.body["doors"][0]["panel_online"].is_null());
    const auto one = call("/api/doors/{id}", {{"id", "srv-door"}});
    EXPECT_EQ(one.status, 200);
    EXPECT_EQ(one.body["door"]["name"], "Server room door");
    EXPECT_EQ(call("/api/doors/{id}", {{"id", "nope"}}).status, 404);
    EXPECT_EQ(call("/api/doors", {}, {{"colour", "red"}}).status, 400);
    EXPECT_TRUE(call("/api/presence").body.contains("zones"));

    const auto people = call("/api/people");
    EXPECT_EQ(people.status, 200);
    ASSERT_EQ(people.body["people"].size(), 1U);
    EXPECT_EQ(people.body["people"][0]["id"], "alice");
    EXPECT_EQ(people.body["people"][0]["name"], "Alice Sato");
    EXPECT_EQ(people.body["people"][0]["active"], true);
    EXPECT_EQ(people.body["people"][0]["cards"][0]["uid"], kCard);
    EXPECT_EQ(people.body["people"][0]["cards"][0]["state"], "active");
    EXPECT_EQ(people.body.dump().find("hash"), std::string::npos);
    EXPECT_EQ(call("/api/people", {}, {{"limit", "0"}}).status, 400);
    EXPECT_EQ(call("/api/people", {}, {{"limit", "1"}}).status, 200);

    // The doors, presence and people routes and the credential writes (the zone control, door
    // command, revocation, person and catalog routes have their own tests).
    // The doors, presence and people reads and the credential writes; the zone control, door
    // command, revocation, person page and catalog routes have their own tests.
    const std::set<std::string> reads{"/api/doors", "/api/doors/{id}", "/api/presence",
                                      "/api/people"};
    std::size_t writeRoutes = 0;
    for (const auto& route : service_->routes()) {
        if (route.method != core::HttpMethod::get) {
            if (route.pattern.find("lockdown") != std::string::npos ||
                route.pattern.find("muster") != std::string::npos ||
                route.pattern.find("passback") != std::string::npos ||
                route.pattern.rfind("/api/doors/", 0) == 0) {
                continue;  // the desk's routes (zone_routes_test, door_commands_test)
            }
            // The credential writes (tests/doors/enrollment_routes_test.cpp): enrollers only.
            ++writeRoutes;
            EXPECT_TRUE(route.roles.contains(core::Role::securityAdmin)) << route.pattern;
            EXPECT_FALSE(route.roles.contains(core::Role::deskOperator)) << route.pattern;
            EXPECT_FALSE(route.roles.contains(core::Role::auditor)) << route.pattern;
            continue;
        }
        if (reads.count(route.pattern) == 0) {
            continue;
        }
        const bool peopleRoute = route.pattern == "/api/people";
        EXPECT_EQ(route.runOn, peopleRoute ? core::RunOn::worker : core::RunOn::io)
            << route.pattern;
        EXPECT_EQ(route.roles.contains(core::Role::facilityAdmin), true) << route.pattern;
        EXPECT_EQ(route.roles.contains(core::Role::deskOperator), !peopleRoute) << route.pattern;
        EXPECT_FALSE(route.roles.contains(core::Role::auditor)) << route.pattern;
    }
    EXPECT_GE(writeRoutes, 6U);
    std::map<std::string, core::RoleSet> visible;
    for (const auto& v : service_->eventVisibility()) {
        visible[v.typePrefix] = v.roles;
    }
    ASSERT_EQ(visible.size(), 8U);  // + "gate."
    EXPECT_FALSE(visible["person."].contains(core::Role::deskOperator));
    EXPECT_TRUE(visible["person."].contains(core::Role::auditor));
    EXPECT_TRUE(visible["credential."].contains(core::Role::deskOperator));
    for (const char* prefix : {"access.", "door.", "panel.", "presence.", "zone."}) {
        ASSERT_EQ(visible.count(prefix), 1U) << prefix;
        EXPECT_TRUE(visible[prefix].contains(core::Role::deskOperator)) << prefix;
        EXPECT_TRUE(visible[prefix].contains(core::Role::auditor)) << prefix;
    }
    EXPECT_FALSE(visible["access."].contains(core::Role::facilityAdmin));
}

TEST(DoorsServiceCreate, RefusesADoorWhosePanelHasNoKey) {
    ASSERT_TRUE(core::initCrypto());
    boost::asio::io_context io;
    io::SimulatedMqttBroker broker(io.get_executor());
    auto link = broker.makeLink({});
    io::MqttRouter router(*link);
    core::EventBus bus;
    core::ManualClock clock;
    struct NullRecorder final : core::EventRecorder {
        void record(core::Event) override {}
        void commit(core::Change) override {}
    } recorder;
    DoorConfig d;
    d.id = "d1";
    d.panel = "p-missing";
    d.fromZone = "a";
    d.toZone = "b";
    d.entryFactors = {Factor::card};
    auto made = DoorsService::create(
        DoorsServiceParts{io.get_executor(),
                          router,
                          recorder,
                          bus,
                          clock,
                          "hq",
                          "/nonexistent/site.db",
                          DoorsConfig{{d}, {}, {}, {}},
                          {},
                          DoorKeys{core::randomBytes(32), core::randomBytes(32), {}, {}}});
    ASSERT_FALSE(made);
    EXPECT_NE(made.error().message.find("p-missing"), std::string::npos);
}

// --- issue 15: journaled reports, taken once in the panel's order (docs/offline.md) ----------

namespace {

// The panel_seq of every stored journaled report of the door, in trail order.
std::vector<std::int64_t> storedSeqs(core::Database& trail) {
    std::vector<std::int64_t> seqs;
    auto st = trail.prepare(
        "SELECT json_extract(payload, '$.panel_seq') FROM audit_events"
        " WHERE json_extract(payload, '$.panel_seq') IS NOT NULL ORDER BY seq");
    if (!st) {
        return seqs;
    }
    while (true) {
        auto row = st->step();
        if (!row || !*row) {
            return seqs;
        }
        seqs.push_back(st->columnInt(0));
    }
}

}  // namespace

TEST_F(DoorsServiceTest, JournaledReportsAreStoredOnceInOrderAndAckedOnlyWhenDurable) {
    startService();
    for (int i = 0; i < 6; ++i) {
        sendEvent(i % 2 == 0 ? protocol::DoorEventKind::opened : protocol::DoorEventKind::closed);
    }
    ASSERT_TRUE(runUntil([&] { return !acks_.empty() && acks_.back() == 6; }));
    EXPECT_FALSE(ackBeforeDurable_);
    EXPECT_EQ(storedSeqs(*trail_), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
    const auto opened = ofType(kDoorOpened);
    ASSERT_EQ(opened.size(), 3U);
    const auto payload = nlohmann::json::parse(opened[0].payload);
    EXPECT_EQ(payload["panel"], kPanel);
    EXPECT_EQ(payload["panel_seq"], 1);
    EXPECT_EQ(payload["occurred_us"], kWed1000Jst);
    EXPECT_EQ(payload["late"], false);
    EXPECT_TRUE(payload.contains("panel_sig"));
}

TEST_F(DoorsServiceTest, AResentReportIsAckedAgainAndNeverStoredTwice) {
    startService();
    const std::string report = signedEvent(protocol::DoorEventKind::opened);
    const std::string topic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event);
    broker_.publish(topic, report);
    ASSERT_TRUE(runUntil([&] { return acks_.size() == 1; }));
    // Byte-identical, as the panel resends when the ack was lost (a replay is the same thing).
    broker_.publish(topic, report);
    broker_.publish(topic, report);
    ASSERT_TRUE(runUntil([&] { return acks_.size() == 3; }));
    EXPECT_EQ(acks_, (std::vector<std::uint64_t>{1, 1, 1}));
    runFor(20);
    EXPECT_EQ(ofType(kDoorOpened).size(), 1U);
    EXPECT_EQ(storedSeqs(*trail_), (std::vector<std::int64_t>{1}));
    EXPECT_TRUE(ofType(kPanelLinkRefused).empty());
}

TEST_F(DoorsServiceTest, AGapIsRecordedOnceAckedUpToTheLastAndFilledByTheResend) {
    startService();
    const std::string topic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event);
    broker_.publish(topic, signedEvent(protocol::DoorEventKind::opened));  // 1
    ASSERT_TRUE(runUntil([&] { return acks_.size() == 1; }));
    const std::string two = signedEvent(protocol::DoorEventKind::closed);
    const std::string three = signedEvent(protocol::DoorEventKind::opened);
    const std::string four = signedEvent(protocol::DoorEventKind::closed);
    broker_.publish(topic, three);  // 2 was lost on the way
    broker_.publish(topic, four);
    ASSERT_TRUE(runUntil([&] { return acks_.size() == 3; }));
    EXPECT_EQ(acks_, (std::vector<std::uint64_t>{1, 1, 1}));
    // The gap is recorded on its own (the re-acks of 1 do not wait for it).
    ASSERT_TRUE(runUntil([&] { return !ofType(kPanelJournalGap).empty(); }));
    const auto gaps = ofType(kPanelJournalGap);
    ASSERT_EQ(gaps.size(), 1U);
    const auto gap = nlohmann::json::parse(gaps[0].payload);
    EXPECT_EQ(gap["panel"], kPanel);
    EXPECT_EQ(gap["expected"], 2);
    EXPECT_EQ(gap["received"], 3);
    // The panel resends from its oldest unacknowledged entry.
    broker_.publish(topic, two);
    broker_.publish(topic, three);
    broker_.publish(topic, four);
    ASSERT_TRUE(runUntil([&] { return acks_.back() == 4; }));
    EXPECT_FALSE(ackBeforeDurable_);
    EXPECT_EQ(storedSeqs(*trail_), (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(ofType(kPanelJournalGap).size(), 1U);
}

TEST_F(DoorsServiceTest, AFailedCommitIsNotAckedAndTheResendIsTaken) {
    startService();
    const std::string topic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event);
    const std::string one = signedEvent(protocol::DoorEventKind::opened);
    const std::string two = signedEvent(protocol::DoorEventKind::closed);
    turnable_->mode = TurnableRecorder::Mode::refuse;
    broker_.publish(topic, one);
    broker_.publish(topic, two);
    runFor(100);
    EXPECT_TRUE(acks_.empty());
    EXPECT_TRUE(storedSeqs(*trail_).empty());
    turnable_->mode = TurnableRecorder::Mode::pass;
    broker_.publish(topic, one);
    broker_.publish(topic, two);
    ASSERT_TRUE(runUntil([&] { return !acks_.empty() && acks_.back() == 2; }));
    EXPECT_FALSE(ackBeforeDurable_);
    EXPECT_EQ(storedSeqs(*trail_), (std::vector<std::int64_t>{1, 2}));
    EXPECT_TRUE(ofType(kPanelJournalGap).empty());
}

TEST_F(DoorsServiceTest, ARestartedControllerResumesTheUploadFromTheTrail) {
    startService();
    const std::string topic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event);
    std::vector<std::string> sent;
    for (int i = 0; i < 3; ++i) {
        sent.push_back(signedEvent(i % 2 == 0 ? protocol::DoorEventKind::opened
                                              : protocol::DoorEventKind::closed));
        broker_.publish(topic, sent.back());
    }
    ASSERT_TRUE(runUntil([&] { return !acks_.empty() && acks_.back() == 3; }));
    service_->stop();
    service_.reset();
    ASSERT_TRUE(recorder_->flush());

    auto made = DoorsService::create(parts());
    ASSERT_TRUE(made) << made.error().message;
    service_ = std::move(*made);
    const std::string oldEpoch = epoch_;
    ASSERT_TRUE(service_->start());
    ASSERT_TRUE(runUntil([&] { return service_->serving() && epoch_ != oldEpoch; }));
    // The panel never heard the last ack: it resends 2 and 3, then goes on with 4.
    acks_.clear();
    broker_.publish(topic, sent[1]);
    broker_.publish(topic, sent[2]);
    broker_.publish(topic, signedEvent(protocol::DoorEventKind::opened));
    ASSERT_TRUE(runUntil([&] { return !acks_.empty() && acks_.back() == 4; }));
    EXPECT_EQ(acks_.front(), 3U);
    EXPECT_EQ(storedSeqs(*trail_), (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_TRUE(ofType(kPanelJournalGap).empty());
}

// Disabled: fails today (the offline grant is recorded, but its session's opening does not move
// presence yet); issue 15 note, "Not done". Re-enable when fixed.
TEST_F(DoorsServiceTest, AnOfflineGrantIsRecordedLateAsSuchAndItsOpeningMovesPresence) {
    startService();
    sendEvent(protocol::DoorEventKind::closed);  // the door reports its position
    ASSERT_TRUE(runUntil([&] { return acks_.size() == 1; }));
    protocol::PanelEvent grant;
    grant.door = "srv-door";
    grant.kind = protocol::DoorEventKind::offlineGranted;
    grant.session = "off-1";
    grant.side = DoorSide::entry;
    grant.card = kCard;
    grant.person = "alice";
    grant.reason = "granted";
    grant.seq = ++seq_;
    grant.occurredUs = kWed1000Jst - 60'000'000;  // a minute ago, while the link was down
    protocol::PanelEvent denied = grant;
    denied.kind = protocol::DoorEventKind::offlineDenied;
    denied.session = "off-0";
    denied.reason = "offline_degraded";
    denied.degraded = true;
    denied.seq = grant.seq;
    grant.seq = ++seq_;
    protocol::PanelEvent otherOpening;  // another session's opening does not take the passage
    otherOpening.door = "srv-door";
    otherOpening.kind = protocol::DoorEventKind::opened;
    otherOpening.session = "off-9";
    otherOpening.seq = ++seq_;
    otherOpening.occurredUs = grant.occurredUs + 1'000'000;
    protocol::PanelEvent closed = otherOpening;
    closed.kind = protocol::DoorEventKind::closed;
    closed.session.clear();
    closed.seq = ++seq_;
    protocol::PanelEvent opening = otherOpening;
    opening.session = "off-1";
    opening.seq = ++seq_;
    const std::string topic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event);
    for (auto* e : {&denied, &grant, &otherOpening, &closed, &opening}) {
        broker_.publish(topic, signedReport(*e));
    }
    ASSERT_TRUE(runUntil([&] { return acks_.back() == 6; }));
    const auto granted = ofType(kAccessOfflineGranted);
    ASSERT_EQ(granted.size(), 1U);
    EXPECT_EQ(granted[0].subject, "alice");
    const auto g = nlohmann::json::parse(granted[0].payload);
    EXPECT_EQ(g["decision"], "granted");
    EXPECT_EQ(g["card"], kCard);
    EXPECT_EQ(g["person_name"], "Alice Sato");
    EXPECT_EQ(g["session"], "off-1");
    EXPECT_EQ(g["side"], "entry");
    EXPECT_EQ(g["degraded"], false);
    EXPECT_EQ(g["late"], true);
    EXPECT_EQ(g["occurred_us"], kWed1000Jst - 60'000'000);
    EXPECT_EQ(g["panel_seq"], 3);
    EXPECT_TRUE(g.contains("panel_report"));
    const auto deniedEvents = ofType(kAccessOfflineDenied);
    ASSERT_EQ(deniedEvents.size(), 1U);
    const auto d = nlohmann::json::parse(deniedEvents[0].payload);
    EXPECT_EQ(d["reason"], "offline_degraded");
    EXPECT_EQ(d["degraded"], true);
    // Only the grant's own session's opening moved her.
    const auto entered = ofType(kPresenceEntered);
    ASSERT_EQ(entered.size(), 1U);
    EXPECT_EQ(call("/api/presence").body["zones"]["server-room"][0]["person"], "alice");
    const auto opened = ofType(kDoorOpened);
    ASSERT_EQ(opened.size(), 2U);
    EXPECT_EQ(opened[0].subject, "");
    EXPECT_EQ(opened[1].subject, "alice");
}

// A report that makes no event of its own (here: a door the panel does not serve) still leaves
// its seq in the trail, so a restarted controller resumes after it instead of seeing a gap.
TEST_F(DoorsServiceTest, AReportThatMakesNothingIsKeptWithItsSeq) {
    startService();
    const std::string topic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event);
    broker_.publish(topic, signedEvent(protocol::DoorEventKind::opened));  // 1
    protocol::PanelEvent stray;
    stray.door = "not-this-panels-door";
    stray.kind = protocol::DoorEventKind::closed;
    stray.seq = ++seq_;  // 2
    stray.occurredUs = clock_.nowUs();
    broker_.publish(topic, signedReport(stray));
    ASSERT_TRUE(runUntil([&] { return !acks_.empty() && acks_.back() == 2; }));
    EXPECT_EQ(storedSeqs(*trail_), (std::vector<std::int64_t>{1, 2}));
    const auto kept = ofType(kPanelReportKept);
    ASSERT_EQ(kept.size(), 1U);
    const auto payload = nlohmann::json::parse(kept[0].payload);
    EXPECT_EQ(payload["kind"], "closed");
    EXPECT_EQ(payload["door"], "not-this-panels-door");
    EXPECT_EQ(payload["panel_seq"], 2);
    EXPECT_TRUE(payload.contains("panel_sig"));
    auto resumed = lastJournalSeqs(*trail_);
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->at(kPanel), 2U);
}

TEST_F(DoorsServiceTest, JournalNoticesAreRecordedAsPanelEvents) {
    startService();
    protocol::PanelEvent nearFull;
    nearFull.door = "srv-door";
    nearFull.kind = protocol::DoorEventKind::journalNearFull;
    nearFull.pending = 90000;
    nearFull.seq = ++seq_;
    nearFull.occurredUs = kWed1000Jst;
    protocol::PanelEvent overflow = nearFull;
    overflow.kind = protocol::DoorEventKind::journalOverflow;
    overflow.pending = 0;
    overflow.lost = 12;
    overflow.seq = ++seq_;
    const std::string topic = protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::event);
    broker_.publish(topic, signedReport(nearFull));
    broker_.publish(topic, signedReport(overflow));
    ASSERT_TRUE(runUntil([&] { return !acks_.empty() && acks_.back() == 2; }));
    const auto near = ofType(kPanelJournalNearFull);
    ASSERT_EQ(near.size(), 1U);
    EXPECT_EQ(nlohmann::json::parse(near[0].payload)["pending"], 90000);
    EXPECT_EQ(near[0].source, "panel:" + kPanel);
    const auto lost = ofType(kPanelJournalOverflow);
    ASSERT_EQ(lost.size(), 1U);
    EXPECT_EQ(nlohmann::json::parse(lost[0].payload)["lost"], 12);
    EXPECT_EQ(nlohmann::json::parse(lost[0].payload)["panel_seq"], 2);
}
