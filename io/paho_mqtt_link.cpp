#include "io/paho_mqtt_link.hpp"

#include <mqtt/async_client.h>
#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "core/io_watchdog.hpp"
#include "core/log.hpp"
#include "io/mqtt_topic_filter.hpp"
#include "io/tcp_nodelay.hpp"

namespace sekimori::io {
namespace {

constexpr std::string_view kComponent = "mqtt";
constexpr int kQos = 1;
constexpr int kSubscribeRefused = 0x80;  // a SUBACK's return code for a refused filter
// Offline publishes kept (in order, on disk when persistence is on) until the broker is back.
constexpr int kMaxBufferedMessages = 100000;
constexpr auto kKeepAlive = std::chrono::seconds(10);
constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kDisconnectWait = std::chrono::milliseconds(1000);

// Adapts Paho's action listener to two callables; lives as long as the client that calls it.
class ActionListener final : public mqtt::iaction_listener {
  public:
    std::function<void(const mqtt::token&)> success;
    std::function<void(const mqtt::token&)> failure;

  private:
    void on_success(const mqtt::token& token) override {
        if (success) {
            success(token);
        }
    }
    void on_failure(const mqtt::token& token) override {
        if (failure) {
            failure(token);
        }
    }
};

// The link's state. Paho's threads never touch it: they post to the executor a closure that
// holds a weak pointer to it and runs only if the state still exists and is not stopped.
struct LinkState : std::enable_shared_from_this<LinkState> {
    LinkState(boost::asio::any_io_executor exec, MqttOptions opts, PahoLinkTuning tune)
        : executor(std::move(exec)),
          options(std::move(opts)),
          tuning(tune),
          retryTimer(executor),
          backoff(options.minBackoff) {}

    boost::asio::any_io_executor executor;
    const MqttOptions options;  // normalised: clientId set, maxBackoff >= minBackoff
    const PahoLinkTuning tuning;
    MqttLink::MessageHandler messageHandler;
    MqttLink::ConnectionHandler connectionHandler;

    std::atomic<bool> stopped{false};
    std::atomic<bool> isConnected{false};

    // io thread only
    boost::asio::steady_timer retryTimer;
    std::chrono::milliseconds backoff;
    bool started = false;
    bool connecting = false;
    bool subscribing = false;  // connected, waiting for the SUBACK
    std::string lastReportedFailure;
    std::set<std::string> filters;       // subscribed on every connect
    std::set<std::string> staleFilters;  // dropped while offline: unsubscribed on the next connect

