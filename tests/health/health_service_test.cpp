// The health service on io's simulated MQTT link: what it hears from panels and the broker's
// $SYS topics, the events it records, GET /api/health, and that stop() ends everything. The
// silence clock is a ManualClock; the test waits on conditions, never a fixed time.
#include "health/health_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <vector>

#include "health/broker_stats.hpp"
#include "health/health_event_types.hpp"
#include "io/mqtt_router.hpp"
#include "io/simulated_mqtt_link.hpp"
#include "protocol/topics.hpp"

namespace sekimori::health {
namespace {

// Keeps what the service records. Health replies to nobody, so the moment of durability does
// not matter here: nothing waits on it.
class KeptEvents final : public core::EventRecorder {
  public:
    void record(core::Event event) override { events.push_back(std::move(event)); }
    void commit(core::Change change) override {
        for (auto& e : change.events) {
            events.push_back(std::move(e));
        }
    }
    std::vector<core::Event> events;
};

class HealthServiceTest : public ::testing::Test {
  protected:
    HealthServiceTest()
        : broker_(io_.get_executor()), link_(broker_.makeLink(options())), router_(*link_) {}

    static io::MqttOptions options() {
        io::MqttOptions o;
        o.clientId = "sekimorid-fx";
        return o;
    }

    HealthServiceParts parts(std::chrono::seconds silentAfter = std::chrono::seconds(30)) {
        HealthConfig config;
        config.panelSilentAfter = silentAfter;
        config.brokerStatsLostAfter = std::chrono::seconds(60);
        config.rateWindow = std::chrono::seconds(10);
        config.panels = {"p-a", "p-b"};
        return HealthServiceParts{io_.get_executor(),
                                  router_,
                                  recorder_,
                                  clock_,
                                  "fx",
                                  540,
                                  config,
                                  "/srv/x/web",
                                  std::chrono::milliseconds(1)};
    }

    // Runs the io_context until `done` holds; false after 5 s of real time (a hang).
    bool runUntil(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            io_.run_for(std::chrono::milliseconds(2));
        }
        return true;
    }

    bool recorded(std::string_view type) const {
        for (const auto& e : recorder_.events) {
            if (e.type == type) {
                return true;
            }
        }
        return false;
    }

    nlohmann::json getHealth(HealthService& service) {
        auto routes = service.routes();
        EXPECT_EQ(routes.size(), 1U);
        nlohmann::json body;
        routes.at(0).handler(core::ApiCall{}, [&](core::ApiAnswer answer) {
            auto& result = std::get<core::ApiResult>(answer);
            EXPECT_EQ(result.status, 200);
            body = result.body;
        });
        return body;
    }

    std::string topic(std::string_view panel, protocol::PanelChannel channel) {
        return protocol::panelTopic("fx", panel, channel);
    }

