// RevocationPush end to end on one io thread: the real PanelGateway on a simulated broker, and two
// panels running our firmware behind the host HAL, so a revocation is checked where it matters:
// in the panels' deny lists, through authenticated commands and acks.
#include "doors/revocation_push.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "doors/door_event_types.hpp"
#include "doors/panel_link_event_types.hpp"
#include "firmware/door_panel_runner.hpp"
#include "io/mqtt_router.hpp"
#include "io/simulated_mqtt_link.hpp"
#include "protocol/topics.hpp"
#include "sim/host_door_panel_hal.hpp"

namespace sekimori::doors {
namespace {

const std::string kSite = "hq";

// Keeps what was recorded; nothing here waits on durability (revocations follow events that
// are already stored), so the order of the rows is all the test reads.
class KeepingRecorder final : public core::EventRecorder {
  public:
    void record(core::Event event) override { events.push_back(std::move(event)); }
    void commit(core::Change change) override {
        for (auto& e : change.events) {
            events.push_back(std::move(e));
        }
    }
    std::vector<nlohmann::json> payloads(core::EventType type) const {
        std::vector<nlohmann::json> out;
        for (const auto& e : events) {
            if (e.type == type.name) {
                out.push_back(nlohmann::json::parse(e.payload));
            }
        }
        return out;
    }
    std::vector<core::Event> events;
};

struct TestPanel {
    std::unique_ptr<io::MqttLink> link;
    std::unique_ptr<sim::HostDoorPanelHal> hal;
    std::unique_ptr<firmware::DoorPanelRunner> runner;
};

class RevocationPushTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        for (const auto& id : {"p-a", "p-b"}) {
            keys_.panelKeys[id] = core::randomBytes(core::kBoxKeySize);
            online_[id] = true;
        }
        io::MqttOptions daemon;
        daemon.clientId = "sekimorid";
        link_ = broker_.makeLink(daemon);
        router_ = std::make_unique<io::MqttRouter>(*link_);
        gateway_ =
            std::make_unique<PanelGateway>(io_.get_executor(), *router_, recorder_, clock_, kSite,
                                           std::set<std::string>{"p-a", "p-b"}, keys_);
        push_ = std::make_unique<RevocationPush>(RevocationPushParts{
            bus_,
            recorder_,
            clock_,
            *gateway_,
            {"p-a", "p-b"},
            [this](const std::string& panel) { return online_.at(panel); },
            [this](const std::string& person, std::function<void(std::vector<std::string>)> then) {
                then(cardsOf_[person]);
            }});
        gateway_->onAck([this](const std::string& panel, const protocol::PanelAck& ack) {
            push_->acked(panel, ack);
        });
        for (const auto& id : {"p-a", "p-b"}) {
            auto& panel = panels_[id];
            io::MqttOptions options;
            options.clientId = id;
            options.subscriptions = {
                protocol::panelTopic(kSite, id, protocol::PanelChannel::link),
                protocol::panelTopic(kSite, id, protocol::PanelChannel::command)};
            panel.link = broker_.makeLink(options);
            panel.hal = std::make_unique<sim::HostDoorPanelHal>(kSite, id, keys_.panelKeys.at(id),
                                                                core::randomBytes(32), *panel.link,
                                                                [](const std::string&) {});
            firmware::PanelConfig config;
            config.site = kSite;
            config.panel = id;
            config.door = std::string("door-") + id;
            config.sessionPrefix = "b";
            panel.runner = std::make_unique<firmware::DoorPanelRunner>(config, *panel.hal);
            TestPanel* raw = &panel;
            panel.link->onMessage([this, raw](const io::MqttMessage& message) {
                auto topic = protocol::parsePanelTopic(kSite, message.topic);
                if (topic && topic->channel == protocol::PanelChannel::link) {
                    raw->runner->linkReceived(message.payload, 0);
                } else if (topic && topic->channel == protocol::PanelChannel::command &&
                           deliverCommands_) {
                    raw->runner->commandReceived(message.payload, 0);
                }
            });
        }
        link_->start();
        for (auto& [id, panel] : panels_) {
            panel.link->start();
        }
        ASSERT_TRUE(gateway_->start({}));
        push_->start();
        ASSERT_TRUE(runUntil([&] {
            return !panels_["p-a"].runner->state().linkEpoch.empty() &&
                   !panels_["p-b"].runner->state().linkEpoch.empty();
        }));
    }
    void TearDown() override {
        push_->stop();
        gateway_->stop();
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
    void publish(core::EventType type, std::uint64_t seq, nlohmann::json payload) {
        core::RecordedEvent recorded;
        recorded.seq = seq;
        recorded.event = core::Event{clock_.nowUs(), std::string(type.name), "console",
                                     payload.value("person", ""), payload.dump()};
        recorded.body = std::make_shared<const nlohmann::json>(std::move(payload));
        bus_.publish(recorded);
    }
    bool denies(const std::string& panel, const std::string& card) {
        return panels_[panel].runner->state().commands.denied.contains(card);
    }
    nlohmann::json revocation(std::size_t newest = 0) {
        return push_->toJson()["revocations"][newest];
    }

    boost::asio::io_context io_;
    io::SimulatedMqttBroker broker_{io_.get_executor()};
    core::ManualClock clock_{1'800'000'000'000'000};
    core::EventBus bus_;
    KeepingRecorder recorder_;
    DoorKeys keys_;
    std::map<std::string, bool> online_;
    std::map<std::string, std::vector<std::string>> cardsOf_;
    bool deliverCommands_ = true;
    std::unique_ptr<io::MqttLink> link_;
    std::unique_ptr<io::MqttRouter> router_;
    std::unique_ptr<PanelGateway> gateway_;
    std::unique_ptr<RevocationPush> push_;
    std::map<std::string, TestPanel> panels_;
};

TEST_F(RevocationPushTest, ARevokedCardReachesEveryOnlinePanelAndAnOfflineOneWhenItComesBack) {
    online_["p-b"] = false;
    publish(kPersonCardRevoked, 41,
            {{"person", "alice"}, {"card", "0123456789ABCDEF"}, {"why", "revoked"}});
    ASSERT_TRUE(runUntil([&] { return denies("p-a", "0123456789ABCDEF"); }));
    ASSERT_TRUE(runUntil([&] { return revocation()["acked"].size() == 1; }));
    EXPECT_FALSE(denies("p-b", "0123456789ABCDEF"));
    EXPECT_EQ(revocation()["id"], "rev-41");
    EXPECT_EQ(revocation()["cause"], "card_revoked");
    EXPECT_EQ(revocation()["acked"][0]["panel"], "p-a");
    EXPECT_EQ(revocation()["pending"], nlohmann::json::array({"p-b"}));
    const auto sent = recorder_.payloads(kPanelRevocationSent);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0]["panels"], nlohmann::json::array({"p-a"}));
    EXPECT_EQ(sent[0]["cards"], nlohmann::json::array({"0123456789ABCDEF"}));
    auto acked = recorder_.payloads(kPanelRevocationAcked);
    ASSERT_EQ(acked.size(), 1u);
    EXPECT_EQ(acked[0]["revocation"], "rev-41");
    EXPECT_EQ(acked[0]["panel"], "p-a");

