#pragma once
// One MQTT link shared by every domain: each handler subscribes with its own topic filter
// (MQTT wildcards + and #), at run time, and is re-subscribed after every reconnect. Handlers
// run on the io thread. A message reaches every handler whose filter matches it; the retained
// flag is passed through (request and event handlers ignore retained messages). A message no
// handler takes goes to the unrouted handler (the app records mqtt.foreign_topic).
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mqtt_link.hpp"

namespace sekimori::io {

// True when `topic` matches the MQTT subscription `filter` ("a/+/c", "a/#").
bool topicMatches(std::string_view filter, std::string_view topic);
// A filter is valid MQTT: no empty string, '#' only last and alone in its level, '+' alone.
bool isValidTopicFilter(std::string_view filter);

class MqttRouter {
  public:
    using Handler = std::function<void(const MqttMessage&)>;
    using ConnectionHandler = MqttLink::ConnectionHandler;
    // Dropping the last copy unsubscribes (the filter leaves the broker when no handler
    // needs it any more).
    using Subscription = std::shared_ptr<void>;

    // Installs itself as the link's only message and connection handler; call before
    // link.start().
    explicit MqttRouter(MqttLink& link);
    ~MqttRouter();
    MqttRouter(const MqttRouter&) = delete;
    MqttRouter& operator=(const MqttRouter&) = delete;

    // On the io thread. An invalid filter is a programming error: returns nullptr and logs.
    [[nodiscard]] Subscription subscribe(std::string filter, Handler handler);
    [[nodiscard]] Subscription onConnection(ConnectionHandler handler);
    void onUnrouted(Handler handler);

    void publish(const std::string& topic, const std::string& payload, bool retained = false);
    bool connected() const;
    std::size_t handlerCount() const;

  private:
    struct Entry;
    void dispatch(const MqttMessage& message);
    void release(const std::string& filter);

    MqttLink& link_;
    std::vector<std::weak_ptr<Entry>> entries_;
    std::map<std::string, std::size_t> filterUse_;  // filter -> live handlers using it
    std::vector<std::weak_ptr<ConnectionHandler>> connectionHandlers_;
    Handler unrouted_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::io