    boost::asio::io_context io_;
    io::SimulatedMqttBroker broker_;
    std::unique_ptr<io::MqttLink> link_;
    io::MqttRouter router_;
    core::ManualClock clock_;
    KeptEvents recorder_;
};

TEST_F(HealthServiceTest, ServesPanelsAndBrokerFiguresAsTheyArrive) {
    // p-a connected before the daemon: its retained status is all there is of it.
    broker_.publish(topic("p-a", protocol::PanelChannel::status),
                    R"({"online":true,"firmware":"sekimori-panel 0.1.0"})", true);
    HealthService service(parts());
    ASSERT_TRUE(service.start().ok());
    link_->start();
    ASSERT_TRUE(runUntil([&] { return getHealth(service)["panels"][0]["online"] == true; }));

    auto health = getHealth(service);
    EXPECT_EQ(health["utc_offset_minutes"], 540);
    EXPECT_EQ(health["now_us"], clock_.nowUs());
    EXPECT_EQ(health["rate_window_s"], 10);
    EXPECT_EQ(health["panels"][0]["firmware"], "sekimori-panel 0.1.0");
    EXPECT_TRUE(health["panels"][0]["last_seen_us"].is_null()) << "retained is not a sign of life";
    EXPECT_TRUE(health["panels"][1]["online"].is_null());
    EXPECT_TRUE(health["broker"]["connected"].get<bool>());
    EXPECT_TRUE(health["broker"]["clients_connected"].is_null());

    broker_.publish(topic("p-b", protocol::PanelChannel::event),
                    R"({"door":"d","event":"opened"})");
    broker_.publish(std::string(kSysClientsConnected), "3", true);
    broker_.publish(std::string(kSysReceivedPerMinute), "600");
    ASSERT_TRUE(runUntil([&] {
        auto h = getHealth(service);
        return h["panels"][1]["messages"] == 1 && h["broker"]["clients_connected"] == 3 &&
               !h["broker"]["messages_received_per_s"].is_null();
    }));
    health = getHealth(service);
    EXPECT_EQ(health["panels"][1]["last_seen_us"], clock_.nowUs());
    EXPECT_DOUBLE_EQ(health["broker"]["messages_received_per_s"].get<double>(), 10.0);
    EXPECT_TRUE(recorder_.events.empty());
    service.stop();
}

TEST_F(HealthServiceTest, RecordsASilentPanelAndItsReturn) {
    HealthService service(parts());
    ASSERT_TRUE(service.start().ok());
    link_->start();
    broker_.publish(topic("p-a", protocol::PanelChannel::status),
                    R"({"online":true,"firmware":"fw"})", true);
    ASSERT_TRUE(runUntil([&] { return getHealth(service)["panels"][0]["online"] == true; }));

    clock_.advanceMs(31'000);
    ASSERT_TRUE(runUntil([&] { return recorded(kHealthPanelSilent); }));
    EXPECT_EQ(recorder_.events.back().payload, R"({"panel":"p-a","quiet_s":31})");
    EXPECT_TRUE(getHealth(service)["panels"][0]["silent"].get<bool>());

    broker_.publish(topic("p-a", protocol::PanelChannel::request), R"({"door":"d"})");
    ASSERT_TRUE(runUntil([&] { return recorded(kHealthPanelBack); }));
    EXPECT_FALSE(getHealth(service)["panels"][0]["silent"].get<bool>());
    service.stop();
}

TEST_F(HealthServiceTest, RecordsBrokerFiguresLostAndBack) {
    HealthService service(parts(std::chrono::seconds(0)));
    ASSERT_TRUE(service.start().ok());
    link_->start();
    ASSERT_TRUE(runUntil([&] { return router_.connected(); }));
    clock_.advanceMs(60'000);
    ASSERT_TRUE(runUntil([&] { return recorded(kHealthBrokerStatsLost); }));
    broker_.publish(std::string(kSysUptime), "42 seconds");
    ASSERT_TRUE(runUntil([&] { return recorded(kHealthBrokerStatsBack); }));
    EXPECT_EQ(getHealth(service)["broker"]["uptime_s"], 42);
    service.stop();
}

TEST_F(HealthServiceTest, NothingRunsAfterStop) {
    HealthService service(parts());
    ASSERT_TRUE(service.start().ok());
    link_->start();
    broker_.publish(topic("p-a", protocol::PanelChannel::status),
                    R"({"online":true,"firmware":"fw"})", true);
    ASSERT_TRUE(runUntil([&] { return getHealth(service)["panels"][0]["online"] == true; }));
    service.stop();
    EXPECT_EQ(router_.handlerCount(), 0U);
    broker_.publish(topic("p-b", protocol::PanelChannel::event),
                    R"({"door":"d","event":"opened"})");
    clock_.advanceMs(600'000);
    io_.run_for(std::chrono::milliseconds(50));  // whatever was still queued has run
    EXPECT_TRUE(recorder_.events.empty());
    EXPECT_EQ(getHealth(service)["panels"][1]["messages"], 0);
}

TEST_F(HealthServiceTest, DeclaresItsRouteEventsAndCardForTheSameRoles) {
    HealthService service(parts());
    const auto routes = service.routes();
    ASSERT_EQ(routes.size(), 1U);
    EXPECT_EQ(routes[0].pattern, "/api/health");
    EXPECT_EQ(routes[0].method, core::HttpMethod::get);
    EXPECT_EQ(routes[0].runOn, core::RunOn::io);
    for (auto role : core::kAllRoles) {
        // The desk and the admins watch health; the auditor and the BCP coordinator do not.
        const bool allowed = role == core::Role::deskOperator ||
                             role == core::Role::facilityAdmin || role == core::Role::securityAdmin;
        EXPECT_EQ(routes[0].roles.contains(role), allowed) << core::roleName(role);
        EXPECT_EQ(service.eventVisibility().at(0).roles.contains(role), allowed);
        EXPECT_EQ(service.uiPlugin()->roles.contains(role), allowed);
    }
    EXPECT_EQ(service.eventVisibility().at(0).typePrefix, "health.");
    EXPECT_EQ(service.uiPlugin()->name, "health");
    EXPECT_EQ(service.uiPlugin()->webDir, "/srv/x/web");
}

}  // namespace
}  // namespace sekimori::health
