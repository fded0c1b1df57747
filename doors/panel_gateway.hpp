#pragma once
// The MQTT edge of our panels (door panels now, circle gates later): subscribes through the
// router to the site's panel request, event and status topics, takes the panel id from the
// topic (never the payload), refuses panels the site does not declare, parses each payload
// strictly and hands the typed message on. Retained requests and events are ignored (the
// broker does not stop a retained publish by ACL alone; a retained request would replay on
// every reconnect). Refusals become mqtt.bad_payload / mqtt.foreign_topic events, a warning
// and a message on the site's error topic. io thread only.
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/event_recorder.hpp"
#include "core/event_type.hpp"
#include "core/result.hpp"
#include "io/mqtt_router.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/topics.hpp"

namespace sekimori::doors {

class PanelGateway {
  public:
    struct Handlers {
        std::function<void(const std::string& panel, const std::string& topic,
                           const protocol::PanelRequest& request)>
            onRequest;
        std::function<void(const std::string& panel, const std::string& topic,
                           const protocol::PanelEvent& event)>
            onEvent;
        std::function<void(const std::string& panel, const protocol::PanelStatus& status)> onStatus;
    };

    PanelGateway(io::MqttRouter& router, core::EventRecorder& recorder, const core::Clock& clock,
                 std::string site, std::set<std::string> panels);
    ~PanelGateway();
    PanelGateway(const PanelGateway&) = delete;
    PanelGateway& operator=(const PanelGateway&) = delete;

    // Subscribes the request, event and status filters of the site.
    core::Result<void> start(Handlers handlers);
    // Unsubscribes; no handler runs after it returns.
    void stop();
    bool started() const { return !subscriptions_.empty(); }

    void reply(const std::string& panel, const protocol::PanelReply& message);
    // Records the error event, logs a warning and publishes it on the site's error topic.
    void reportError(core::EventType type, const std::string& topic, const std::string& panel,
                     const std::string& what);
    // An error operators must hear even when the store is down: published on the error topic
    // and logged as an error at once, and handed to the recorder, which stores it if it can.
    void raiseError(core::Event event);

    const std::string& site() const { return site_; }

  private:
    void dispatch(protocol::PanelChannel channel, const io::MqttMessage& message);

    io::MqttRouter& router_;
    core::EventRecorder& recorder_;
    const core::Clock& clock_;
    std::string site_;
    std::set<std::string> panels_;
    Handlers handlers_;
    std::vector<io::MqttRouter::Subscription> subscriptions_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::doors