    // Declared before the client so they outlive it: Paho calls them until it is destroyed.
    ActionListener connectListener;
    ActionListener subscribeListener;        // the whole set, on connect
    ActionListener filterSubscribeListener;  // one filter, at run time
    ActionListener unsubscribeListener;
    mqtt::connect_options connectOptions;
    std::unique_ptr<mqtt::async_client> client;
};

bool usesTls(const std::string& uri) {
    return uri.rfind("ssl://", 0) == 0 || uri.rfind("mqtts://", 0) == 0;
}

// The same broker as a plain TCP URI, which is what TcpNoDelay understands: TLS runs over one
// ordinary TCP socket, and Nagle delays it just the same.
std::string tcpUriOf(const std::string& uri) {
    for (std::string_view scheme : {"ssl://", "mqtts://"}) {
        if (uri.rfind(scheme, 0) == 0) {
            return "tcp://" + uri.substr(scheme.size());
        }
    }
    return uri;
}

// Why these TLS options cannot work, or empty. Checked once, before the client exists, so a
// misconfigured link says so instead of failing every handshake.
std::string tlsConfigurationError(const MqttOptions& o) {
    if (!usesTls(o.serverUri)) {
        return "";
    }
    if (o.caFile.empty()) {
        return "TLS (" + o.serverUri + ") needs caFile: without it the broker is not verified";
    }
    if (o.certFile.empty() != o.keyFile.empty()) {
        return "TLS client certificate needs both certFile and keyFile";
    }
    for (const std::string* file : {&o.caFile, &o.certFile, &o.keyFile}) {
        std::error_code ec;
        if (!file->empty() && !std::filesystem::is_regular_file(*file, ec)) {
            return "TLS file " + *file + " is missing";
        }
    }
    return "";
}

// Trust the site CA only, present the client certificate, verify the server's certificate and
// that it names the host in serverUri.
mqtt::ssl_options tlsOptions(const MqttOptions& o) {
    mqtt::ssl_options ssl;
    ssl.set_trust_store(o.caFile);
    if (!o.certFile.empty()) {
        ssl.set_key_store(o.certFile);
        ssl.set_private_key(o.keyFile);
    }
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);
    return ssl;
}

std::string brokerLabel(const MqttOptions& options) {
    return options.serverUri + " as '" + options.username + "' (client " + options.clientId + ")";
}

std::vector<std::string> tokenTopics(const mqtt::token& token) {
    std::vector<std::string> topics;
    if (const auto collection = token.get_topics()) {
        for (std::size_t i = 0; i < collection->size(); ++i) {
            topics.push_back((*collection)[i]);
        }
    }
    return topics;
}

std::string joinFilters(const std::vector<std::string>& filters) {
    std::string joined;
    for (const auto& filter : filters) {
        joined += (joined.empty() ? "" : ", ") + filter;
    }
    return joined.empty() ? "?" : joined;
}

// mosquitto drops the connection of a client that subscribes an invalid filter, and the link
// would subscribe it again on every reconnect: refuse it here, once, loudly.
bool acceptableFilter(const std::string& filter) {
    if (isValidTopicFilter(filter)) {
        return true;
    }
    core::logError(kComponent, "refused to subscribe '" + filter +
                                   "': not a valid MQTT topic filter (the broker would drop the "
                                   "connection)");
    return false;
}

// The filters of an acknowledged multi-filter SUBSCRIBE that the broker refused (return code
// 0x80 in the SUBACK): Paho reports those as a success. Brokers that check their ACL at
// subscribe time refuse this way; mosquitto 2.0 grants and filters at delivery instead.
std::vector<std::string> refusedFilters(const mqtt::token& token) {
    std::vector<std::string> refused;
    const auto topics = tokenTopics(token);
    try {
        const auto codes = token.get_subscribe_response().get_reason_codes();
        for (std::size_t i = 0; i < codes.size() && i < topics.size(); ++i) {
            if (static_cast<int>(codes[i]) >= kSubscribeRefused) {
                refused.push_back(topics[i]);
            }
        }
    } catch (const mqtt::exception&) {
        // No SUBACK details: nothing to say beyond the success itself.
    }
    return refused;
}

class PahoMqttLink final : public MqttLink {
  public:
    PahoMqttLink(boost::asio::any_io_executor executor, MqttOptions options, PahoLinkTuning tuning)
        : state_(std::make_shared<LinkState>(std::move(executor), std::move(options), tuning)) {
        for (const auto& filter : state_->options.subscriptions) {
            if (acceptableFilter(filter)) {
                state_->filters.insert(filter);
            }
        }
        buildClient();
    }

    ~PahoMqttLink() override { stop(); }

    void onMessage(MessageHandler handler) override { state_->messageHandler = std::move(handler); }
    void onConnection(ConnectionHandler handler) override {
        state_->connectionHandler = std::move(handler);
    }

    void start() override {
        if (state_->started || state_->stopped) {
            return;
        }
        state_->started = true;
        if (!state_->client) {
            reportFailure(*state_, "MQTT client could not be created; see the log", true);
            return;
        }
        startConnect(*state_);
    }

    void stop() override {
        if (state_->stopped.exchange(true)) {
            return;
        }
        state_->retryTimer.cancel();
        state_->isConnected = false;
        if (!state_->client) {
            return;
        }
        try {
            // Paho refuses this while a connect is in flight; the `stopped` flag still keeps
            // every handler from running, so that failure is harmless.
            state_->client->disable_callbacks();
        } catch (const mqtt::exception&) {
        }
        try {
            if (state_->client->is_connected()) {
                state_->client->disconnect()->wait_for(kDisconnectWait);
                core::logInfo(kComponent, "disconnected from " + brokerLabel(state_->options));
            }
        } catch (const mqtt::exception& e) {
            core::logWarning(kComponent, std::string("disconnect failed: ") + e.what());
        }
    }

