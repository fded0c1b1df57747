#pragma once
// An in-memory MQTT broker and links with the MqttLink interface, for unit tests of one class
// (a door controller, a panel client) without a broker process. It routes with + and #
// wildcards (once per link, however many of its filters match, as mosquitto does), keeps
// retained messages and sends them flagged as retained to each new subscription, queues
// publishes while offline and publishes wills, all on the given executor. It is not proof a feature
// works: it has no ACL, no network, no persistence across processes and none of Paho's threads.
// Anything that must hold against the real broker is tested in tests/io or tests/integration with
// tests/io/broker_fixture.hpp.
#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/mqtt_link.hpp"

namespace sekimori::io {

class SimulatedMqttBroker {
  public:
    explicit SimulatedMqttBroker(boost::asio::any_io_executor executor);
    ~SimulatedMqttBroker();
    SimulatedMqttBroker(const SimulatedMqttBroker&) = delete;
    SimulatedMqttBroker& operator=(const SimulatedMqttBroker&) = delete;

    // A link to this broker; it may outlive the broker (it then stays disconnected).
    std::unique_ptr<MqttLink> makeLink(MqttOptions options);

    // When set, only these user name -> password pairs may connect; others are refused with
    // "refused: not authorised", as mosquitto does.
    void requireCredentials(std::map<std::string, std::string> accounts);

    // Broker down: every link is told it lost the connection and queues its publishes; broker
    // up: links reconnect, resubscribe, get retained messages and flush their queues in order.
    void setOnline(bool online);
    bool online() const { return online_; }

    // The link with this client id loses its connection uncleanly: its last will is published.
    // It stays offline until restoreClient().
    void dropClient(const std::string& clientId);
    void restoreClient(const std::string& clientId);

    // Publishes as if from an outside client (a panel, the daemon) — delivered asynchronously.
    void publish(const std::string& topic, const std::string& payload, bool retained = false);

    // Every message the broker accepted, in order (wills included).
    const std::vector<MqttMessage>& accepted() const { return accepted_; }
    std::optional<MqttMessage> retainedMessage(const std::string& topic) const;
    // The filters the session of this client id holds now (empty for an unknown one).
    std::set<std::string> subscriptions(const std::string& clientId) const;

  private:
    struct LinkCore;
    class Link;
    friend class Link;

    void connectLink(const std::shared_ptr<LinkCore>& core);
    void route(const MqttMessage& message);
    void deliverRetained(const std::shared_ptr<LinkCore>& core, const std::string& filter);
    void deliver(const std::shared_ptr<LinkCore>& core, MqttMessage message);
    void notifyConnection(const std::shared_ptr<LinkCore>& core, bool connected,
                          std::string reason);
    std::vector<std::shared_ptr<LinkCore>> liveLinks();

    boost::asio::any_io_executor executor_;
    std::shared_ptr<SimulatedMqttBroker*> self_;  // links reach the broker only while it lives
    bool online_ = true;
    std::optional<std::map<std::string, std::string>> credentials_;
    std::vector<std::weak_ptr<LinkCore>> links_;
    std::map<std::string, MqttMessage> retained_;
    std::vector<MqttMessage> accepted_;
};

}  // namespace sekimori::io
