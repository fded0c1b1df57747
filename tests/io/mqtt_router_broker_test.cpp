// The router on the real link against a real mosquitto (scripts/broker, tests/io/broker_fixture):
// subscriptions made at run time receive, dropped ones stop delivery at the broker, all of them
// come back after a broker restart that lost the session, handlers see the retained flag, and
// overlapping filters call each handler once. The daemon's link runs as sekimorid does: Paho
// with in-memory persistence.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/mqtt_router.hpp"
#include "io/paho_mqtt_link.hpp"
#include "tests/io/broker_fixture.hpp"
#include "tests/io/io_thread.hpp"

namespace sekimori::io {
namespace {

const std::string kSite = "test";
std::string panelTopic(const std::string& panel, const std::string& channel) {
    return "sekimori/" + kSite + "/panel/" + panel + "/" + channel;
}

std::vector<std::string> payloads(const std::vector<MqttMessage>& messages) {
    std::vector<std::string> out;
    for (const auto& message : messages) {
        out.push_back(message.payload);
    }
    return out;
}

bool hasPayload(const std::vector<MqttMessage>& messages, const std::string& payload) {
    for (const auto& message : messages) {
        if (message.payload == payload) {
            return true;
        }
    }
    return false;
}

class MqttRouterBrokerTest : public ::testing::Test {
  protected:
    MqttRouterBrokerTest() {
        auto daemonOptions = broker_.options("sekimorid");
        daemonOptions.persistenceDir.clear();  // as the daemon runs: the database is the outbox
        io_.run([&] {
            daemonLink_ = makePahoMqttLink(io_.executor(), daemonOptions);
            router_ = std::make_unique<MqttRouter>(*daemonLink_);
            router_->onUnrouted(unrouted_.messageHandler());
            connection_ = router_->onConnection(daemon_.connectionHandler());
            panel_ = makePahoMqttLink(io_.executor(), broker_.options("p-a"));
        });
        panelRecorder_.attach(*panel_);
    }

    ~MqttRouterBrokerTest() override {
        io_.run([&] {
            subscriptions_.clear();
            connection_.reset();
            router_.reset();
            daemonLink_.reset();
            panel_.reset();
        });
    }

    // Both connect in parallel: Paho's receive loop polls at 1 s.
    void startAndWaitConnected() {
        io_.run([&] {
            daemonLink_->start();
            panel_->start();
        });
        ASSERT_TRUE(daemon_.waitForConnected()) << broker_.log();
        ASSERT_TRUE(panelRecorder_.waitForConnected()) << broker_.log();
    }

    // Subscribes on the io thread; the subscription is kept until dropped or the test ends.
    MqttRouter::Subscription& subscribe(const std::string& filter, test::LinkRecorder& to) {
        return io_.run([&]() -> MqttRouter::Subscription& {
            subscriptions_.push_back(router_->subscribe(filter, to.messageHandler()));
            return subscriptions_.back();
        });
    }
    void drop(MqttRouter::Subscription& subscription) {
        io_.run([&] { subscription.reset(); });
    }
    void publishFromPanel(const std::string& channel, const std::string& payload,
                          bool retained = false) {
        io_.run([&] { panel_->publish(panelTopic("p-a", channel), payload, retained); });
    }
    bool waitFor(test::LinkRecorder& recorder, const std::string& payload) {
        return recorder.waitFor(
            [&](const auto& messages, const auto&) { return hasPayload(messages, payload); });
    }

