#include "doors/panel_gateway.hpp"

#include "core/core_event_types.hpp"
#include "core/log.hpp"
#include "doors/door_events.hpp"
#include "protocol/topics.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";

}  // namespace

PanelGateway::PanelGateway(io::MqttRouter& router, core::EventRecorder& recorder,
                           const core::Clock& clock, std::string site, std::set<std::string> panels)
    : router_(router),
      recorder_(recorder),
      clock_(clock),
      site_(std::move(site)),
      panels_(std::move(panels)) {}

PanelGateway::~PanelGateway() {
    stop();
}

core::Result<void> PanelGateway::start(Handlers handlers) {
    if (started()) {
        return {};
    }
    handlers_ = std::move(handlers);
    for (auto channel : {protocol::PanelChannel::request, protocol::PanelChannel::event,
                         protocol::PanelChannel::status}) {
        auto subscription = router_.subscribe(
            protocol::panelChannelFilter(site_, channel),
            [this, channel, alive = std::weak_ptr<int>(alive_)](const io::MqttMessage& message) {
                if (!alive.expired()) {
                    dispatch(channel, message);
                }
            });
        if (!subscription) {
            subscriptions_.clear();
            return core::makeError(
                "doors.subscribe",
                "cannot subscribe to " + protocol::panelChannelFilter(site_, channel));
        }
        subscriptions_.push_back(std::move(subscription));
    }
    return {};
}

void PanelGateway::stop() {
    alive_ = std::make_shared<int>(0);
    subscriptions_.clear();
}

void PanelGateway::dispatch(protocol::PanelChannel channel, const io::MqttMessage& message) {
    auto topic = protocol::parsePanelTopic(site_, message.topic);
    if (!topic || topic->channel != channel) {
        reportError(core::kMqttForeignTopic, message.topic, "",
                    "topic is not sekimori/" + site_ + "/panel/<panel>/<channel>");
        return;
    }
    if (panels_.count(topic->panel) == 0) {
        reportError(core::kMqttForeignTopic, message.topic, topic->panel,
                    "panel '" + topic->panel + "' is not in the site configuration");
        return;
    }
    const std::string& panel = topic->panel;
    switch (channel) {
        case protocol::PanelChannel::request: {
            if (message.retained) {
                core::logWarning(kComponent, "retained request on " + message.topic + " ignored");
                return;
            }
            auto parsed = protocol::parsePanelRequest(message.payload);
            if (!parsed) {
                reportError(core::kMqttBadPayload, message.topic, panel, parsed.error);
                return;
            }
            if (handlers_.onRequest) {
                handlers_.onRequest(panel, message.topic, *parsed.value);
            }
            return;
        }
        case protocol::PanelChannel::event: {
            if (message.retained) {
                core::logWarning(kComponent, "retained event on " + message.topic + " ignored");
                return;
            }
            auto parsed = protocol::parsePanelEvent(message.payload);
            if (!parsed) {
                reportError(core::kMqttBadPayload, message.topic, panel, parsed.error);
                return;
            }
            if (handlers_.onEvent) {
                handlers_.onEvent(panel, message.topic, *parsed.value);
            }
            return;
        }
        case protocol::PanelChannel::status: {
            // Retained on purpose: the broker hands the last status to every new subscriber.
            auto parsed = protocol::parsePanelStatus(message.payload);
            if (!parsed) {
                reportError(core::kMqttBadPayload, message.topic, panel, parsed.error);
                return;
            }
            if (handlers_.onStatus) {
                handlers_.onStatus(panel, *parsed.value);
            }
            return;
        }
        case protocol::PanelChannel::reply:
            return;  // not subscribed
    }
}

void PanelGateway::reply(const std::string& panel, const protocol::PanelReply& message) {
    router_.publish(protocol::panelTopic(site_, panel, protocol::PanelChannel::reply),
                    protocol::encode(message));
}

void PanelGateway::reportError(core::EventType type, const std::string& topic,
                               const std::string& panel, const std::string& what) {
    core::logWarning(kComponent, std::string(type.name) + " on " + topic + ": " + what);
    core::Event event = edgeErrorEvent(type, topic, panel, what, clock_.nowUs());
    router_.publish(protocol::errorTopic(site_), errorTopicPayload(event));
    recorder_.record(std::move(event));
}

void PanelGateway::raiseError(core::Event event) {
    core::logError(kComponent, event.type + " from " + event.source + ": " + event.payload);
    router_.publish(protocol::errorTopic(site_), errorTopicPayload(event));
    recorder_.record(std::move(event));
}

}  // namespace sekimori::doors
