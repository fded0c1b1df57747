// A circle gate through the real doors service (issue 15): the gate is a portal — a badge at it
// runs an access session whose grant carries the person's enrolled weight — and its panel's
// signed gate reports are supervised: the person moves through presence only when the cycle
// completes, a refused cycle moves nobody, every gate.* event names the gate's camera, and
// /api/doors shows the gate's live state. One io thread, a simulated broker, the real router and
// the real AuditedRecorder on a database file.
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>

#include "core/audited_recorder.hpp"
#include "doors/door_event_types.hpp"
#include "doors/doors_service.hpp"
#include "doors/enrollment.hpp"
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
const std::string kSite = "hq";
const std::string kGatePanel = "p-gate";
const std::string kGate = "gate-srv";
const std::string kCard = "0123456789ABCDEF";
const std::string kPin = "4711";
const core::Bytes kTemplate = "ISO19794-TEMPLATE-\x01\x02\x03";

class GateServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        clock_.set(kWed1000Jst);
        dir_ = std::filesystem::temp_directory_path() / ("gate-svc-" + core::randomToken(6));
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
        enroll();
        busToken_ = bus_.subscribe(
            "", [this](const core::RecordedEvent& e) { events_.push_back(e.event); });

        io::MqttOptions daemon;
        daemon.clientId = "sekimorid";
        link_ = broker_.makeLink(daemon);
        router_ = std::make_unique<io::MqttRouter>(*link_);
        io::MqttOptions panel;
        panel.clientId = kGatePanel;
        panel.subscriptions = {
            protocol::panelTopic(kSite, kGatePanel, protocol::PanelChannel::reply),
            protocol::panelTopic(kSite, kGatePanel, protocol::PanelChannel::link)};
        panelLink_ = broker_.makeLink(panel);
        panelLink_->onMessage([this](const io::MqttMessage& m) { onPanelMessage(m); });
        link_->start();
        panelLink_->start();
        ASSERT_TRUE(runUntil([&] { return link_->connected() && panelLink_->connected(); }));

        auto made = DoorsService::create(parts());
        ASSERT_TRUE(made) << made.error().message;
        service_ = std::move(*made);
        ASSERT_TRUE(service_->start());
        ASSERT_TRUE(runUntil([&] { return service_->serving() && !epoch_.empty(); }));
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

    void enroll() {
        const EnrollmentKeys keys{keys_.pepper, keys_.templateKey};
        auto r = test::enrollThrough(
            *recorder_, clock_, keys, names(), [&](Enrollment& e) -> Enrollment::Events {
                std::vector<core::Event> all;
                for (auto step :
                     {e.addPerson("alice", "Alice Sato"), e.setCard("alice", kCard),
                      e.setPin("alice", kPin), test::setFingerprint(e, keys, "alice", kTemplate),
                      e.applyApprovedGrant("alice", "server-room", "office")}) {
                    if (!step) {
                        return step.error();
                    }
                    all.insert(all.end(), step->begin(), step->end());
                }
                return all;
            });
        ASSERT_TRUE(r) << r.error().message;
    }
    static KnownNames names() { return {{"server-room", "corridor"}, {"office"}, {"server-room"}}; }

    DoorsServiceParts parts() {
        CircleGateConfig g;
        g.id = kGate;
        g.name = "Server room circle gate";
        g.panel = kGatePanel;
        g.fromZone = "corridor";
        g.toZone = "server-room";
        g.entryFactors = {Factor::card, Factor::pin, Factor::finger};
        g.exitFactors = {Factor::card};
        g.maxWeightKg = 150;
        g.camera = "cam-gate-server-room";
        DoorsConfig config{{}, {g}, {}, {}};
        return DoorsServiceParts{
            io_.get_executor(),
            *router_,
            *recorder_,
            bus_,
            clock_,
            kSite,
            dbPath_,
            config,
            {policy::Schedule{"office", 540, {{policy::kWeekdays, 8 * 60, 20 * 60}}}},
            keys_,
            std::chrono::milliseconds(2000),
            names(),
            nullptr,
            "/srv/site/doors/web"};
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

    void onPanelMessage(const io::MqttMessage& m) {
        if (m.topic == protocol::panelTopic(kSite, kGatePanel, protocol::PanelChannel::link)) {
            if (auto link = protocol::parsePanelLink(m.payload)) {
                epoch_ = link.value->epoch;
            }
            return;
        }
        auto parsed = protocol::parsePanelReply(m.payload);
        ASSERT_TRUE(parsed) << parsed.error;
        lastNonce_ = parsed.value->auth.nonce;
        replies_.push_back(*parsed.value);
    }
    const protocol::PanelReply& awaitReply(std::size_t n) {
        EXPECT_TRUE(runUntil([&] { return replies_.size() >= n; })) << "no reply " << n;
        static const protocol::PanelReply none{};
        return replies_.size() >= n ? replies_[n - 1] : none;
    }

    const core::Bytes& panelKey() const { return keys_.panelKeys.at(kGatePanel); }
    void send(protocol::PanelRequest request) {
        request.auth.epoch = epoch_;
        request.auth.counter = ++counter_;
        request.auth.nonce = std::holds_alternative<protocol::CardPresented>(request.step)
                                 ? core::toHex(core::randomBytes(16))
                                 : lastNonce_;
        const core::Bytes macKey = core::keyedHash(panelKey(), protocol::kMacKeyLabel);
        request.auth.mac = core::toHex(core::keyedHash(
            macKey,
            protocol::requestMacInput(kSite, kGatePanel, request, protocol::encodeBody(request))));
        broker_.publish(protocol::panelTopic(kSite, kGatePanel, protocol::PanelChannel::request),
                        protocol::encode(request));
    }
    // Card, PIN and (in the booth) finger: the decision is the third reply.
    const protocol::Decision* badge(const std::string& session) {
        const std::size_t first = replies_.size() + 1;
        send({session, kGate, DoorSide::entry, protocol::CardPresented{kCard}, {}});
        awaitReply(first);
        send({session,
              kGate,
              DoorSide::entry,
              protocol::PinEntered{
                  core::toBase64(core::sealBox(panelKey(), lastNonce_ + ":" + kPin))},
              {}});
        awaitReply(first + 1);
        send({session, kGate, DoorSide::entry, protocol::FingerScored{90}, {}});
        return std::get_if<protocol::Decision>(&awaitReply(first + 2).body);
    }

    // A gate report signed with the gate panel's own key, journaled (seq) as the firmware does.
    void report(protocol::DoorEventKind kind, const std::string& session,
                std::optional<protocol::GateRefusal> refusal = std::nullopt, int presence = 1) {
        protocol::PanelEvent event;
        event.door = kGate;
        event.kind = kind;
        event.session = session;
        event.counter = ++counter_;
        event.seq = ++seq_;
        event.occurredUs = clock_.nowUs();
        event.presence = presence;
        event.weightG = 72000;
        if (kind == protocol::DoorEventKind::cycleStarted ||
            kind == protocol::DoorEventKind::cycleCompleted ||
            kind == protocol::DoorEventKind::cycleRefused) {
            event.side = DoorSide::entry;
        }
        event.refusal = refusal;
        const std::string bytes =
            protocol::reportSigningInput(kSite, kGatePanel, protocol::encodeReport(event));
        std::string sig(crypto_sign_BYTES, '\0');
        crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                             reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                             reinterpret_cast<const unsigned char*>(signPair_.second.data()));
        event.sig = core::toHex(sig);
        broker_.publish(protocol::panelTopic(kSite, kGatePanel, protocol::PanelChannel::event),
                        protocol::encode(event));
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
    bool recorded(core::EventType type, std::size_t n = 1) {
        return runUntil([&] { return ofType(type).size() >= n; });
    }
    nlohmann::json gateRow() {
        for (auto& route : service_->routes()) {
            if (route.pattern == "/api/doors/{id}" && route.method == core::HttpMethod::get) {
                core::ApiCall c;
                c.params = {{"id", kGate}};
                std::optional<core::ApiResult> result;
                route.handler(c, [&](core::ApiAnswer answer) {
                    result = std::get<core::ApiResult>(std::move(answer));
                });
                return result ? result->body["door"] : nlohmann::json();
            }
        }
        return nullptr;
    }
    static std::pair<core::Bytes, core::Bytes> signKeypair() {
        core::Bytes pk(crypto_sign_PUBLICKEYBYTES, '\0');
        core::Bytes sk(crypto_sign_SECRETKEYBYTES, '\0');
        crypto_sign_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                            reinterpret_cast<unsigned char*>(sk.data()));
        return {pk, sk};
    }

    boost::asio::io_context io_;
    io::SimulatedMqttBroker broker_{io_.get_executor()};
    core::ManualClock clock_;
    core::EventBus bus_;
    std::filesystem::path dir_;
    std::string dbPath_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    core::EventBus::Token busToken_;
    std::vector<core::Event> events_;
    std::unique_ptr<io::MqttLink> link_;
    std::unique_ptr<io::MqttRouter> router_;
    std::unique_ptr<io::MqttLink> panelLink_;
    std::vector<protocol::PanelReply> replies_;
    std::pair<core::Bytes, core::Bytes> signPair_ = signKeypair();
    DoorKeys keys_{core::randomBytes(32),
                   core::randomBytes(32),
                   {{kGatePanel, core::randomBytes(32)}},
                   {{kGatePanel, signPair_.first}}};
    std::string epoch_;
    std::uint64_t counter_ = 0;
    std::uint64_t seq_ = 0;
    std::string lastNonce_;
    std::unique_ptr<DoorsService> service_;
};

}  // namespace

