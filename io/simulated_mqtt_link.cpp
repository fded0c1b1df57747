#include "io/simulated_mqtt_link.hpp"

#include <boost/asio/post.hpp>
#include <utility>

#include "core/log.hpp"
#include "io/mqtt_topic_filter.hpp"

namespace sekimori::io {

namespace {

// As the real link does: a broker drops a client that subscribes an invalid filter.
bool acceptableFilter(const std::string& filter) {
    if (isValidTopicFilter(filter)) {
        return true;
    }
    core::logError("mqtt", "refused to subscribe '" + filter + "': not a valid MQTT topic filter");
    return false;
}

}  // namespace

struct SimulatedMqttBroker::LinkCore {
    MqttOptions options;
    std::set<std::string> filters;  // the session's subscriptions
    MqttLink::MessageHandler onMessage;
    MqttLink::ConnectionHandler onConnection;
    bool started = false;
    bool stopped = false;
    bool connected = false;
    bool everConnected = false;  // the broker holds a session (and queues for it) from then on
    bool dropped = false;
    std::vector<MqttMessage> outbox;  // published while offline, sent in order on connect
    std::vector<MqttMessage> inbox;   // queued by the broker for the session while offline
    std::string lastReportedFailure;
};

class SimulatedMqttBroker::Link final : public MqttLink {
  public:
    Link(std::weak_ptr<SimulatedMqttBroker*> broker, std::shared_ptr<LinkCore> core,
         boost::asio::any_io_executor executor)
        : broker_(std::move(broker)), core_(std::move(core)), executor_(std::move(executor)) {}
    ~Link() override { stop(); }

    void onMessage(MessageHandler handler) override { core_->onMessage = std::move(handler); }
    void onConnection(ConnectionHandler handler) override {
        core_->onConnection = std::move(handler);
    }

    void start() override {
        if (core_->started || core_->stopped) {
            return;
        }
        core_->started = true;
        boost::asio::post(executor_, [broker = broker_, core = core_] {
            if (const auto alive = broker.lock()) {
                (*alive)->connectLink(core);
            }
        });
    }

    void stop() override {
        core_->stopped = true;
        core_->connected = false;
    }

    void publish(const std::string& topic, const std::string& payload, bool retained) override {
        if (core_->stopped) {
            return;
        }
        MqttMessage message{topic, payload, retained};
        const auto broker = broker_.lock();
        if (core_->connected && broker) {
            (*broker)->route(message);
        } else {
            core_->outbox.push_back(std::move(message));
        }
    }

    bool connected() const override { return core_->connected; }

    void subscribe(const std::string& filter) override {
        if (!acceptableFilter(filter)) {
            return;
        }
        core_->filters.insert(filter);
        // Like a real broker, every SUBSCRIBE (a repeated one too) sends the retained messages
        // the filter matches; while offline, the reconnect does.
        const auto broker = broker_.lock();
        if (core_->connected && broker) {
            (*broker)->deliverRetained(core_, filter);
        }
    }

    void unsubscribe(const std::string& filter) override { core_->filters.erase(filter); }