    void publish(const std::string& topic, const std::string& payload, bool retained) override {
        if (!state_->client || state_->stopped) {
            core::logError(kComponent, "publish on a stopped MQTT link dropped (" + topic + ")");
            return;
        }
        if (payload.size() > kMaxMqttPayloadBytes) {
            core::logError(kComponent,
                           "publish to " + topic + " dropped: " + std::to_string(payload.size()) +
                               " bytes is over the " + std::to_string(kMaxMqttPayloadBytes) +
                               "-byte limit the broker enforces");
            return;
        }
        if (!state_->options.persistenceDir.empty()) {
            // Paho writes the message to a file on this thread (docs/mqtt.md): the io watchdog
            // counts it, so a daemon configured with a file store fails its scenarios.
            core::noteBlockingCallOnIoThread("MQTT publish into Paho's file store");
        }
        try {
            // Asynchronous: Paho queues it (on disk with persistence) and sends it when it can.
            state_->client->publish(topic, payload.data(), payload.size(), kQos, retained);
        } catch (const mqtt::exception& e) {
            core::logError(kComponent, "publish to " + topic + " failed: " + e.what());
        }
    }

    bool connected() const override { return state_->isConnected; }

    void subscribe(const std::string& filter) override {
        LinkState& s = *state_;
        if (!acceptableFilter(filter)) {
            return;
        }
        s.filters.insert(filter);
        s.staleFilters.erase(filter);
        if (!s.stopped && s.client && sessionOpen(s)) {
            sendSubscribe(s, filter);
        }
        // Otherwise the next connect subscribes the whole set.
    }

    void unsubscribe(const std::string& filter) override {
        LinkState& s = *state_;
        if (s.filters.erase(filter) == 0 || s.stopped || !s.client) {
            return;  // after stop() the broker session keeps its subscriptions on purpose
        }
        if (sessionOpen(s)) {
            sendUnsubscribe(s, {filter});
        } else {
            s.staleFilters.insert(filter);
        }
    }

