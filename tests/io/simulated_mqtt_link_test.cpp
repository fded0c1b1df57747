// The in-memory broker: routing with wildcards, retained messages, offline queues, wills and
// refusals, all delivered on the executor. Single-threaded: the test drives the io_context.
#include "io/simulated_mqtt_link.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>
#include <string>

namespace sekimori::io {
namespace {

class SimulatedMqttLinkTest : public ::testing::Test {
  protected:
    struct Client {
        std::unique_ptr<MqttLink> link;
        std::vector<MqttMessage> messages;
        std::vector<std::pair<bool, std::string>> reports;
    };

    std::unique_ptr<Client> makeClient(const std::string& account,
                                       std::vector<std::string> subscriptions = {}) {
        MqttOptions options;
        options.clientId = account;
        options.username = account;
        options.password = account + "-secret";
        options.subscriptions = std::move(subscriptions);
        return makeClient(std::move(options));
    }
    std::unique_ptr<Client> makeClient(MqttOptions options) {
        auto client = std::make_unique<Client>();
        client->link = broker_.makeLink(std::move(options));
        auto* raw = client.get();
        client->link->onMessage([raw](const MqttMessage& m) { raw->messages.push_back(m); });
        client->link->onConnection([raw](bool connected, const std::string& reason) {
            raw->reports.emplace_back(connected, reason);
        });
        return client;
    }
    void settle() {
        io_.restart();
        io_.run();
    }