  private:
    std::weak_ptr<SimulatedMqttBroker*> broker_;
    std::shared_ptr<LinkCore> core_;
    boost::asio::any_io_executor executor_;
};

SimulatedMqttBroker::SimulatedMqttBroker(boost::asio::any_io_executor executor)
    : executor_(std::move(executor)), self_(std::make_shared<SimulatedMqttBroker*>(this)) {}

SimulatedMqttBroker::~SimulatedMqttBroker() {
    self_.reset();
    for (const auto& core : liveLinks()) {
        core->connected = false;
    }
}

std::unique_ptr<MqttLink> SimulatedMqttBroker::makeLink(MqttOptions options) {
    auto core = std::make_shared<LinkCore>();
    if (options.clientId.empty()) {
        options.clientId = options.username;
    }
    for (const auto& filter : options.subscriptions) {
        if (acceptableFilter(filter)) {
            core->filters.insert(filter);
        }
    }
    core->options = std::move(options);
    links_.push_back(core);
    return std::make_unique<Link>(self_, core, executor_);
}

void SimulatedMqttBroker::requireCredentials(std::map<std::string, std::string> accounts) {
    credentials_ = std::move(accounts);
}

void SimulatedMqttBroker::setOnline(bool online) {
    if (online == online_) {
        return;
    }
    online_ = online;
    for (const auto& core : liveLinks()) {
        if (!online && core->connected) {
            core->connected = false;
            notifyConnection(core, false, "connection lost: simulated broker offline");
        } else if (online && core->started && !core->stopped) {
            boost::asio::post(executor_, [weak = std::weak_ptr<SimulatedMqttBroker*>(self_), core] {
                if (const auto alive = weak.lock()) {
                    (*alive)->connectLink(core);
                }
            });
        }
    }
}

void SimulatedMqttBroker::dropClient(const std::string& clientId) {
    for (const auto& core : liveLinks()) {
        if (core->options.clientId != clientId) {
            continue;
        }
        core->dropped = true;
        if (core->connected) {
            core->connected = false;
            notifyConnection(core, false, "connection lost: simulated network failure");
            if (!core->options.willTopic.empty()) {
                route({core->options.willTopic, core->options.willPayload,
                       core->options.willRetained});
            }
        }
    }
}

void SimulatedMqttBroker::restoreClient(const std::string& clientId) {
    for (const auto& core : liveLinks()) {
        if (core->options.clientId == clientId && core->dropped) {
            core->dropped = false;
            if (core->started) {
                connectLink(core);
            }
        }
    }
}

void SimulatedMqttBroker::publish(const std::string& topic, const std::string& payload,
                                  bool retained) {
    route({topic, payload, retained});
}

std::optional<MqttMessage> SimulatedMqttBroker::retainedMessage(const std::string& topic) const {
    const auto found = retained_.find(topic);
    if (found == retained_.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::set<std::string> SimulatedMqttBroker::subscriptions(const std::string& clientId) const {
    for (const auto& weak : links_) {
        const auto core = weak.lock();
        if (core && !core->stopped && core->options.clientId == clientId) {
            return core->filters;
        }
    }
    return {};
}

void SimulatedMqttBroker::connectLink(const std::shared_ptr<LinkCore>& core) {
    if (core->stopped || core->connected) {
        return;
    }
    if (!online_ || core->dropped) {
        notifyConnection(core, false, "connect failed: simulated broker unreachable");
        return;
    }
    if (credentials_) {
        const auto account = credentials_->find(core->options.username);
        if (account == credentials_->end() || account->second != core->options.password) {
            notifyConnection(core, false, "connect failed: refused: not authorised");
            return;
        }
    }
    core->connected = true;
    core->everConnected = true;
    notifyConnection(core, true, "");
    for (const auto& [topic, message] : retained_) {
        for (const auto& filter : core->filters) {
            if (topicMatches(filter, topic)) {
                deliver(core, message);
                break;
            }
        }
    }
    for (auto& message : std::exchange(core->inbox, {})) {
        deliver(core, std::move(message));
    }
    for (const auto& message : std::exchange(core->outbox, {})) {
        route(message);
    }
}

void SimulatedMqttBroker::route(const MqttMessage& message) {
    accepted_.push_back(message);
    if (message.retained) {
        if (message.payload.empty()) {
            retained_.erase(message.topic);
        } else {
            retained_[message.topic] = message;
        }
    }
    // Subscribers already there get the message live, without the retain flag (MQTT 3.1.1).
    MqttMessage live{message.topic, message.payload, false};
    for (const auto& core : liveLinks()) {
        if (core->stopped || !core->everConnected) {
            continue;
        }
        for (const auto& filter : core->filters) {
            if (!topicMatches(filter, message.topic)) {
                continue;
            }
            if (core->connected) {
                deliver(core, live);
            } else {
                core->inbox.push_back(live);
            }
            break;
        }
    }
}

void SimulatedMqttBroker::deliverRetained(const std::shared_ptr<LinkCore>& core,
                                          const std::string& filter) {
    for (const auto& [topic, message] : retained_) {
        if (topicMatches(filter, topic)) {
            deliver(core, message);  // stored with retained = true
        }
    }
}

void SimulatedMqttBroker::deliver(const std::shared_ptr<LinkCore>& core, MqttMessage message) {
    boost::asio::post(executor_, [core, message = std::move(message)] {
        if (!core->stopped && core->onMessage) {
            core->onMessage(message);
        }
    });
}

void SimulatedMqttBroker::notifyConnection(const std::shared_ptr<LinkCore>& core, bool connected,
                                           std::string reason) {
    if (connected) {
        core->lastReportedFailure.clear();
    } else if (reason == core->lastReportedFailure) {
        return;  // like the real link: one report per distinct failure
    } else {
        core->lastReportedFailure = reason;
    }
    boost::asio::post(executor_, [core, connected, reason = std::move(reason)] {
        if (!core->stopped && core->onConnection) {
            core->onConnection(connected, reason);
        }
    });
}

std::vector<std::shared_ptr<SimulatedMqttBroker::LinkCore>> SimulatedMqttBroker::liveLinks() {
    std::vector<std::shared_ptr<LinkCore>> live;
    std::erase_if(links_, [&live](const std::weak_ptr<LinkCore>& weak) {
        auto core = weak.lock();
        if (!core) {
            return true;
        }
        live.push_back(std::move(core));
        return false;
    });
    return live;
}

}  // namespace sekimori::io
