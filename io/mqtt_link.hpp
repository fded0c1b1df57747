#pragma once
// The MQTT transport: one interface, a real implementation (Paho, io/paho_mqtt_link) and a
// simulated one (in-memory broker, io/simulated_mqtt_link) for unit tests of one class.
// Handlers run on the executor given at construction — the daemon's io thread — never on
// the library's own threads. publish() never blocks; while offline, messages are queued (in
// memory, or on disk when the real implementation is given a persistence dir) and delivered in
// order on reconnect.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sekimori::io {

// The largest payload the site broker delivers (scripts/broker: message_size_limit); a bigger
// publish would be dropped by the broker and its packet would close the connection, so the link
// refuses it before it is queued (else Paho would resend it, and be dropped, on every reconnect).
inline constexpr std::size_t kMaxMqttPayloadBytes = 262144;

struct MqttMessage {
    std::string topic;
    std::string payload;
    bool retained = false;
};

struct MqttOptions {
    std::string serverUri = "tcp://127.0.0.1:1883";
    std::string clientId;  // stable: the session is persistent (clean session off)
    std::string username;  // one account per device and per service
    std::string password;  // never logged; unused (may be empty) with a client certificate
    // TLS, used when serverUri starts with ssl:// (or mqtts://): the server's certificate must
    // chain to caFile and name the host of serverUri. certFile + keyFile (PEM, key 0600) are the
    // client certificate; on the broker's panel listener its CN is the user name (docs/broker.md).
    std::string caFile;
    std::string certFile;
    std::string keyFile;
    // Paho's on-disk QoS 1 store; empty = in memory only (what the daemon uses: its database is
    // the outbox, see docs/mqtt.md, and file persistence writes on the caller's thread).
    std::string persistenceDir;
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

    // Adds or drops a topic filter at run time (QoS 1), before or after start(). The link keeps
    // the set (it starts as MqttOptions::subscriptions) and subscribes all of it again after
    // every reconnect, before it reports "connected". The set is idempotent per filter, but
    // subscribing a filter already in it sends the SUBSCRIBE again while connected, so the
    // broker re-sends the retained messages it matches (how a second handler on one filter
    // learns the current state). A filter dropped while offline is unsubscribed on the next
    // connect (the broker session is persistent); after stop() the broker is left untouched,
    // so the session keeps queueing for the next run. io thread only.
    virtual void subscribe(const std::string& filter) = 0;
    virtual void unsubscribe(const std::string& filter) = 0;

    virtual void start() = 0;  // connects in the background; reconnects with backoff
    virtual void stop() = 0;   // disconnects cleanly; no handler runs after it returns
    virtual void publish(const std::string& topic, const std::string& payload,
                         bool retained = false) = 0;
    virtual bool connected() const = 0;
};

}  // namespace sekimori::io