    boost::asio::io_context io_;
    SimulatedMqttBroker broker_{io_.get_executor()};
};

TEST_F(SimulatedMqttLinkTest, RoutesByWildcardAndOnlyOnTheExecutor) {
    auto daemon = makeClient("sekimorid", {"sekimori/s1/panel/+/request"});
    auto panel = makeClient("p-a", {"sekimori/s1/panel/p-a/reply"});
    daemon->link->start();
    panel->link->start();
    EXPECT_TRUE(daemon->reports.empty());  // nothing runs inside start()
    settle();
    ASSERT_EQ(daemon->reports.size(), 1u);
    EXPECT_TRUE(daemon->reports[0].first);
    EXPECT_TRUE(daemon->link->connected());

    panel->link->publish("sekimori/s1/panel/p-a/request", "r1", false);
    panel->link->publish("sekimori/s1/panel/p-a/event", "e1", false);
    EXPECT_TRUE(daemon->messages.empty());
    settle();
    ASSERT_EQ(daemon->messages.size(), 1u);
    EXPECT_EQ(daemon->messages[0].payload, "r1");
    EXPECT_TRUE(panel->messages.empty());
    EXPECT_EQ(broker_.accepted().size(), 2u);
}

TEST_F(SimulatedMqttLinkTest, RetainedMessagesReachLaterSubscribersAndEmptyPayloadClearsThem) {
    broker_.publish("sekimori/s1/audit/checkpoint", "cp-1", true);
    broker_.publish("sekimori/s1/panel/p-b/status", "online", true);
    broker_.publish("sekimori/s1/panel/p-b/status", "", true);
    auto panel = makeClient("p-a", {"sekimori/s1/audit/checkpoint", "sekimori/s1/panel/+/status"});
    panel->link->start();
    settle();
    ASSERT_EQ(panel->messages.size(), 1u);
    EXPECT_EQ(panel->messages[0].payload, "cp-1");
    EXPECT_TRUE(panel->messages[0].retained);
    EXPECT_FALSE(broker_.retainedMessage("sekimori/s1/panel/p-b/status"));

    broker_.publish("sekimori/s1/audit/checkpoint", "cp-2", true);
    settle();
    ASSERT_EQ(panel->messages.size(), 2u);
    EXPECT_FALSE(panel->messages[1].retained);  // live delivery, as MQTT 3.1.1 does
    EXPECT_EQ(broker_.retainedMessage("sekimori/s1/audit/checkpoint")->payload, "cp-2");
}

TEST_F(SimulatedMqttLinkTest, OutageQueuesOnBothSidesAndDeliversInOrder) {
    auto daemon = makeClient("sekimorid", {"sekimori/s1/#"});
    auto panel = makeClient("p-a");
    daemon->link->start();
    panel->link->start();
    settle();

    broker_.setOnline(false);
    settle();
    EXPECT_FALSE(panel->link->connected());
    ASSERT_EQ(panel->reports.size(), 2u);
    EXPECT_FALSE(panel->reports[1].first);
    EXPECT_NE(panel->reports[1].second.find("offline"), std::string::npos);
    panel->link->publish("sekimori/s1/panel/p-a/event", "1", false);
    panel->link->publish("sekimori/s1/panel/p-a/event", "2", false);
    settle();
    EXPECT_TRUE(daemon->messages.empty());

    broker_.setOnline(true);
    settle();
    ASSERT_EQ(daemon->messages.size(), 2u);
    EXPECT_EQ(daemon->messages[0].payload, "1");
    EXPECT_EQ(daemon->messages[1].payload, "2");
    EXPECT_TRUE(panel->reports.back().first);
}

TEST_F(SimulatedMqttLinkTest, DroppedClientPublishesItsWillAndItsSessionQueues) {
    auto daemon = makeClient("sekimorid", {"sekimori/s1/panel/+/status"});
    MqttOptions panelOptions;
    panelOptions.clientId = "p-a";
    panelOptions.username = "p-a";
    panelOptions.subscriptions = {"sekimori/s1/panel/p-a/reply"};
    panelOptions.willTopic = "sekimori/s1/panel/p-a/status";
    panelOptions.willPayload = "offline";
    auto panel = makeClient(panelOptions);
    daemon->link->start();
    panel->link->start();
    settle();

    broker_.dropClient("p-a");
    daemon->link->publish("sekimori/s1/panel/p-a/reply", "while-away", false);
    settle();
    ASSERT_EQ(daemon->messages.size(), 1u);
    EXPECT_EQ(daemon->messages[0].payload, "offline");
    EXPECT_TRUE(broker_.retainedMessage("sekimori/s1/panel/p-a/status"));
    EXPECT_TRUE(panel->messages.empty());

    broker_.restoreClient("p-a");
    settle();
    ASSERT_EQ(panel->messages.size(), 1u);
    EXPECT_EQ(panel->messages[0].payload, "while-away");
}

TEST_F(SimulatedMqttLinkTest, WrongCredentialsAreRefusedOnce) {
    broker_.requireCredentials({{"p-a", "right"}});
    MqttOptions options;
    options.username = "p-a";
    options.password = "wrong";
    auto panel = makeClient(options);
    panel->link->start();
    settle();
    broker_.setOnline(false);
    broker_.setOnline(true);
    settle();
    ASSERT_EQ(panel->reports.size(), 1u);
    EXPECT_FALSE(panel->reports[0].first);
    EXPECT_NE(panel->reports[0].second.find("not authorised"), std::string::npos);
    EXPECT_FALSE(panel->link->connected());
}

TEST_F(SimulatedMqttLinkTest, NoHandlerRunsAfterStop) {
    auto daemon = makeClient("sekimorid", {"#"});
    daemon->link->start();
    settle();
    broker_.publish("a", "1");
    daemon->link->stop();
    settle();
    EXPECT_TRUE(daemon->messages.empty());
    EXPECT_FALSE(daemon->link->connected());
}

TEST_F(SimulatedMqttLinkTest, RunTimeSubscriptionsAddRemoveAndSurviveAnOutage) {
    auto daemon = makeClient("sekimorid", {"s1/panel/+/request"});
    auto panel = makeClient("p-a");
    daemon->link->start();
    panel->link->start();
    settle();

    daemon->link->subscribe("s1/panel/+/event");
    daemon->link->subscribe("s1/panel/+/event");  // idempotent: one subscription
    EXPECT_EQ(broker_.subscriptions("sekimorid"),
              (std::set<std::string>{"s1/panel/+/event", "s1/panel/+/request"}));
    panel->link->publish("s1/panel/p-a/event", "e1", false);
    settle();
    ASSERT_EQ(daemon->messages.size(), 1u);
    EXPECT_EQ(daemon->messages[0].payload, "e1");

    daemon->link->unsubscribe("s1/panel/+/request");  // one from the options goes too
    daemon->link->unsubscribe("never/subscribed");
    panel->link->publish("s1/panel/p-a/request", "dropped", false);
    settle();
    EXPECT_EQ(daemon->messages.size(), 1u);

    broker_.setOnline(false);
    daemon->link->subscribe("s1/audit/#");  // while offline: subscribed on reconnect
    broker_.setOnline(true);
    settle();
    panel->link->publish("s1/audit/checkpoint", "cp", false);
    panel->link->publish("s1/panel/p-a/event", "e2", false);
    settle();
    ASSERT_EQ(daemon->messages.size(), 3u);
    EXPECT_EQ(daemon->messages[1].payload, "cp");
    EXPECT_EQ(daemon->messages[2].payload, "e2");
}

TEST_F(SimulatedMqttLinkTest, AnInvalidFilterIsRefused) {
    auto daemon = makeClient("sekimorid", {"s1/#/x", "s1/panel/+/event"});
    daemon->link->subscribe("s1/a+");
    daemon->link->subscribe("");
    EXPECT_EQ(broker_.subscriptions("sekimorid"), std::set<std::string>{"s1/panel/+/event"});
}

TEST_F(SimulatedMqttLinkTest, EverySubscribeSendsTheRetainedMessagesItMatchesFlagged) {
    broker_.publish("s1/panel/p-a/status", "online", true);
    broker_.publish("s1/panel/p-b/status", "offline", true);
    auto daemon = makeClient("sekimorid");
    daemon->link->start();
    settle();
    EXPECT_TRUE(daemon->messages.empty());

    daemon->link->subscribe("s1/panel/p-a/status");
    settle();
    ASSERT_EQ(daemon->messages.size(), 1u);
    EXPECT_EQ(daemon->messages[0].payload, "online");
    EXPECT_TRUE(daemon->messages[0].retained);

    // A second, overlapping filter replays what it matches; a live message still arrives once
    // and unflagged, however many filters match it.
    daemon->link->subscribe("s1/panel/+/status");
    settle();
    ASSERT_EQ(daemon->messages.size(), 3u);
    EXPECT_TRUE(daemon->messages[1].retained);
    EXPECT_TRUE(daemon->messages[2].retained);
    broker_.publish("s1/panel/p-a/status", "busy", true);
    settle();
    ASSERT_EQ(daemon->messages.size(), 4u);
    EXPECT_EQ(daemon->messages[3].payload, "busy");
    EXPECT_FALSE(daemon->messages[3].retained);
}

TEST_F(SimulatedMqttLinkTest, LinkMayOutliveTheBroker) {
    auto broker = std::make_unique<SimulatedMqttBroker>(io_.get_executor());
    auto link = broker->makeLink({});
    link->start();
    broker.reset();
    settle();
    link->publish("a", "1", false);  // queued, never delivered; must not crash
    EXPECT_FALSE(link->connected());
}

}  // namespace
}  // namespace sekimori::io
