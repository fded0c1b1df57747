// The router on the simulated broker: fan-out to overlapping filters, one broker subscription
// per filter however many handlers share it, handlers added and dropped at run time (from
// inside a dispatch too), the retained flag, unrouted messages and connection reports.
// Single-threaded: the test drives the io_context. The same promises against mosquitto are in
// mqtt_router_broker_test.cpp.
#include "io/mqtt_router.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "io/simulated_mqtt_link.hpp"

namespace sekimori::io {
namespace {

// What one handler saw.
struct Seen {
    std::vector<MqttMessage> messages;
    MqttRouter::Handler handler() {
        return [this](const MqttMessage& message) { messages.push_back(message); };
    }
    std::vector<std::string> payloads() const {
        std::vector<std::string> out;
        for (const auto& message : messages) {
            out.push_back(message.payload);
        }
        return out;
    }
};

class MqttRouterTest : public ::testing::Test {
  protected:
    MqttRouterTest() {
        MqttOptions daemonOptions;
        daemonOptions.clientId = daemonOptions.username = "sekimorid";
        daemonLink_ = broker_.makeLink(daemonOptions);
        router_ = std::make_unique<MqttRouter>(*daemonLink_);
        router_->onUnrouted(unrouted_.handler());
        MqttOptions panelOptions;
        panelOptions.clientId = panelOptions.username = "p-a";
        panel_ = broker_.makeLink(panelOptions);
    }

    void start() {
        daemonLink_->start();
        panel_->start();
        settle();
    }
    void settle() {
        io_.restart();
        io_.run();
    }
    void publish(const std::string& topic, const std::string& payload, bool retained = false) {
        panel_->publish(topic, payload, retained);
        settle();
    }
    std::set<std::string> brokerFilters() const { return broker_.subscriptions("sekimorid"); }

