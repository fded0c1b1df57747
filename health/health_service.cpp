#include "health/health_service.hpp"

#include <boost/asio/steady_timer.hpp>

#include "core/log.hpp"
#include "health/broker_stats.hpp"
#include "health/health_events.hpp"
#include "health/health_json.hpp"
#include "health/health_monitor.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/topics.hpp"

namespace sekimori::health {
namespace {

constexpr std::string_view kComponent = "health";

}  // namespace

struct HealthService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(HealthServiceParts p)
        : parts(std::move(p)), monitor(parts.config, parts.clock.nowUs()), timer(parts.executor) {}

    void onPanelMessage(const io::MqttMessage& message) {
        auto topic = protocol::parsePanelTopic(parts.site, message.topic);
        if (!topic || topic->channel == protocol::PanelChannel::reply ||
            topic->channel == protocol::PanelChannel::command) {
            return;  // replies and commands are the controller's own, echoed by the broker
        }
        const core::TimeUs now = parts.clock.nowUs();
        if (topic->channel == protocol::PanelChannel::status) {
            auto status = protocol::parsePanelStatus(message.payload);
            if (status) {
                monitor.panelStatus(topic->panel, status.value->online, status.value->firmware);
            }
        }
        if (message.retained) {
            return;  // the state as it was, not a sign of life now
        }
        if (auto change = monitor.panelMessage(topic->panel, now)) {
            report(*change);
        }
    }

    void onBrokerStat(const io::MqttMessage& message) {
        if (auto change = monitor.brokerStat(message.topic, message.payload, parts.clock.nowUs())) {
            report(*change);
        }
    }

    void onConnection(bool connected) {
        if (connected) {
            monitor.linkBack(parts.clock.nowUs());
        } else {
            monitor.linkLost();
        }
    }

    void report(const HealthChange& change) {
        core::Event event = toEvent(change);
        core::logInfo(kComponent, event.type + " " + event.payload);
        parts.recorder.record(std::move(event));
    }

    // Re-armed only after a check completes: checks never overlap, and stop() ends the loop.
    void armTimer() {
        timer.expires_after(parts.checkInterval);
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) {
                return;
            }
            for (const auto& change : self->monitor.check(self->parts.clock.nowUs())) {
                self->report(change);
            }
            self->armTimer();
        });
    }

    HealthServiceParts parts;
    HealthMonitor monitor;
    boost::asio::steady_timer timer;
    std::vector<io::MqttRouter::Subscription> subscriptions;
    bool running = false;
};

HealthService::HealthService(HealthServiceParts parts)
    : impl_(std::make_shared<Impl>(std::move(parts))) {}

HealthService::~HealthService() {
    stop();
}

core::Result<void> HealthService::start() {
    if (impl_->running) {
        return {};
    }
    auto& router = impl_->parts.router;
    std::weak_ptr<Impl> weak = impl_;
    auto panelSub = router.subscribe(protocol::panelWildcard(impl_->parts.site),
                                     [weak](const io::MqttMessage& m) {
                                         if (auto self = weak.lock()) {
                                             self->onPanelMessage(m);
                                         }
                                     });
    if (!panelSub) {
        return core::makeError("health.subscribe", "cannot subscribe to the panel topics");
    }
    impl_->subscriptions.push_back(std::move(panelSub));
    for (const auto& topic : brokerStatTopics()) {
        auto sub = router.subscribe(topic, [weak](const io::MqttMessage& m) {
            if (auto self = weak.lock()) {
                self->onBrokerStat(m);
            }
        });
        if (!sub) {
            impl_->subscriptions.clear();
            return core::makeError("health.subscribe", "cannot subscribe to " + topic);
        }
        impl_->subscriptions.push_back(std::move(sub));
    }
    impl_->subscriptions.push_back(router.onConnection([weak](bool connected, const std::string&) {
        if (auto self = weak.lock()) {
            self->onConnection(connected);
        }
    }));
    impl_->onConnection(router.connected());
    impl_->running = true;
    impl_->armTimer();
    return {};
}

void HealthService::stop() {
    if (!impl_->running) {
        return;
    }
    impl_->running = false;
    impl_->timer.cancel();
    impl_->subscriptions.clear();
}

std::vector<core::ApiRoute> HealthService::routes() {
    std::weak_ptr<Impl> weak = impl_;
    core::ApiRoute route;
    route.method = core::HttpMethod::get;
    route.pattern = "/api/health";
    route.roles = kHealthRoles;
    route.runOn = core::RunOn::io;  // reads the monitor, which lives on the io thread
    route.handler = [weak](const core::ApiCall&, const core::ApiReply& reply) {
        auto self = weak.lock();
        if (!self) {
            reply(core::apiError(503, "the health service has stopped"));
            return;
        }
        reply(core::ApiResult{200,
                              healthJson(self->monitor, self->parts.router.connected(),
                                         self->parts.clock.nowUs(), self->parts.utcOffsetMinutes)});
    };
    return {std::move(route)};
}

std::vector<core::EventVisibility> HealthService::eventVisibility() {
    return {core::EventVisibility{"health.", kHealthRoles}};
}

std::optional<core::UiPlugin> HealthService::uiPlugin() {
    return core::UiPlugin{"health", impl_->parts.webDir, "index.js", kHealthRoles};
}

}  // namespace sekimori::health