  private:
    void buildClient() {
        LinkState& s = *state_;
        const MqttOptions& o = s.options;

        if (const auto error = tlsConfigurationError(o); !error.empty()) {
            core::logError(kComponent,
                           "cannot create MQTT client for " + brokerLabel(o) + ": " + error);
            return;
        }
        if (!usesTls(o.serverUri) && !(o.caFile.empty() && o.certFile.empty())) {
            core::logWarning(kComponent, "TLS files ignored: " + o.serverUri + " is not ssl://");
        }

        std::shared_ptr<const TcpNoDelay> noDelay;
        if (s.tuning.tcpNoDelay) {
            if (auto endpoint = parseBrokerUri(tcpUriOf(o.serverUri))) {
                auto resolved = TcpNoDelay::forBroker(*endpoint);
                if (resolved) {
                    noDelay = std::make_shared<const TcpNoDelay>(std::move(resolved.value()));
                } else {
                    core::logWarning(kComponent, resolved.error().message +
                                                     "; QoS 1 round trips will be slow (Nagle)");
                }
            }
        }

        mqtt::create_options createOptions(MQTTVERSION_3_1_1);
        createOptions.set_send_while_disconnected(true, true);
        createOptions.set_max_buffered_messages(kMaxBufferedMessages);
        createOptions.set_delete_oldest_messages(false);
        createOptions.set_persist_qos0(false);
        try {
            if (o.persistenceDir.empty()) {
                s.client = std::make_unique<mqtt::async_client>(o.serverUri, o.clientId,
                                                                createOptions, nullptr);
            } else {
                std::error_code ec;
                std::filesystem::create_directories(o.persistenceDir, ec);
                if (ec) {
                    core::logError(kComponent, "cannot create MQTT persistence dir " +
                                                   o.persistenceDir + ": " + ec.message());
                }
                s.client = std::make_unique<mqtt::async_client>(o.serverUri, o.clientId,
                                                                createOptions, o.persistenceDir);
            }
        } catch (const mqtt::exception& e) {
            core::logError(kComponent,
                           "cannot create MQTT client for " + brokerLabel(o) + ": " + e.what());
            return;
        }

        s.connectOptions.set_mqtt_version(MQTTVERSION_3_1_1);
        s.connectOptions.set_clean_session(false);
        s.connectOptions.set_keep_alive_interval(kKeepAlive);
        s.connectOptions.set_connect_timeout(kConnectTimeout);
        s.connectOptions.set_automatic_reconnect(false);  // our timer reconnects, in ms steps
        if (!o.username.empty()) {
            s.connectOptions.set_user_name(o.username);
            s.connectOptions.set_password(o.password);
        }
        if (!o.willTopic.empty()) {
            s.connectOptions.set_will(
                mqtt::will_options(o.willTopic, o.willPayload, kQos, o.willRetained));
        }

        if (usesTls(o.serverUri)) {
            // No ssl_options error handler: Paho C++ 1.2.0 hands Paho C a pointer to a copy of
            // the options that dies after connect(), and the handler then runs on freed memory.
            s.connectOptions.set_ssl(tlsOptions(o));
        }

        const std::weak_ptr<LinkState> weak = state_;
        const auto executor = s.executor;
        // The closures below run on Paho's threads: copy what they need, post, touch nothing.
        s.connectListener.success = [weak, executor, noDelay](const mqtt::token&) {
            if (noDelay) {
                noDelay->applyToProcessSockets();
            }
            post(executor, weak, [](LinkState& state) { handleConnected(state); });
        };
        s.connectListener.failure = [weak, executor](const mqtt::token& token) {
            const int rc = token.get_return_code();
            post(executor, weak, [rc](LinkState& state) {
                state.connecting = false;
                // Paho reports a refused TLS handshake as a plain network failure.
                const std::string tls = usesTls(state.options.serverUri) && rc == MQTTASYNC_FAILURE
                                            ? " or TLS handshake refused (check caFile, certFile, "
                                              "keyFile and the broker's log)"
                                            : "";
                reportFailure(state,
                              "connect to " + state.options.serverUri +
                                  " failed: " + describeConnectFailure(rc) + tls,
                              isConnectRefusal(rc));
                scheduleRetry(state, isConnectRefusal(rc));
            });
        };
        s.subscribeListener.failure = [weak, executor](const mqtt::token& token) {
            const int rc = token.get_return_code();
            auto topics = tokenTopics(token);
            post(executor, weak, [rc, topics = std::move(topics)](LinkState& state) {
                if (state.subscribing) {
                    core::logError(kComponent, "subscribe to " + joinFilters(topics) + " for " +
                                                   brokerLabel(state.options) +
                                                   " failed: " + describeConnectFailure(rc));
                }
                handleSubscribed(state);
            });
        };
        s.subscribeListener.success = [weak, executor](const mqtt::token& token) {
            auto refused = refusedFilters(token);
            post(executor, weak, [refused = std::move(refused)](LinkState& state) {
                if (!refused.empty()) {
                    core::logError(kComponent, "broker refused the subscription to " +
                                                   joinFilters(refused) + " for " +
                                                   brokerLabel(state.options) +
                                                   " (check the broker ACL)");
                }
                handleSubscribed(state);
            });
        };
        s.filterSubscribeListener.failure = [weak, executor](const mqtt::token& token) {
            const int rc = token.get_return_code();
            auto topics = tokenTopics(token);
            post(executor, weak, [rc, topics = std::move(topics)](LinkState& state) {
                const std::string what = "subscribe to " + joinFilters(topics) + " for " +
                                         brokerLabel(state.options) +
                                         " failed: " + describeConnectFailure(rc);
                if (rc == kSubscribeRefused) {
                    core::logError(kComponent, what + " (check the broker ACL)");
                } else {
                    core::logWarning(kComponent, what + "; subscribed again on the next connect");
                }
            });
        };
        s.unsubscribeListener.failure = [weak, executor](const mqtt::token& token) {
            auto topics = tokenTopics(token);
            post(executor, weak, [topics = std::move(topics)](LinkState& state) {
                for (const auto& filter : topics) {
                    if (state.filters.count(filter) == 0) {
                        state.staleFilters.insert(filter);
                    }
                }
                core::logWarning(kComponent, "unsubscribe from " + joinFilters(topics) +
                                                 " failed; retried on the next connect");
            });
        };
        s.client->set_connection_lost_handler([weak, executor](const std::string& cause) {
            post(executor, weak, [cause](LinkState& state) {
                state.isConnected = false;
                state.subscribing = false;
                reportFailure(state,
                              "connection to " + state.options.serverUri + " lost" +
                                  (cause.empty() ? std::string() : ": " + cause),
                              false);
                scheduleRetry(state, false);
            });
        });
        s.client->set_message_callback([weak, executor](mqtt::const_message_ptr message) {
            MqttMessage copy{message->get_topic(), message->get_payload_str(),
                             message->is_retained()};
            post(executor, weak, [copy = std::move(copy)](LinkState& state) {
                if (state.messageHandler) {
                    state.messageHandler(copy);
                }
            });
        });
    }

