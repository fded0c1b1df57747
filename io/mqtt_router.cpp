#include "io/mqtt_router.hpp"

#include <algorithm>
#include <utility>

#include "core/log.hpp"

namespace sekimori::io {
namespace {

constexpr std::string_view kComponent = "mqtt";

}  // namespace

struct MqttRouter::Route {
    std::string filter;
    Handler handler;
    Retained retained;
    bool active = true;  // false once its subscription is dropped
};

struct MqttRouter::Listener {
    ConnectionHandler handler;
    bool active = true;
};

MqttRouter::MqttRouter(MqttLink& link) : link_(link), self_(std::make_shared<MqttRouter*>(this)) {
    const std::weak_ptr<MqttRouter*> weak = self_;
    link_.onMessage([weak](const MqttMessage& message) {
        if (const auto self = weak.lock()) {
            (*self)->dispatch(message);
        }
    });
    link_.onConnection([weak](bool connected, const std::string& reason) {
        if (const auto self = weak.lock()) {
            (*self)->notifyConnection(connected, reason);
        }
    });
}

MqttRouter::~MqttRouter() {
    self_.reset();  // subscriptions dropped from now on leave the link alone
    for (const auto& route : routes_) {
        route->active = false;
    }
    for (const auto& listener : listeners_) {
        listener->active = false;
    }
}

MqttRouter::Subscription MqttRouter::subscribe(std::string filter, Handler handler,
                                               Retained retained) {
    if (!isValidTopicFilter(filter) || !handler) {
        core::logError(kComponent, "refused a subscription to '" + filter + "': " +
                                       (handler ? "not a valid MQTT topic filter" : "no handler"));
        return nullptr;
    }
    auto route = std::make_shared<Route>(Route{std::move(filter), std::move(handler), retained});
    routes_.push_back(route);
    ++filterUse_[route->filter];
    link_.subscribe(route->filter);
    // The subscription owns no memory of its own: its deleter retires the route.
    return Subscription(route.get(), [weak = std::weak_ptr<MqttRouter*>(self_), route](void*) {
        route->active = false;
        if (const auto self = weak.lock()) {
            (*self)->retire(route);
        }
    });
}

MqttRouter::Subscription MqttRouter::onConnection(ConnectionHandler handler) {
    if (!handler) {
        core::logError(kComponent, "refused an empty connection handler");
        return nullptr;
    }
    auto listener = std::make_shared<Listener>(Listener{std::move(handler)});
    listeners_.push_back(listener);
    return Subscription(listener.get(),
                        [weak = std::weak_ptr<MqttRouter*>(self_), listener](void*) {
                            listener->active = false;
                            if (const auto self = weak.lock()) {
                                (*self)->retire(listener);
                            }
                        });
}

void MqttRouter::onUnrouted(Handler handler) {
    unrouted_ = std::move(handler);
}

void MqttRouter::publish(const std::string& topic, const std::string& payload, bool retained) {
    link_.publish(topic, payload, retained);
}

bool MqttRouter::connected() const {
    return link_.connected();
}

std::size_t MqttRouter::handlerCount() const {
    return routes_.size();
}

void MqttRouter::stopDelivering() {
    delivering_ = false;
}

void MqttRouter::dispatch(const MqttMessage& message) {
    if (!delivering_) {
        ++undelivered_;
        return;
    }
    // Handlers may subscribe, drop subscriptions (their own too) or even destroy the router
    // while they run, so call from a copy of the matching routes and re-check each one.
    std::vector<std::shared_ptr<Route>> matching;
    for (const auto& route : routes_) {
        if (topicMatches(route->filter, message.topic)) {
            matching.push_back(route);
        }
    }
    if (matching.empty()) {
        if (unrouted_) {
            const Handler unrouted = unrouted_;  // it may replace itself
            unrouted(message);
        }
        return;
    }
    const std::weak_ptr<MqttRouter*> alive = self_;
    bool ignored = false;
    for (const auto& route : matching) {
        if (alive.expired()) {
            return;
        }
        if (!route->active) {
            continue;
        }
        if (message.retained && route->retained == Retained::ignore) {
            ignored = true;
            continue;
        }
        route->handler(message);
    }
    if (ignored && !alive.expired()) {
        core::logWarning(kComponent, "ignored a retained message on " + message.topic +
                                         " (requests and events are taken live only)");
    }
}

void MqttRouter::notifyConnection(bool connected, const std::string& reason) {
    const auto listeners = listeners_;
    const std::weak_ptr<MqttRouter*> alive = self_;
    for (const auto& listener : listeners) {
        if (alive.expired()) {
            return;
        }
        if (listener->active) {
            listener->handler(connected, reason);
        }
    }
}

void MqttRouter::retire(const std::shared_ptr<Route>& route) {
    const auto found = std::find(routes_.begin(), routes_.end(), route);
    if (found == routes_.end()) {
        return;
    }
    routes_.erase(found);
    const auto use = filterUse_.find(route->filter);
    if (use != filterUse_.end() && --use->second == 0) {
        filterUse_.erase(use);
        link_.unsubscribe(route->filter);
    }
}

void MqttRouter::retire(const std::shared_ptr<Listener>& listener) {
    std::erase(listeners_, listener);
}

}  // namespace sekimori::io