TEST_F(GateServiceTest, AGrantAtTheGateMovesThePersonOnlyWhenTheCycleCompletes) {
    const auto* decision = badge("s1");
    ASSERT_NE(decision, nullptr);
    ASSERT_TRUE(decision->granted) << decision->reason;
    // No weight enrolled for alice: the gate's own maximum alone applies (weight_g absent).
    EXPECT_EQ(decision->weightG, 0);
    ASSERT_TRUE(recorded(kAccessGranted));
    EXPECT_TRUE(ofType(kPresenceEntered).empty()) << "the grant alone moved the person";
    EXPECT_EQ(gateRow()["gate_state"], "idle");

    report(protocol::DoorEventKind::cycleStarted, "s1");
    ASSERT_TRUE(recorded(kGateCycleStarted));
    EXPECT_EQ(gateRow()["gate_state"], "cycling");
    EXPECT_TRUE(ofType(kPresenceEntered).empty());

    report(protocol::DoorEventKind::cycleCompleted, "s1");
    ASSERT_TRUE(recorded(kPresenceEntered));
    const auto completed = ofType(kGateCycleCompleted);
    ASSERT_EQ(completed.size(), 1U);
    EXPECT_EQ(completed[0].source, "gate:" + kGate);
    EXPECT_EQ(completed[0].subject, "alice");
    const auto payload = nlohmann::json::parse(completed[0].payload);
    EXPECT_EQ(payload["camera"], "cam-gate-server-room");
    EXPECT_EQ(payload["panel"], kGatePanel);
    EXPECT_TRUE(payload.contains("panel_sig"));
    const auto entered = nlohmann::json::parse(ofType(kPresenceEntered)[0].payload);
    EXPECT_EQ(entered["zone"], "server-room");
    EXPECT_EQ(gateRow()["gate_state"], "idle");
    EXPECT_EQ(gateRow()["cycles_completed"], 1);
}