    // Runs `work` on the executor if the link still exists and is not stopped.
    template <class Work>
    static void post(const boost::asio::any_io_executor& executor, std::weak_ptr<LinkState> weak,
                     Work work) {
        boost::asio::post(executor, [weak = std::move(weak), work = std::move(work)]() mutable {
            const auto state = weak.lock();
            if (state && !state->stopped) {
                work(*state);
            }
        });
    }

    static void startConnect(LinkState& s) {
        if (s.stopped || s.connecting || s.subscribing || s.isConnected) {
            return;
        }
        s.connecting = true;
        try {
            s.client->connect(s.connectOptions, nullptr, s.connectListener);
        } catch (const mqtt::exception& e) {
            s.connecting = false;
            reportFailure(s, "connect to " + s.options.serverUri + " failed: " + e.what(), false);
            scheduleRetry(s, false);
        }
    }

    // Connected at the MQTT level; the link counts as connected (connected(), the handler) only
    // once its subscriptions are acknowledged, so "connected" means "replies will reach me".
    static void handleConnected(LinkState& s) {
        s.connecting = false;
        s.backoff = s.options.minBackoff;
        if (!s.staleFilters.empty()) {
            // Dropped while offline, but still in the broker's persistent session. (A failed
            // send puts them back for the next connect.)
            const std::vector<std::string> stale(s.staleFilters.begin(), s.staleFilters.end());
            s.staleFilters.clear();
            sendUnsubscribe(s, stale);
        }
        if (s.filters.empty()) {
            markReady(s);
            return;
        }
        // The session is persistent, but the broker may have lost it (restart without
        // persistence, first connect): subscribe again every time.
        const std::vector<std::string> wanted(s.filters.begin(), s.filters.end());
        auto filters = mqtt::string_collection::create(wanted);
        const std::vector<int> qos(wanted.size(), kQos);
        s.subscribing = true;
        try {
            s.client->subscribe(filters, qos, nullptr, s.subscribeListener);
        } catch (const mqtt::exception& e) {
            s.subscribing = false;
            core::logError(kComponent, std::string("subscribe failed: ") + e.what());
            markReady(s);  // publishing still works; the error says what will not arrive
        }
    }

    // The broker has accepted this connection and its subscription set was sent: a SUBSCRIBE
    // or UNSUBSCRIBE now goes out at once, after the set.
    static bool sessionOpen(const LinkState& s) { return s.subscribing || s.isConnected; }

    static void sendSubscribe(LinkState& s, const std::string& filter) {
        try {
            s.client->subscribe(filter, kQos, nullptr, s.filterSubscribeListener);
        } catch (const mqtt::exception& e) {
            core::logWarning(kComponent, "subscribe to " + filter + " failed: " + e.what() +
                                             "; subscribed again on the next connect");
        }
    }

    static void sendUnsubscribe(LinkState& s, const std::vector<std::string>& filters) {
        try {
            s.client->unsubscribe(mqtt::string_collection::create(filters), nullptr,
                                  s.unsubscribeListener);
        } catch (const mqtt::exception& e) {
            for (const auto& filter : filters) {
                s.staleFilters.insert(filter);
            }
            core::logWarning(kComponent, "unsubscribe from " + joinFilters(filters) + " failed: " +
                                             e.what() + "; retried on the next connect");
        }
    }

    // The SUBACK (or failure) of the set subscribed on connect; either way the link is ready:
    // publishing works, and the error logged says what will not arrive.
    static void handleSubscribed(LinkState& s) {
        if (!s.subscribing) {
            return;  // an acknowledgement from a connection already lost
        }
        s.subscribing = false;
        markReady(s);
    }