    boost::asio::io_context io_;
    SimulatedMqttBroker broker_{io_.get_executor()};
    std::unique_ptr<MqttLink> daemonLink_;
    std::unique_ptr<MqttRouter> router_;
    std::unique_ptr<MqttLink> panel_;
    Seen unrouted_;
};

TEST_F(MqttRouterTest, EveryMatchingHandlerGetsTheMessageOnce) {
    Seen all;
    Seen anyPanelEvent;
    Seen exact;
    Seen other;
    auto a = router_->subscribe("s1/#", all.handler());
    auto b = router_->subscribe("s1/panel/+/event", anyPanelEvent.handler());
    auto c = router_->subscribe("s1/panel/p-a/event", exact.handler());
    auto d = router_->subscribe("s2/#", other.handler());
    start();
    EXPECT_EQ(router_->handlerCount(), 4u);

    publish("s1/panel/p-a/event", "e1");
    publish("s1/panel/p-a/status", "st");
    EXPECT_EQ(all.payloads(), (std::vector<std::string>{"e1", "st"}));
    EXPECT_EQ(anyPanelEvent.payloads(), std::vector<std::string>{"e1"});
    EXPECT_EQ(exact.payloads(), std::vector<std::string>{"e1"});
    EXPECT_TRUE(other.messages.empty());
    EXPECT_TRUE(unrouted_.messages.empty());
}

TEST_F(MqttRouterTest, HandlersSharingAFilterShareOneBrokerSubscriptionUntilTheLastGoes) {
    Seen first;
    Seen second;
    auto one = router_->subscribe("s1/panel/+/event", first.handler());
    auto two = router_->subscribe("s1/panel/+/event", second.handler());
    start();
    EXPECT_EQ(brokerFilters(), std::set<std::string>{"s1/panel/+/event"});

    one.reset();
    EXPECT_EQ(brokerFilters(), std::set<std::string>{"s1/panel/+/event"});
    publish("s1/panel/p-a/event", "after-one");
    EXPECT_TRUE(first.messages.empty());
    EXPECT_EQ(second.payloads(), std::vector<std::string>{"after-one"});

    two.reset();
    EXPECT_TRUE(brokerFilters().empty());
    EXPECT_EQ(router_->handlerCount(), 0u);
    publish("s1/panel/p-a/event", "after-both");
    // Unsubscribed at the broker, so it is not even unrouted.
    EXPECT_TRUE(unrouted_.messages.empty());
    EXPECT_EQ(second.messages.size(), 1u);
}

TEST_F(MqttRouterTest, WhatNoHandlerMatchesGoesToTheUnroutedHandler) {
    // The link may hold filters no handler asked for (MqttOptions::subscriptions, or a
    // persistent session from an earlier run).
    MqttOptions options;
    options.clientId = options.username = "observer";
    options.subscriptions = {"s1/#"};
    auto link = broker_.makeLink(options);
    MqttRouter router(*link);
    Seen unrouted;
    Seen events;
    router.onUnrouted(unrouted.handler());
    auto subscription = router.subscribe("s1/panel/+/event", events.handler());
    link->start();
    start();

    publish("s1/panel/p-a/event", "routed");
    publish("s1/panel/p-a/request", "foreign");
    EXPECT_EQ(events.payloads(), std::vector<std::string>{"routed"});
    EXPECT_EQ(unrouted.payloads(), std::vector<std::string>{"foreign"});
}

TEST_F(MqttRouterTest, RetainedFlagReachesHandlersAndANewHandlerGetsTheRetainedState) {
    broker_.publish("s1/panel/p-a/status", "online", true);
    start();
    Seen first;
    auto one = router_->subscribe("s1/panel/+/status", first.handler());
    settle();
    ASSERT_EQ(first.messages.size(), 1u);
    EXPECT_EQ(first.messages[0].payload, "online");
    EXPECT_TRUE(first.messages[0].retained);

    // Same filter, already subscribed: the router asks again, so the newcomer learns the state
    // (the first handler sees it again, as it would after a reconnect).
    Seen second;
    auto two = router_->subscribe("s1/panel/+/status", second.handler());
    settle();
    ASSERT_EQ(second.messages.size(), 1u);
    EXPECT_TRUE(second.messages[0].retained);
    EXPECT_EQ(first.messages.size(), 2u);

    publish("s1/panel/p-a/status", "busy", true);
    ASSERT_EQ(second.messages.size(), 2u);
    EXPECT_EQ(second.messages[1].payload, "busy");
    EXPECT_FALSE(second.messages[1].retained);  // live delivery (MQTT 3.1.1)
}

TEST_F(MqttRouterTest, AHandlerThatIgnoresRetainedMessagesGetsOnlyLiveOnes) {
    broker_.publish("s1/panel/p-a/request", "stale-request", true);  // a panel misbehaving
    broker_.publish("s1/panel/p-a/status", "online", true);
    Seen requests;
    Seen all;
    auto live =
        router_->subscribe("s1/panel/+/request", requests.handler(), MqttRouter::Retained::ignore);
    auto state = router_->subscribe("s1/panel/p-a/#", all.handler());
    start();  // the connect sends each retained message once
    EXPECT_TRUE(requests.messages.empty());
    EXPECT_EQ(all.payloads(), (std::vector<std::string>{"stale-request", "online"}));
    EXPECT_TRUE(unrouted_.messages.empty());  // ignored by its handler, not foreign

    publish("s1/panel/p-a/request", "live-request", true);  // live delivery clears the flag
    EXPECT_EQ(requests.payloads(), std::vector<std::string>{"live-request"});
}

TEST_F(MqttRouterTest, AHandlerThatDropsItsOwnSubscriptionIsNotCalledAgain) {
    Seen seen;
    MqttRouter::Subscription self;
    self = router_->subscribe("s1/#", [&](const MqttMessage& message) {
        seen.messages.push_back(message);
        self.reset();  // destroys the closure that is running: the router must keep it alive
    });
    start();
    publish("s1/a", "1");
    publish("s1/a", "2");
    EXPECT_EQ(seen.payloads(), std::vector<std::string>{"1"});
    EXPECT_EQ(router_->handlerCount(), 0u);
    EXPECT_TRUE(brokerFilters().empty());
}

TEST_F(MqttRouterTest, AHandlerDroppedDuringADispatchIsNotCalledForTheRestOfIt) {
    Seen later;
    MqttRouter::Subscription victim;
    auto dropper = router_->subscribe("s1/#", [&](const MqttMessage&) { victim.reset(); });
    victim = router_->subscribe("s1/+", later.handler());
    start();
    publish("s1/a", "1");
    EXPECT_TRUE(later.messages.empty());
    EXPECT_EQ(brokerFilters(), std::set<std::string>{"s1/#"});
}

TEST_F(MqttRouterTest, AHandlerAddedDuringADispatchSeesTheNextMessage) {
    Seen added;
    MqttRouter::Subscription late;
    auto adder = router_->subscribe("s1/#", [&](const MqttMessage&) {
        if (!late) {
            late = router_->subscribe("s1/+", added.handler());
        }
    });
    start();
    publish("s1/a", "1");
    EXPECT_TRUE(added.messages.empty());
    publish("s1/a", "2");
    EXPECT_EQ(added.payloads(), std::vector<std::string>{"2"});
    EXPECT_EQ(brokerFilters(), (std::set<std::string>{"s1/#", "s1/+"}));
}

TEST_F(MqttRouterTest, AHandlerMayDestroyTheRouterDuringADispatch) {
    Seen after;
    auto destroyer = router_->subscribe("s1/#", [&](const MqttMessage&) { router_.reset(); });
    auto next = router_->subscribe("s1/+", after.handler());
    start();
    publish("s1/a", "1");
    EXPECT_FALSE(router_);
    EXPECT_TRUE(after.messages.empty());
    destroyer.reset();  // subscriptions may outlive the router; dropping them is harmless
    next.reset();
    // The broker session keeps its filters: destroying the router is not an unsubscribe.
    EXPECT_EQ(brokerFilters(), (std::set<std::string>{"s1/#", "s1/+"}));
    publish("s1/a", "2");
    EXPECT_TRUE(after.messages.empty());
}

TEST_F(MqttRouterTest, SubscriptionsSurviveAnOutageAndThoseMadeOfflineArriveAfterIt) {
    Seen events;
    Seen statuses;
    auto subscription = router_->subscribe("s1/panel/+/event", events.handler());
    start();
    broker_.setOnline(false);
    settle();
    EXPECT_FALSE(router_->connected());
    auto offline = router_->subscribe("s1/panel/+/status", statuses.handler());
    broker_.setOnline(true);
    settle();
    EXPECT_TRUE(router_->connected());
    publish("s1/panel/p-a/event", "e");
    publish("s1/panel/p-a/status", "s");
    EXPECT_EQ(events.payloads(), std::vector<std::string>{"e"});
    EXPECT_EQ(statuses.payloads(), std::vector<std::string>{"s"});
}

TEST_F(MqttRouterTest, AnInvalidFilterOrAnEmptyHandlerIsRefused) {
    Seen seen;
    for (const std::string filter : {"", "s1/#/x", "s1/a+", "s1#"}) {
        EXPECT_EQ(router_->subscribe(filter, seen.handler()), nullptr) << filter;
    }
    EXPECT_EQ(router_->subscribe("s1/#", nullptr), nullptr);
    EXPECT_EQ(router_->onConnection(nullptr), nullptr);
    EXPECT_EQ(router_->handlerCount(), 0u);
    start();
    EXPECT_TRUE(brokerFilters().empty());
}

TEST_F(MqttRouterTest, ConnectionHandlersHearEveryChangeUntilDropped) {
    std::vector<bool> first;
    std::vector<bool> second;
    MqttRouter::Subscription secondSubscription;
    auto firstSubscription = router_->onConnection([&](bool connected, const std::string&) {
        first.push_back(connected);
        if (!connected) {
            secondSubscription.reset();  // dropped while a report is being delivered
        }
    });
    secondSubscription = router_->onConnection(
        [&](bool connected, const std::string&) { second.push_back(connected); });
    start();
    EXPECT_TRUE(router_->connected());
    broker_.setOnline(false);
    settle();
    broker_.setOnline(true);
    settle();
    EXPECT_EQ(first, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(second, std::vector<bool>{true});
}

TEST_F(MqttRouterTest, PublishGoesOutThroughTheLink) {
    Seen atPanel;
    panel_->onMessage(atPanel.handler());
    panel_->subscribe("s1/panel/p-a/reply");
    start();
    router_->publish("s1/panel/p-a/reply", "r", false);
    settle();
    EXPECT_EQ(atPanel.payloads(), std::vector<std::string>{"r"});
}

}  // namespace
}  // namespace sekimori::io

namespace sekimori::io {
namespace {

TEST_F(MqttRouterTest, AfterStopDeliveringMessagesAreCountedNotHandled) {
    Seen handled;
    auto s = router_->subscribe("s1/#", handled.handler());
    start();
    publish("s1/a", "before");
    router_->stopDelivering();
    publish("s1/a", "after");
    publish("s1/b", "after");
    EXPECT_EQ(handled.payloads(), std::vector<std::string>{"before"});
    EXPECT_TRUE(unrouted_.messages.empty());
    EXPECT_EQ(router_->undeliveredCount(), 2U);
    EXPECT_EQ(brokerFilters(), std::set<std::string>{"s1/#"});  // the session keeps it
}

}  // namespace
}  // namespace sekimori::io
