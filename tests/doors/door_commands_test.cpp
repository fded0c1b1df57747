// Door commands: the routes' validation, the reply only once door.command is durable, and the
// command carried out from the bus to the door's panel (our firmware behind the host HAL, on a
// simulated broker), which releases its lock and acknowledges.
#include "doors/door_commands.hpp"

#include <gtest/gtest.h>

#include <deque>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>

#include "doors/door_event_types.hpp"
#include "firmware/door_panel_runner.hpp"
#include "io/mqtt_router.hpp"
#include "io/simulated_mqtt_link.hpp"
#include "protocol/topics.hpp"
#include "sim/host_door_panel_hal.hpp"

namespace sekimori::doors {
namespace {

const std::string kSite = "hq";

// Holds each change until the test commits it: then its events reach the bus (with a seq) and
// onDone runs, later than commit() returned, as the real recorder does.
class HeldRecorder final : public core::EventRecorder {
  public:
    explicit HeldRecorder(core::EventBus& bus) : bus_(bus) {}
    void record(core::Event event) override { recorded.push_back(std::move(event)); }
    void commit(core::Change change) override { held.push_back(std::move(change)); }
    void commitAll() {
        auto changes = std::move(held);
        held.clear();
        for (auto& change : changes) {
            for (auto& e : change.events) {
                core::RecordedEvent r;
                r.seq = ++seq;
                r.event = e;
                r.body = std::make_shared<const nlohmann::json>(nlohmann::json::parse(e.payload));
                stored.push_back(e);
                bus_.publish(r);
            }
            if (change.onDone) {
                change.onDone({});
            }
        }
    }
    std::vector<core::Change> held;
    std::vector<core::Event> recorded, stored;
    std::uint64_t seq = 0;