    static void markReady(LinkState& s) {
        s.isConnected = true;
        s.lastReportedFailure.clear();
        core::logInfo(kComponent, "connected to " + brokerLabel(s.options));
        if (s.connectionHandler) {
            s.connectionHandler(true, "");
        }
    }

    // Logs and reports a failure once per distinct reason, so a broker that keeps refusing
    // does not fill the log on every retry.
    static void reportFailure(LinkState& s, const std::string& reason, bool refusal) {
        if (reason == s.lastReportedFailure) {
            return;
        }
        s.lastReportedFailure = reason;
        if (refusal) {
            core::logError(kComponent, reason + " (account '" + s.options.username +
                                           "'; check its password file and the broker ACL)");
        } else {
            core::logWarning(kComponent, reason + "; retrying");
        }
        if (s.connectionHandler) {
            s.connectionHandler(false, reason);
        }
    }

    static void scheduleRetry(LinkState& s, bool refusal) {
        if (s.stopped) {
            return;
        }
        // A refusal will not fix itself quickly: wait the longest step.
        const auto delay = refusal ? s.options.maxBackoff : s.backoff;
        s.backoff = std::min(s.backoff * 2, s.options.maxBackoff);
        s.retryTimer.expires_after(delay);
        s.retryTimer.async_wait([weak = s.weak_from_this()](const boost::system::error_code& ec) {
            const auto state = weak.lock();
            if (!ec && state && !state->stopped) {
                startConnect(*state);
            }
        });
    }

    std::shared_ptr<LinkState> state_;
};

}  // namespace

std::string describeConnectFailure(int returnCode) {
    switch (returnCode) {
        case 1:
            return "refused: unacceptable protocol version";
        case 2:
            return "refused: client identifier rejected";
        case 3:
            return "refused: server unavailable";
        case 4:
            return "refused: bad user name or password";
        case 5:
            return "refused: not authorised";
        case MQTTASYNC_FAILURE:
            return "network failure (broker unreachable?)";
        case MQTTASYNC_DISCONNECTED:
            return "disconnected";
        case MQTTASYNC_BAD_UTF8_STRING:
            return "bad UTF-8 string";
        case MQTTASYNC_NULL_PARAMETER:
            return "null parameter";
        case MQTTASYNC_BAD_STRUCTURE:
            return "bad structure";
        case MQTTASYNC_BAD_QOS:
            return "bad QoS";
        case MQTTASYNC_NO_MORE_MSGIDS:
            return "no more message ids";
        case MQTTASYNC_OPERATION_INCOMPLETE:
            return "operation incomplete";
        case MQTTASYNC_MAX_BUFFERED_MESSAGES:
            return "offline buffer full";
        case MQTTASYNC_SSL_NOT_SUPPORTED:
            return "TLS not supported";
        case MQTTASYNC_BAD_PROTOCOL:
            return "bad protocol in server URI";
        case MQTTASYNC_BAD_MQTT_OPTION:
            return "bad MQTT option";
        case MQTTASYNC_WRONG_MQTT_VERSION:
            return "wrong MQTT version";
        case kSubscribeRefused:
            return "refused by the broker (subscription not granted)";
        default:
            return "error code " + std::to_string(returnCode);
    }
}

bool isConnectRefusal(int returnCode) {
    return returnCode >= 1 && returnCode <= 5;
}

std::unique_ptr<MqttLink> makePahoMqttLink(boost::asio::any_io_executor executor,
                                           MqttOptions options) {
    return makePahoMqttLink(std::move(executor), std::move(options), PahoLinkTuning{});
}

std::unique_ptr<MqttLink> makePahoMqttLink(boost::asio::any_io_executor executor,
                                           MqttOptions options, PahoLinkTuning tuning) {
    if (options.clientId.empty()) {
        // A persistent session needs a stable id; the account name is the natural one.
        options.clientId = options.username;
    }
    options.minBackoff = std::max(options.minBackoff, std::chrono::milliseconds(1));
    options.maxBackoff = std::max(options.maxBackoff, options.minBackoff);
    return std::make_unique<PahoMqttLink>(std::move(executor), std::move(options), tuning);
}

}  // namespace sekimori::io