    // p-b comes back: it gets what it missed, and acknowledges.
    online_["p-b"] = true;
    push_->panelOnline("p-b");
    ASSERT_TRUE(runUntil([&] { return revocation()["pending"].empty(); }));
    EXPECT_TRUE(denies("p-b", "0123456789ABCDEF"));
    EXPECT_EQ(recorder_.payloads(kPanelRevocationSent).back()["panels"],
              nlohmann::json::array({"p-b"}));
    EXPECT_EQ(recorder_.payloads(kPanelRevocationAcked).size(), 2u);
    // Coming back again resends nothing.
    push_->panelOnline("p-b");
    EXPECT_EQ(recorder_.payloads(kPanelRevocationSent).size(), 2u);
}

TEST_F(RevocationPushTest, AnUnacknowledgedRevocationStaysPendingAndIsResentOnReconnect) {
    deliverCommands_ = false;  // the panels never see the command (lost, or they were busy)
    publish(kPersonCardRevoked, 7, {{"person", "bob"}, {"card", "04A1B2C3"}, {"why", "revoked"}});
    runUntil([] { return false; }, 20);
    EXPECT_EQ(revocation()["pending"], nlohmann::json::array({"p-a", "p-b"}));
    deliverCommands_ = true;
    push_->panelOnline("p-a");
    ASSERT_TRUE(runUntil([&] { return revocation()["pending"].size() == 1; }));
    EXPECT_TRUE(denies("p-a", "04A1B2C3"));
    EXPECT_EQ(revocation()["pending"], nlohmann::json::array({"p-b"}));
}

