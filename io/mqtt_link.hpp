#pragma once
// The MQTT transport: one interface, a real implementation (Paho, io/paho_mqtt_link) and a
// simulated one (in-memory broker, io/simulated_mqtt_link) for unit tests of one class.
// Handlers run on the executor given at construction — the daemon's io thread — never on
// the library's own threads. publish() never blocks; while offline, messages are queued
// (and persisted on disk by the real implementation) and delivered in order on reconnect.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sekimori::io {

struct MqttMessage {
    std::string topic;
    std::string payload;
    bool retained = false;
};

struct MqttOptions {
    std::string serverUri = "tcp://127.0.0.1:1883";
    std::string clientId;        // stable: the session is persistent (clean session off)
    std::string username;        // one account per device and per service
    std::string password;        // never logged
    std::string persistenceDir;  // on-disk QoS 1 store; empty = in memory only
    std::vector<std::string> subscriptions;  // (re)subscribed at QoS 1 on every connect
    std::string willTopic;                   // optional last will, e.g. a retained "offline" status
    std::string willPayload;
    bool willRetained = true;
    std::chrono::milliseconds minBackoff{100};
    std::chrono::milliseconds maxBackoff{5000};
};

class MqttLink {
  public:
    using MessageHandler = std::function<void(const MqttMessage&)>;
    // connected == false carries the reason (refused credentials, lost link, ...).
    using ConnectionHandler = std::function<void(bool connected, const std::string& reason)>;

    virtual ~MqttLink() = default;

    // Set handlers before start().
    virtual void onMessage(MessageHandler handler) = 0;
    virtual void onConnection(ConnectionHandler handler) = 0;

    // Adds or drops a topic filter at run time (QoS 1); the link keeps the set and subscribes
    // it again after every reconnect. Idempotent per filter. io thread only.
    virtual void subscribe(const std::string& filter) = 0;
    virtual void unsubscribe(const std::string& filter) = 0;

    virtual void start() = 0;  // connects in the background; reconnects with backoff
    virtual void stop() = 0;   // disconnects cleanly; no handler runs after it returns
    virtual void publish(const std::string& topic, const std::string& payload,
                         bool retained = false) = 0;
    virtual bool connected() const = 0;
};

}  // namespace sekimori::io