    test::MosquittoBroker broker_{{.site = kSite, .panels = {"p-a"}, .services = {}}};
    test::IoThread io_;
    std::unique_ptr<MqttLink> daemonLink_;
    std::unique_ptr<MqttRouter> router_;
    std::unique_ptr<MqttLink> panel_;
    test::LinkRecorder daemon_;  // the router's connection reports
    test::LinkRecorder unrouted_;
    test::LinkRecorder panelRecorder_;
    MqttRouter::Subscription connection_;
    std::deque<MqttRouter::Subscription> subscriptions_;  // stable references
};

TEST_F(MqttRouterBrokerTest, ASubscriptionMadeAtRunTimeReceivesAndSeesTheRetainedFlag) {
    test::LinkRecorder events;
    subscribe(panelTopic("+", "event"), events);
    startAndWaitConnected();
    // The panel's publishes reach the broker in order: once the event is in, so is the status.
    publishFromPanel("status", "online", true);
    publishFromPanel("event", "after-status");
    ASSERT_TRUE(waitFor(events, "after-status")) << broker_.log();

    test::LinkRecorder statuses;
    subscribe(panelTopic("+", "status"), statuses);
    ASSERT_TRUE(waitFor(statuses, "online")) << broker_.log();
    EXPECT_TRUE(statuses.messages().front().retained);
    EXPECT_EQ(statuses.messages().front().topic, panelTopic("p-a", "status"));

    publishFromPanel("status", "busy", true);
    ASSERT_TRUE(waitFor(statuses, "busy")) << broker_.log();
    EXPECT_FALSE(statuses.messages().back().retained);  // live: MQTT 3.1.1 clears the flag
    for (const auto id : statuses.handlerThreads()) {
        EXPECT_EQ(id, io_.id());
    }
    EXPECT_TRUE(unrouted_.messages().empty());
}

TEST_F(MqttRouterBrokerTest, DroppingTheLastSubscriptionStopsDeliveryAtTheBroker) {
    test::LinkRecorder events;
    test::LinkRecorder statuses;
    auto& eventSubscription = subscribe(panelTopic("+", "event"), events);
    subscribe(panelTopic("+", "status"), statuses);
    startAndWaitConnected();
    publishFromPanel("event", "e1");
    ASSERT_TRUE(waitFor(events, "e1")) << broker_.log();

    drop(eventSubscription);
    // The daemon's own packets reach the broker in order: UNSUBSCRIBE, then an event the
    // unsubscribed filter would match, then a marker on a filter still held. Had the broker
    // still delivered the event, no handler would match it and it would be unrouted.
    io_.run([&] {
        router_->publish(panelTopic("p-a", "event"), "after-unsubscribe");
        router_->publish(panelTopic("p-a", "status"), "marker");
    });
    ASSERT_TRUE(waitFor(statuses, "marker")) << broker_.log();
    EXPECT_EQ(payloads(events.messages()), std::vector<std::string>{"e1"});
    EXPECT_TRUE(unrouted_.messages().empty()) << unrouted_.messages().front().payload;
}

TEST_F(MqttRouterBrokerTest, EverySubscriptionComesBackAfterABrokerRestartThatLostTheSession) {
    test::LinkRecorder events;
    startAndWaitConnected();
    subscribe(panelTopic("+", "event"), events);  // at run time, after the first connect
    // Subscriptions land asynchronously: publish until the first event gets through.
    bool landed = false;
    for (int i = 0; i < 50 && !landed; ++i) {
        publishFromPanel("event", "probe-" + std::to_string(i));
        landed = events.waitForMessages(1, std::chrono::milliseconds(200));
    }
    ASSERT_TRUE(landed) << broker_.log();

    broker_.stop();
    ASSERT_TRUE(daemon_.waitForConnected(false));
    // A broker that lost its state (restarted without its database) knows no subscription:
    // only the link subscribing its whole set again brings delivery back.
    std::filesystem::remove(broker_.runDir() / "broker" / "mosquitto.db");
    test::LinkRecorder statuses;
    subscribe(panelTopic("+", "status"), statuses);  // made while the broker is down
    const auto reportsBefore = daemon_.reports().size();
    broker_.start();
    ASSERT_TRUE(daemon_.waitFor([&](const auto&, const auto& reports) {
        return reports.size() > reportsBefore && reports.back().connected;
    })) << broker_.log();
    ASSERT_TRUE(panelRecorder_.waitForConnected()) << broker_.log();

    publishFromPanel("event", "after-restart");
    publishFromPanel("status", "status-after-restart");
    EXPECT_TRUE(waitFor(events, "after-restart")) << broker_.log();
    EXPECT_TRUE(waitFor(statuses, "status-after-restart")) << broker_.log();
}

TEST_F(MqttRouterBrokerTest, HandlersOnOverlappingFiltersAreEachCalledOnce) {
    test::LinkRecorder site;
    test::LinkRecorder anyEvent;
    test::LinkRecorder anyEventToo;  // the same filter as anyEvent: one broker subscription
    test::LinkRecorder exact;
    test::LinkRecorder statuses;
    subscribe("sekimori/" + kSite + "/#", site);
    subscribe(panelTopic("+", "event"), anyEvent);
    subscribe(panelTopic("+", "event"), anyEventToo);
    subscribe(panelTopic("p-a", "event"), exact);
    subscribe(panelTopic("+", "status"), statuses);
    startAndWaitConnected();  // subscribed before start: acknowledged before "connected"

    publishFromPanel("event", "e1");
    publishFromPanel("event", "e2");
    // A duplicate would come before the panel's next message, so once e2 is in everywhere,
    // every copy there will be is in.
    for (auto* recorder : {&site, &anyEvent, &anyEventToo, &exact}) {
        ASSERT_TRUE(waitFor(*recorder, "e2")) << broker_.log();
        EXPECT_EQ(payloads(recorder->messages()), (std::vector<std::string>{"e1", "e2"}));
    }
    EXPECT_TRUE(statuses.messages().empty());
    EXPECT_TRUE(unrouted_.messages().empty());
}

TEST_F(MqttRouterBrokerTest, ANewHandlerOnAFilterInUseGetsTheRetainedState) {
    test::LinkRecorder first;
    subscribe(panelTopic("+", "status"), first);
    startAndWaitConnected();
    publishFromPanel("status", "online", true);
    ASSERT_TRUE(waitFor(first, "online")) << broker_.log();

    test::LinkRecorder second;
    subscribe(panelTopic("+", "status"), second);
    ASSERT_TRUE(waitFor(second, "online")) << broker_.log();
    EXPECT_TRUE(second.messages().front().retained);
    // The broker replays it for the filter, so the first handler sees it again, flagged.
    ASSERT_TRUE(first.waitForMessages(2)) << broker_.log();
    EXPECT_TRUE(first.messages().back().retained);
}

}  // namespace
}  // namespace sekimori::io