TEST_F(RevocationPushTest, DisablingAPersonRevokesTheirCardsAndEnablingRestoresThem) {
    cardsOf_["carol"] = {"04A1B2C3", "04A1B2C4"};
    publish(kPersonDisabled, 9, {{"person", "carol"}, {"person_name", "Carol"}, {"comment", "x"}});
    ASSERT_TRUE(runUntil([&] { return revocation()["pending"].empty(); }));
    EXPECT_EQ(revocation()["cause"], "person_disabled");
    EXPECT_TRUE(denies("p-a", "04A1B2C3") && denies("p-b", "04A1B2C4"));

    publish(kPersonEnabled, 10, {{"person", "carol"}, {"person_name", "Carol"}, {"comment", "y"}});
    ASSERT_TRUE(runUntil([&] { return !denies("p-a", "04A1B2C3") && !denies("p-b", "04A1B2C4"); }));
    EXPECT_EQ(revocation()["cause"], "person_disabled_lifted");
}

TEST_F(RevocationPushTest, AReplayedAckIsRefusedByTheLink) {
    // Capture p-a's ack, then send it again as p-a would: same counter, nonce already answered.
    std::string ackPayload;
    io::MqttOptions spy;
    spy.clientId = "spy";
    spy.subscriptions = {protocol::panelTopic(kSite, "p-a", protocol::PanelChannel::ack)};
    auto spyLink = broker_.makeLink(spy);
    spyLink->onMessage([&](const io::MqttMessage& m) { ackPayload = m.payload; });
    spyLink->start();
    runUntil([] { return false; }, 5);
    publish(kPersonCardRevoked, 3, {{"person", "dan"}, {"card", "04A1B2C5"}, {"why", "revoked"}});
    ASSERT_TRUE(runUntil([&] { return !ackPayload.empty() && revocation()["acked"].size() == 2; }));
    spyLink->publish(protocol::panelTopic(kSite, "p-a", protocol::PanelChannel::ack), ackPayload);
    ASSERT_TRUE(runUntil([&] { return !recorder_.payloads(kPanelLinkRefused).empty(); }));
    EXPECT_EQ(recorder_.payloads(kPanelLinkRefused)[0]["reason"], "replay");
    EXPECT_EQ(recorder_.payloads(kPanelRevocationAcked).size(), 2u);
}

TEST_F(RevocationPushTest, RevocationsRouteListsThemNewestFirst) {
    publish(kPersonCardRevoked, 1, {{"person", "a"}, {"card", "04A1B2C3"}, {"why", "revoked"}});
    publish(kPersonCardRevoked, 2, {{"person", "b"}, {"card", "04A1B2C4"}, {"why", "replaced"}});
    auto routes = push_->routes();
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].pattern, "/api/revocations");
    core::ApiResult answer;
    routes[0].handler(core::ApiCall{},
                      [&](core::ApiAnswer a) { answer = std::get<core::ApiResult>(a); });
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body["revocations"][0]["id"], "rev-2");
    EXPECT_EQ(answer.body["revocations"][1]["id"], "rev-1");
    core::ApiCall bad;
    bad.query["x"] = "1";
    routes[0].handler(bad, [&](core::ApiAnswer a) { answer = std::get<core::ApiResult>(a); });
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(answer.body["code"], "doors.bad_request");
}

}  // namespace
}  // namespace sekimori::doors