  private:
    core::EventBus& bus_;
};

class DoorCommandsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        keys_.panelKeys["p-a"] = core::randomBytes(core::kBoxKeySize);
        door_.id = "lobby";
        door_.panel = "p-a";
        door_.unlockMs = 4000;
        guarded_ = door_;
        guarded_.id = "vault";
        guarded_.commandsNeedApproval = true;
        gate_ = guarded_;  // a circle gate into a management area: its rearm needs no approval
        gate_.id = "booth";
        gate_.circleGate = true;
        io::MqttOptions daemon;
        daemon.clientId = "sekimorid";
        link_ = broker_.makeLink(daemon);
        router_ = std::make_unique<io::MqttRouter>(*link_);
        gateway_ = std::make_unique<PanelGateway>(io_.get_executor(), *router_, recorder_, clock_,
                                                  kSite, std::set<std::string>{"p-a"}, keys_);
        commands_ = std::make_unique<DoorCommands>(DoorCommandsParts{
            recorder_, bus_, clock_, *gateway_, nullptr,
            [this](const std::string& id) -> const DoorSpec* {
                return id == "lobby"   ? &door_
                       : id == "vault" ? &guarded_
                       : id == "booth" ? &gate_
                                       : nullptr;
            },
            [this](const std::string&) { return online_; },
            [this](const DoorSpec& spec, const ManualCommand& command) {
                carried_.push_back(spec.id + " " + command.command);
            },
            [this](const DoorSpec& spec, const nlohmann::json& actor) {
                rearms_.push_back(spec.id + " " + actor.value("actor", std::string()));
            }});
        io::MqttOptions options;
        options.clientId = "p-a";
        options.subscriptions = {
            protocol::panelTopic(kSite, "p-a", protocol::PanelChannel::link),
            protocol::panelTopic(kSite, "p-a", protocol::PanelChannel::command)};
        panelLink_ = broker_.makeLink(options);
        hal_ = std::make_unique<sim::HostDoorPanelHal>(kSite, "p-a", keys_.panelKeys.at("p-a"),
                                                       core::randomBytes(32), *panelLink_,
                                                       [](const std::string&) {});
        firmware::PanelConfig config;
        config.site = kSite;
        config.panel = "p-a";
        config.door = "lobby";
        config.sessionPrefix = "b";
        runner_ = std::make_unique<firmware::DoorPanelRunner>(config, *hal_);
        panelLink_->onMessage([this](const io::MqttMessage& m) {
            auto topic = protocol::parsePanelTopic(kSite, m.topic);
            if (topic && topic->channel == protocol::PanelChannel::link) {
                runner_->linkReceived(m.payload, 0);
            } else if (topic && topic->channel == protocol::PanelChannel::command) {
                for (const auto& out : runner_->commandReceived(m.payload, 0)) {
                    if (const auto* ack = std::get_if<firmware::SendAck>(&out)) {
                        acks_.push_back(ack->ack.command);
                    }
                }
            }
        });
        gateway_->onAck([this](const std::string&, const protocol::PanelAck& ack) {
            verifiedAcks_.push_back(ack.command);
        });
        link_->start();
        panelLink_->start();
        ASSERT_TRUE(gateway_->start({}));
        commands_->start();
        ASSERT_TRUE(runUntil([&] { return !runner_->state().linkEpoch.empty(); }));
    }
    void TearDown() override {
        commands_->stop();
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
    // The answer lives in answers_, not on call()'s stack: a route answers from its commit's
    // onDone, after call() has returned (hold the reference to see a later answer).
    const std::optional<core::ApiResult>& call(const std::string& command, const std::string& door,
                                               nlohmann::json body) {
        core::ApiCall c;
        c.params["id"] = door;
        c.body = std::move(body);
        c.actor = "desk1";
        c.role = core::Role::deskOperator;
        std::optional<core::ApiResult>& answer = answers_.emplace_back();
        for (auto& route : commands_->routes()) {
            if (route.pattern == "/api/doors/{id}/" + command) {
                EXPECT_TRUE(route.roles.contains(core::Role::deskOperator));
                EXPECT_TRUE(route.roles.contains(core::Role::securityAdmin));
                EXPECT_FALSE(route.roles.contains(core::Role::auditor));
                EXPECT_FALSE(route.roles.contains(core::Role::facilityAdmin));
                route.handler(c, [&](core::ApiAnswer a) { answer = std::get<core::ApiResult>(a); });
            }
        }
        return answer;
    }

    std::deque<std::optional<core::ApiResult>> answers_;  // stable addresses for late answers
    boost::asio::io_context io_;
    io::SimulatedMqttBroker broker_{io_.get_executor()};
    core::ManualClock clock_{1'800'000'000'000'000};
    core::EventBus bus_;
    HeldRecorder recorder_{bus_};
    DoorKeys keys_;
    DoorSpec door_, guarded_, gate_;
    std::vector<std::string> rearms_;
    bool online_ = true;
    std::vector<std::string> carried_, acks_, verifiedAcks_;
    std::unique_ptr<io::MqttLink> link_, panelLink_;
    std::unique_ptr<io::MqttRouter> router_;
    std::unique_ptr<PanelGateway> gateway_;
    std::unique_ptr<DoorCommands> commands_;
    std::unique_ptr<sim::HostDoorPanelHal> hal_;
    std::unique_ptr<firmware::DoorPanelRunner> runner_;
};

TEST_F(DoorCommandsTest, BadRequestsAreRefusedNamingWhatIsWrong) {
    const std::vector<std::tuple<std::string, std::string, nlohmann::json, int, std::string>>
        cases = {
            {"unlock", "lobby", nullptr, 400, "body: must be"},
            {"unlock", "lobby", {{"comment", ""}}, 400, "comment: required"},
            {"unlock", "lobby", {{"comment", "x"}, {"minutes", 5}}, 400, "minutes: unknown field"},
            {"timed_unlock", "lobby", {{"comment", "x"}}, 400, "minutes: required"},
            {"timed_unlock",
             "lobby",
             {{"comment", "x"}, {"minutes", 1441}},
             400,
             "minutes: required"},
            {"timed_unlock",
             "lobby",
             {{"comment", "x"}, {"minutes", "5"}},
             400,
             "minutes: required"},
            {"lock", "nowhere", {{"comment", "x"}}, 404, "no door 'nowhere'"},
            // Needs an approval, and no engine runs here.
            {"unlock", "vault", {{"comment", "x"}}, 503, "need an approval"}};
    for (const auto& [command, door, body, status, message] : cases) {
        auto answer = call(command, door, body);
        ASSERT_TRUE(answer) << command;
        EXPECT_EQ(answer->status, status) << command << " " << body.dump();
        EXPECT_NE(answer->body.value("error", "").find(message), std::string::npos)
            << answer->body.dump();
        EXPECT_TRUE(answer->body.value("code", "").starts_with("doors.")) << answer->body.dump();
    }
    online_ = false;
    auto offline = call("lock", "lobby", {{"comment", "x"}});
    EXPECT_EQ(offline->status, 409);
    EXPECT_EQ(offline->body["code"], "doors.panel_offline");
    EXPECT_TRUE(recorder_.held.empty());
}

TEST_F(DoorCommandsTest, TheReplyAndThePanelCommandWaitForTheDurableDoorCommand) {
    const auto& answer = call("timed_unlock", "lobby", {{"comment", "delivery"}, {"minutes", 30}});
    EXPECT_FALSE(answer);  // not before the commit
    ASSERT_EQ(recorder_.held.size(), 1u);
    runUntil([] { return false; }, 10);
    EXPECT_TRUE(acks_.empty());
    EXPECT_FALSE(runner_->state().lockReleased);

    recorder_.commitAll();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->body["command"]["until_us"], clock_.nowUs() + 30LL * 60 * 1'000'000);
    const auto payload = nlohmann::json::parse(recorder_.stored.at(0).payload);
    EXPECT_EQ(recorder_.stored[0].type, kDoorCommand.name);
    EXPECT_EQ(payload["door"], "lobby");
    EXPECT_EQ(payload["command"], "timed_unlock");
    EXPECT_EQ(payload["comment"], "delivery");
    EXPECT_EQ(payload["actor"], "desk1");
    EXPECT_EQ(carried_, std::vector<std::string>{"lobby timed_unlock"});
    ASSERT_TRUE(runUntil([&] { return verifiedAcks_.size() == 1; }));
    EXPECT_EQ(verifiedAcks_[0], "cmd-1");
    EXPECT_TRUE(runner_->state().lockReleased);
    EXPECT_TRUE(runner_->state().commands.holding);

    const auto& locked = call("lock", "lobby", {{"comment", "done"}});
    recorder_.commitAll();
    ASSERT_TRUE(locked);
    EXPECT_EQ(locked->status, 200);
    ASSERT_TRUE(runUntil([&] { return verifiedAcks_.size() == 2; }));
    EXPECT_FALSE(runner_->state().lockReleased);
    EXPECT_FALSE(runner_->state().commands.holding);
    EXPECT_EQ(carried_.back(), "lobby lock");
}

TEST_F(DoorCommandsTest, FirstPersonInCommandsGoOutAfterWhatWasRecordedBeforeThem) {
    commands_->sendAfterRecorded(door_, CommandPanel{protocol::CommandType::holdUnlocked, 60'000});
    runUntil([] { return false; }, 10);
    EXPECT_FALSE(runner_->state().lockReleased);
    recorder_.commitAll();
    ASSERT_TRUE(runUntil([&] { return verifiedAcks_.size() == 1; }));
    EXPECT_TRUE(runner_->state().commands.holding);
}

// Issue 15: a circle gate takes only rearm, without an approval (it only restores the interlock);
// a door takes no rearm. The gate's supervision hears who commanded it.
TEST_F(DoorCommandsTest, AGateIsRearmedByTheDeskAndTakesNothingElse) {
    auto refusedUnlock = call("unlock", "booth", {{"comment", "x"}});
    ASSERT_TRUE(refusedUnlock);
    EXPECT_EQ(refusedUnlock->status, 400);
    EXPECT_NE(refusedUnlock->body.value("error", "").find("takes only rearm"), std::string::npos);
    auto refusedRearm = call("rearm", "lobby", {{"comment", "x"}});
    ASSERT_TRUE(refusedRearm);
    EXPECT_EQ(refusedRearm->status, 400);
    EXPECT_EQ(refusedRearm->body.value("code", ""), "doors.bad_request");
    EXPECT_TRUE(recorder_.held.empty());

    const auto& answer = call("rearm", "booth", {{"comment", "booth checked"}});
    ASSERT_EQ(recorder_.held.size(), 1U);
    EXPECT_FALSE(answer) << "answered before door.command was durable";
    recorder_.commitAll();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200) << answer->body.dump();
    ASSERT_EQ(recorder_.stored.size(), 1U);
    const auto payload = nlohmann::json::parse(recorder_.stored[0].payload);
    EXPECT_EQ(payload["command"], "rearm");
    EXPECT_EQ(payload["door"], "booth");
    EXPECT_EQ(payload["actor"], "desk1");
    EXPECT_EQ(rearms_, std::vector<std::string>{"booth desk1"});
    EXPECT_EQ(carried_, std::vector<std::string>{"booth rearm"});

    online_ = false;
    auto offline = call("rearm", "booth", {{"comment", "x"}});
    ASSERT_TRUE(offline);
    EXPECT_EQ(offline->status, 409);
}

}  // namespace
}  // namespace sekimori::doors