TEST_F(GateServiceTest, ATailgateIsRecordedWithItsReadingsAndCameraAndMovesNobody) {
    const auto* decision = badge("s2");
    ASSERT_NE(decision, nullptr);
    ASSERT_TRUE(decision->granted);
    report(protocol::DoorEventKind::cycleStarted, "s2");
    report(protocol::DoorEventKind::cycleRefused, "s2", protocol::GateRefusal::tailgate, 2);
    ASSERT_TRUE(recorded(kGateCycleRefused));
    const auto refused = ofType(kGateCycleRefused)[0];
    EXPECT_EQ(refused.subject, "alice");
    const auto payload = nlohmann::json::parse(refused.payload);
    EXPECT_EQ(payload["refusal"], "tailgate");
    EXPECT_EQ(payload["presence"], 2);
    EXPECT_EQ(payload["weight_g"], 72000);
    EXPECT_EQ(payload["camera"], "cam-gate-server-room");
    EXPECT_EQ(payload["gate"], kGate);
    const auto row = gateRow();
    EXPECT_EQ(row["gate_state"], "refused");
    EXPECT_EQ(row["last_refusal"]["refusal"], "tailgate");
    EXPECT_EQ(row["last_refusal"]["camera"], "cam-gate-server-room");
    // The cycle is over and refused: a late completion of the same session moves nobody.
    report(protocol::DoorEventKind::cycleCompleted, "s2");
    ASSERT_TRUE(recorded(kGateCycleCompleted));
    EXPECT_TRUE(ofType(kPresenceEntered).empty());
}

TEST_F(GateServiceTest, AFireReleaseWaitsForTheRearm) {
    report(protocol::DoorEventKind::gateFireReleased, "");
    ASSERT_TRUE(recorded(kGateFireReleased));
    EXPECT_EQ(gateRow()["gate_state"], "fire_released");
    report(protocol::DoorEventKind::gateFireCleared, "");
    ASSERT_TRUE(recorded(kGateFireCleared));
    EXPECT_EQ(gateRow()["gate_state"], "awaiting_rearm");
    report(protocol::DoorEventKind::gateRearmed, "");
    ASSERT_TRUE(recorded(kGateRearmed));
    EXPECT_EQ(nlohmann::json::parse(ofType(kGateRearmed)[0].payload)["state"], "armed");
    EXPECT_EQ(gateRow()["gate_state"], "idle");
}
