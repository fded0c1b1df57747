#pragma once
// One MQTT link shared by every domain: each handler subscribes with its own topic filter
// (MQTT wildcards + and #), at run time, and is re-subscribed after every reconnect. Handlers
// run on the io thread. A message reaches every handler whose filter matches it, once, however
// many of them overlap; the retained flag is passed through (request and event handlers ignore
// retained messages). A message no handler takes goes to the unrouted handler (the app records
// mqtt.foreign_topic). docs/mqtt.md ("The router") says how a domain uses it.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mqtt_link.hpp"
#include "io/mqtt_topic_filter.hpp"

namespace sekimori::io {

class MqttRouter {
  public:
    using Handler = std::function<void(const MqttMessage&)>;
    using ConnectionHandler = MqttLink::ConnectionHandler;
    // Dropping the last copy unsubscribes: the handler is not called again, even later in a
    // dispatch under way, and the filter leaves the broker when no handler needs it any more.
    using Subscription = std::shared_ptr<void>;
    // Requests and events are acted on once, live: a retained one (the ACL cannot stop a client
    // retaining on any topic it may publish to) would be acted on again at every reconnect.
    enum class Retained { deliver, ignore };

    // Installs itself as the link's only message and connection handler; call before
    // link.start(). The link must outlive the router. Destroying the router leaves the link's
    // broker subscriptions in place (the persistent session keeps queueing for the next run).
    explicit MqttRouter(MqttLink& link);
    ~MqttRouter();
    MqttRouter(const MqttRouter&) = delete;
    MqttRouter& operator=(const MqttRouter&) = delete;

    // Everything below: on the io thread only, also from inside a handler during a dispatch (a
    // handler added then sees the next message, not the current one).
    //
    // Subscribes the link to `filter` (QoS 1) if no handler had it yet, and sends the SUBSCRIBE
    // again if one had, so the broker replays the retained messages the filter matches: a new
    // handler learns the current state like a fresh MQTT client, and handlers already on a
    // matching filter may see those retained messages again (as after any reconnect).
    // With Retained::ignore the handler never sees a retained message (it is logged, and not
    // unrouted). An invalid filter or an empty handler is a programming error: returns nullptr
    // and logs.
    [[nodiscard]] Subscription subscribe(std::string filter, Handler handler,
                                         Retained retained = Retained::deliver);
    // Called with every connection change: `true` once the broker has acknowledged the
    // subscriptions the link had at connect time. Not replayed: ask connected() at start.
    [[nodiscard]] Subscription onConnection(ConnectionHandler handler);
    // Receives what no handler matched (at most one; a new one replaces the old).
    void onUnrouted(Handler handler);

    // At shutdown, once the recorder no longer stores: messages still arriving are counted and
    // not handed to any handler (the broker keeps the session's subscriptions meanwhile).
    void stopDelivering();
    std::size_t undeliveredCount() const { return undelivered_; }

    void publish(const std::string& topic, const std::string& payload, bool retained = false);
    bool connected() const;
    std::size_t handlerCount() const;  // live message handlers

  private:
    struct Route;     // one message handler, its filter and whether it may still run
    struct Listener;  // one connection handler

    void dispatch(const MqttMessage& message);
    void notifyConnection(bool connected, const std::string& reason);
    void retire(const std::shared_ptr<Route>& route);
    void retire(const std::shared_ptr<Listener>& listener);

    MqttLink& link_;
    std::vector<std::shared_ptr<Route>> routes_;    // in subscription order
    std::map<std::string, std::size_t> filterUse_;  // filter -> live routes using it
    std::vector<std::shared_ptr<Listener>> listeners_;
    Handler unrouted_;
    bool delivering_ = true;
    std::size_t undelivered_ = 0;
    // Subscriptions and the link's handlers reach the router through this only while it lives.
    std::shared_ptr<MqttRouter*> self_;
};

}  // namespace sekimori::io
