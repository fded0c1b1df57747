// The Paho link against a real mosquitto set up by scripts/broker: credentials, ACL, QoS 1,
// persistence across a broker restart and across a link restart, reconnect after a network
// failure with the last will, handler threading, and what TCP_NODELAY buys.
#include "io/paho_mqtt_link.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <regex>

#include "core/io_watchdog.hpp"
#include "tests/io/broker_fixture.hpp"
#include "tests/io/io_thread.hpp"

// Paho C 1.3.12 leaks small internal lists when clients are created and destroyed around a lost
// connection (eclipse-paho/paho.mqtt.c#1406, fixed upstream later); none of it is ours. Scoped to
// that library, so a leak in Sekimori's own code still fails the sanitizer run.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libpaho-mqtt3as.so\n";
}

namespace sekimori::io {
namespace {

using namespace std::chrono_literals;

const std::string kSite = "test";
std::string panelTopic(const std::string& panel, const std::string& channel) {
    return "sekimori/" + kSite + "/panel/" + panel + "/" + channel;
}

class PahoMqttLinkTest : public ::testing::Test {
  protected:
    struct Client {
        std::unique_ptr<MqttLink> link;
        test::LinkRecorder recorder;
    };

    // Links are made, started and destroyed on the io thread, as the daemon does.
    std::unique_ptr<Client> makeClient(MqttOptions options, PahoLinkTuning tuning = {}) {
        auto client = std::make_unique<Client>();
        client->link = io_.run([&] { return makePahoMqttLink(io_.executor(), options, tuning); });
        client->recorder.attach(*client->link);
        return client;
    }
    void start(Client& client) {
        io_.run([&] { client.link->start(); });
    }
    void publish(Client& client, const std::string& topic, const std::string& payload,
                 bool retained = false) {
        io_.run([&] { client.link->publish(topic, payload, retained); });
    }
    void destroy(std::unique_ptr<Client>& client) {
        io_.run([&] { client->link.reset(); });
        client.reset();
    }
    void TearDown() override {
        for (auto* client : {&daemon_, &panelA_, &panelB_}) {
            if (*client) {
                destroy(*client);
            }
        }
    }

    // Both connects run in parallel: Paho's receive loop polls at 1 s, so one after the other
    // would cost seconds.
    void connectDaemonAndPanelA(std::vector<std::string> daemonSubscriptions = {
                                    "sekimori/test/#"}) {
        auto daemonOptions = broker_.options("sekimorid");
        daemonOptions.subscriptions = std::move(daemonSubscriptions);
        daemon_ = makeClient(daemonOptions);
        auto panelOptions = broker_.options("p-a");
        panelOptions.subscriptions = {panelTopic("p-a", "reply")};
        panelA_ = makeClient(panelOptions);
        start(*daemon_);
        start(*panelA_);
        ASSERT_TRUE(daemon_->recorder.waitForConnected()) << broker_.log();
        ASSERT_TRUE(panelA_->recorder.waitForConnected()) << broker_.log();
    }

    test::MosquittoBroker broker_{{.site = kSite, .panels = {"p-a", "p-b"}, .services = {}}};
    test::IoThread io_;
    std::unique_ptr<Client> daemon_;
    std::unique_ptr<Client> panelA_;
    std::unique_ptr<Client> panelB_;
};

bool reasonsContain(const std::vector<test::LinkRecorder::Report>& reports,
                    const std::string& text) {
    return std::any_of(reports.begin(), reports.end(), [&](const auto& report) {
        return !report.connected && report.reason.find(text) != std::string::npos;
    });
}

TEST_F(PahoMqttLinkTest, ClientWithoutCredentialsIsRefused) {
    auto options = broker_.options("p-a", "anonymous");
    options.username.clear();
    options.password.clear();
    panelA_ = makeClient(options);
    start(*panelA_);
    ASSERT_TRUE(panelA_->recorder.waitFor([](const auto&, const auto& reports) {
        return !reports.empty();
    })) << broker_.log();
    EXPECT_TRUE(reasonsContain(panelA_->recorder.reports(), "not authorised"));
    EXPECT_FALSE(panelA_->link->connected());
}

TEST_F(PahoMqttLinkTest, WrongPasswordIsRefusedReportedOnceAndNeverLogged) {
    auto options = broker_.options("p-a");
    options.password = "wrong-password-7f3a";
    options.minBackoff = 20ms;
    options.maxBackoff = 50ms;
    testing::internal::CaptureStderr();
    panelA_ = makeClient(options);
    start(*panelA_);
    const bool reported = panelA_->recorder.waitFor(
        [](const auto&, const auto& reports) { return !reports.empty(); });
    // Let it retry several times: the refusal must be reported and logged once, not per retry.
    std::this_thread::sleep_for(1500ms);
    destroy(panelA_);
    const std::string log = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(reported) << broker_.log();

    const std::string mosquittoLog = broker_.log();
    std::size_t attempts = 0;
    for (std::size_t at = 0; (at = mosquittoLog.find("not authorised", at)) != std::string::npos;
         ++at) {
        ++attempts;
    }
    EXPECT_GE(attempts, 2u) << "the link should keep retrying\n" << mosquittoLog;

    std::size_t logged = 0;
    for (std::size_t at = 0; (at = log.find("refused", at)) != std::string::npos; ++at) {
        ++logged;
    }
    EXPECT_EQ(logged, 1u) << log;
    EXPECT_EQ(log.find("wrong-password-7f3a"), std::string::npos) << log;
}

// The io watchdog (core/io_watchdog) sees a publish that writes Paho's file store as a
// blocking call on the io thread, and an in-memory one as nothing. No broker needed: Paho
// queues (and with a directory, writes) before it ever connects.
TEST(PahoFileStore, APublishIntoItIsABlockingCallOnTheWatchedIoThread) {
    std::string dir = (std::filesystem::temp_directory_path() / "sekimori-paho-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    const core::IoWatchdogOptions watchdog{std::chrono::milliseconds(5)};
    for (const bool fileStore : {false, true}) {
        boost::asio::io_context io;
        MqttOptions options;
        options.serverUri = "tcp://127.0.0.1:1";
        options.clientId = options.username = fileStore ? "with-files" : "in-memory";
        options.persistenceDir = fileStore ? dir : "";
        auto link = makePahoMqttLink(io.get_executor(), options);
        boost::asio::post(io, [&] {
            link->publish("sekimori/test/panel/p-a/reply", "one", false);
            link->publish("sekimori/test/panel/p-a/reply", "two", false);
        });
        const auto counts = core::runIoLoop(io, watchdog);
        EXPECT_EQ(counts.blockingCalls, fileStore ? 2u : 0u) << options.clientId;
        link.reset();
    }
    std::filesystem::remove_all(dir);
}

TEST(PahoConnectFailure, ReasonIsReadable) {
    EXPECT_EQ(describeConnectFailure(4), "refused: bad user name or password");
    EXPECT_EQ(describeConnectFailure(5), "refused: not authorised");
    EXPECT_TRUE(isConnectRefusal(5));
    EXPECT_FALSE(isConnectRefusal(-1));
}

TEST_F(PahoMqttLinkTest, DaemonPublishesAndReceivesQos1OnTheExecutorThread) {
    connectDaemonAndPanelA();
    publish(*panelA_, panelTopic("p-a", "request"), R"({"step":1})");
    ASSERT_TRUE(daemon_->recorder.waitForMessages(1)) << broker_.log();
    publish(*daemon_, panelTopic("p-a", "reply"), R"({"decision":"granted"})");
    ASSERT_TRUE(panelA_->recorder.waitForMessages(1)) << broker_.log();

    const auto atDaemon = daemon_->recorder.messages();
    EXPECT_EQ(atDaemon.front().topic, panelTopic("p-a", "request"));
    EXPECT_EQ(atDaemon.front().payload, R"({"step":1})");
    const auto atPanel = panelA_->recorder.messages();
    EXPECT_EQ(atPanel.front().topic, panelTopic("p-a", "reply"));
    EXPECT_EQ(atPanel.front().payload, R"({"decision":"granted"})");
    EXPECT_TRUE(daemon_->link->connected());

    for (auto* client : {daemon_.get(), panelA_.get()}) {
        for (const auto id : client->recorder.handlerThreads()) {
            EXPECT_EQ(id, io_.id());
        }
    }
}

TEST_F(PahoMqttLinkTest, PanelCannotPublishOnAnotherPanelsTopics) {
    connectDaemonAndPanelA();
    publish(*panelA_, panelTopic("p-b", "request"), "forged");
    publish(*panelA_, panelTopic("p-b", "event"), "forged");
    publish(*panelA_, panelTopic("p-b", "status"), "forged");
    publish(*panelA_, "sekimori/test/audit/checkpoint", "forged");
    // Same client, QoS 1: the broker handles these in order, so once the control message is in,
    // the forged ones have been decided on.
    publish(*panelA_, panelTopic("p-a", "event"), "control");
    ASSERT_TRUE(daemon_->recorder.waitFor([](const auto& messages, const auto&) {
        return std::any_of(messages.begin(), messages.end(),
                           [](const auto& m) { return m.payload == "control"; });
    })) << broker_.log();
    for (const auto& message : daemon_->recorder.messages()) {
        EXPECT_NE(message.payload, "forged") << message.topic;
    }
}

TEST_F(PahoMqttLinkTest, PanelReadsOnlyItsOwnReply) {
    auto daemonOptions = broker_.options("sekimorid");
    daemon_ = makeClient(daemonOptions);
    auto panelOptions = broker_.options("p-a");
    panelOptions.subscriptions = {"sekimori/test/panel/+/reply", "sekimori/test/#"};
    panelA_ = makeClient(panelOptions);
    start(*daemon_);
    start(*panelA_);
    ASSERT_TRUE(daemon_->recorder.waitForConnected());
    ASSERT_TRUE(panelA_->recorder.waitForConnected());
    // Subscriptions are asynchronous; a retained checkpoint reaches the panel whenever its
    // subscription lands, which tells us when it is in place.
    publish(*daemon_, "sekimori/test/audit/checkpoint", "checkpoint-1", true);
    ASSERT_TRUE(panelA_->recorder.waitForMessages(1)) << broker_.log();
    publish(*daemon_, panelTopic("p-b", "reply"), "for-p-b");
    publish(*daemon_, panelTopic("p-b", "request"), "p-b-traffic");
    publish(*daemon_, panelTopic("p-a", "reply"), "for-p-a");
    ASSERT_TRUE(panelA_->recorder.waitFor([](const auto& messages, const auto&) {
        return std::any_of(messages.begin(), messages.end(),
                           [](const auto& m) { return m.payload == "for-p-a"; });
    })) << broker_.log();
    for (const auto& message : panelA_->recorder.messages()) {
        EXPECT_TRUE(message.payload == "for-p-a" || message.payload == "checkpoint-1")
            << message.topic << " " << message.payload;
    }
}

TEST_F(PahoMqttLinkTest, MessagesPublishedWhileTheBrokerIsDownArriveAfterItReturns) {
    connectDaemonAndPanelA({panelTopic("+", "event")});
    publish(*panelA_, panelTopic("p-a", "event"), "before");
    ASSERT_TRUE(daemon_->recorder.waitForMessages(1)) << broker_.log();

    broker_.stop();
    ASSERT_TRUE(daemon_->recorder.waitForConnected(false));
    ASSERT_TRUE(panelA_->recorder.waitForConnected(false));
    EXPECT_FALSE(io_.run([&] { return panelA_->link->connected(); }));
    for (int i = 1; i <= 5; ++i) {
        publish(*panelA_, panelTopic("p-a", "event"), "offline-" + std::to_string(i));
    }
    broker_.start();

    ASSERT_TRUE(daemon_->recorder.waitFor([](const auto& messages, const auto&) {
        return !messages.empty() && messages.back().payload == "offline-5";
    })) << broker_.log();
    // QoS 1 is at least once: a message whose PUBACK was in flight at the restart ("before")
    // may come again. Every one arrives, in order of first arrival.
    std::vector<std::string> firstSeen;
    for (const auto& message : daemon_->recorder.messages()) {
        if (std::find(firstSeen.begin(), firstSeen.end(), message.payload) == firstSeen.end()) {
            firstSeen.push_back(message.payload);
        }
    }
    EXPECT_EQ(firstSeen, (std::vector<std::string>{"before", "offline-1", "offline-2", "offline-3",
                                                   "offline-4", "offline-5"}));
    EXPECT_TRUE(daemon_->recorder.waitForConnected());
    EXPECT_TRUE(panelA_->recorder.waitForConnected());
}

TEST_F(PahoMqttLinkTest, QueuedMessagesSurviveARestartOfTheLinkItself) {
    connectDaemonAndPanelA({panelTopic("+", "event")});
    broker_.stop();
    ASSERT_TRUE(panelA_->recorder.waitForConnected(false));
    publish(*panelA_, panelTopic("p-a", "event"), "kept-1");
    publish(*panelA_, panelTopic("p-a", "event"), "kept-2");
    destroy(panelA_);  // the panel process restarts; its queue is on disk

    broker_.start();
    panelA_ = makeClient(broker_.options("p-a"));
    start(*panelA_);
    ASSERT_TRUE(daemon_->recorder.waitFor([](const auto& messages, const auto&) {
        return !messages.empty() && messages.back().payload == "kept-2";
    })) << broker_.log();
    const auto messages = daemon_->recorder.messages();
    EXPECT_EQ(messages.front().payload, "kept-1");
}

// mosquitto drops a client that subscribes an invalid filter; the link refuses it instead of
// losing its connection on every reconnect.
TEST_F(PahoMqttLinkTest, AnInvalidFilterIsRefusedAndTheRestStillWorks) {
    connectDaemonAndPanelA({panelTopic("+", "event"), "sekimori/test/#/bad"});
    io_.run([&] { daemon_->link->subscribe("sekimori/test/panel/a+"); });
    io_.run([&] { daemon_->link->subscribe(panelTopic("+", "status")); });
    publish(*panelA_, panelTopic("p-a", "event"), "e");
    publish(*panelA_, panelTopic("p-a", "status"), "s");
    ASSERT_TRUE(daemon_->recorder.waitForMessages(2)) << broker_.log();
    EXPECT_EQ(daemon_->recorder.reports().size(), 1u);  // connected once, never dropped
    EXPECT_EQ(broker_.log().find("disconnected due to protocol error"), std::string::npos)
        << broker_.log();
}

TEST_F(PahoMqttLinkTest, AFilterDroppedWhileOfflineIsUnsubscribedOnTheNextConnect) {
    connectDaemonAndPanelA({panelTopic("+", "event"), panelTopic("+", "status")});
    publish(*panelA_, panelTopic("p-a", "event"), "before");
    ASSERT_TRUE(daemon_->recorder.waitForMessages(1)) << broker_.log();

    broker_.stop();
    ASSERT_TRUE(daemon_->recorder.waitForConnected(false));
    io_.run([&] { daemon_->link->unsubscribe(panelTopic("+", "event")); });
    const auto reportsBefore = daemon_->recorder.reports().size();
    broker_.start();  // with its database: the persistent session still holds the filter
    ASSERT_TRUE(daemon_->recorder.waitFor([&](const auto&, const auto& reports) {
        return reports.size() > reportsBefore && reports.back().connected;
    })) << broker_.log();
    ASSERT_TRUE(panelA_->recorder.waitForConnected()) << broker_.log();

    // The UNSUBSCRIBE went before the SUBSCRIBE whose SUBACK made the link "connected".
    publish(*panelA_, panelTopic("p-a", "event"), "after");
    publish(*panelA_, panelTopic("p-a", "status"), "marker");
    ASSERT_TRUE(daemon_->recorder.waitFor([](const auto& messages, const auto&) {
        return !messages.empty() && messages.back().payload == "marker";
    })) << broker_.log();
    for (const auto& message : daemon_->recorder.messages()) {
        EXPECT_NE(message.payload, "after");
    }
}

std::size_t countFiles(const std::filesystem::path& dir) {
    std::error_code ec;
    std::size_t count = 0;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        count += it->is_regular_file() ? 1 : 0;
    }
    return count;
}

std::vector<std::string> entries(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<double> timedPublishes(test::IoThread& io, MqttLink& link, const std::string& topic,
                                   const std::string& prefix, int count) {
    return io.run([&] {
        std::vector<double> micros;
        for (int i = 0; i < count; ++i) {
            const auto begin = std::chrono::steady_clock::now();
            link.publish(topic, prefix + std::to_string(i), false);
            micros.push_back(
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - begin)
                    .count());
        }
        return micros;
    });
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) {
        return -1;
    }
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// How sekimorid runs its link: no persistence directory. Paho keeps the QoS 1 queue in memory,
// so what is published while the broker is down still arrives once it is back, and publish()
// writes no file (Paho's default without a directory would be the working directory). The
// panel's link, with a directory, shows what the check would see: Paho writes the queue there
// during publish().
TEST_F(PahoMqttLinkTest, WithoutAPersistenceDirThePublishQueueIsInMemoryAndNoFileIsWritten) {
    const auto workingDirBefore = entries(std::filesystem::current_path());
    auto daemonOptions = broker_.options("sekimorid");
    const std::filesystem::path unusedDir = daemonOptions.persistenceDir;
    daemonOptions.persistenceDir.clear();
    daemon_ = makeClient(daemonOptions);
    auto panelOptions = broker_.options("p-a");
    panelOptions.subscriptions = {panelTopic("p-a", "reply")};
    panelA_ = makeClient(panelOptions);
    start(*daemon_);
    start(*panelA_);
    ASSERT_TRUE(daemon_->recorder.waitForConnected()) << broker_.log();
    ASSERT_TRUE(panelA_->recorder.waitForConnected()) << broker_.log();

    broker_.stop();
    ASSERT_TRUE(daemon_->recorder.waitForConnected(false));
    ASSERT_TRUE(panelA_->recorder.waitForConnected(false));
    constexpr int kCount = 1000;
    const auto inMemory =
        timedPublishes(io_, *daemon_->link, panelTopic("p-a", "reply"), "reply-", kCount);
    const auto filesBefore = countFiles(panelOptions.persistenceDir);
    const auto onDisk =
        timedPublishes(io_, *panelA_->link, panelTopic("p-a", "event"), "event-", 100);
    EXPECT_GE(countFiles(panelOptions.persistenceDir), filesBefore + 100);
    EXPECT_FALSE(std::filesystem::exists(unusedDir));
    EXPECT_EQ(entries(std::filesystem::current_path()), workingDirBefore);

    broker_.start();
    const std::string last = "reply-" + std::to_string(kCount - 1);
    ASSERT_TRUE(panelA_->recorder.waitFor([&](const auto& messages, const auto&) {
        return !messages.empty() && messages.back().payload == last;
    })) << broker_.log();
    std::vector<std::string> firstSeen;  // QoS 1: at least once, in order of first arrival
    for (const auto& message : panelA_->recorder.messages()) {
        if (std::find(firstSeen.begin(), firstSeen.end(), message.payload) == firstSeen.end()) {
            firstSeen.push_back(message.payload);
        }
    }
    ASSERT_EQ(firstSeen.size(), static_cast<std::size_t>(kCount));
    for (int i = 0; i < kCount; ++i) {
        EXPECT_EQ(firstSeen[static_cast<std::size_t>(i)], "reply-" + std::to_string(i));
    }
    EXPECT_FALSE(std::filesystem::exists(unusedDir));

    std::printf(
        "publish() on the io thread, broker down: in memory p50=%.1f us p99=%.1f us "
        "max=%.1f us; file store p50=%.1f us p99=%.1f us max=%.1f us\n",
        percentile(inMemory, 0.5), percentile(inMemory, 0.99), percentile(inMemory, 1.0),
        percentile(onDisk, 0.5), percentile(onDisk, 0.99), percentile(onDisk, 1.0));
    RecordProperty("publish_in_memory_p99_us", std::to_string(percentile(inMemory, 0.99)));
    RecordProperty("publish_file_store_p99_us", std::to_string(percentile(onDisk, 0.99)));
    // The io thread's budget for one handler is 5 ms (issue 11's watchdog); a publish is a
    // small part of one.
    EXPECT_LT(percentile(inMemory, 0.99), 5000);
}

// Closes the socket under Paho, as a network failure would, by finding the fd whose local
// port mosquitto logged for this client id.
bool cutConnection(const test::MosquittoBroker& broker, const std::string& clientId) {
    const std::regex line("New client connected from 127\\.0\\.0\\.1:([0-9]+) as " + clientId +
                          " ");
    std::string log = broker.log();
    std::smatch match;
    int localPort = -1;
    for (auto it = log.cbegin(); std::regex_search(it, log.cend(), match, line);
         it = match.suffix().first) {
        localPort = std::stoi(match[1]);
    }
    if (localPort < 0) {
        return false;
    }
    bool cut = false;
    for (int fd = 0; fd < 1024; ++fd) {
        sockaddr_in local{};
        sockaddr_in peer{};
        socklen_t length = sizeof local;
        socklen_t peerLength = sizeof peer;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
            local.sin_family == AF_INET && ntohs(local.sin_port) == localPort &&
            getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLength) == 0 &&
            ntohs(peer.sin_port) == broker.port()) {
            cut = shutdown(fd, SHUT_RDWR) == 0 || cut;
        }
    }
    return cut;
}

TEST_F(PahoMqttLinkTest, ReconnectsAndResubscribesAfterANetworkFailureWhileTheWillIsPublished) {
    auto panelOptions = broker_.options("p-a");
    panelOptions.subscriptions = {panelTopic("p-a", "reply")};
    panelOptions.willTopic = panelTopic("p-a", "status");
    panelOptions.willPayload = R"({"state":"offline"})";
    panelA_ = makeClient(panelOptions);
    auto daemonOptions = broker_.options("sekimorid");
    daemonOptions.subscriptions = {panelTopic("+", "status")};
    daemon_ = makeClient(daemonOptions);
    start(*panelA_);
    start(*daemon_);
    ASSERT_TRUE(panelA_->recorder.waitForConnected());
    ASSERT_TRUE(daemon_->recorder.waitForConnected());
    publish(*panelA_, panelTopic("p-a", "status"), R"({"state":"online"})", true);
    ASSERT_TRUE(daemon_->recorder.waitForMessages(1)) << broker_.log();

    ASSERT_TRUE(cutConnection(broker_, "p-a")) << broker_.log();
    ASSERT_TRUE(daemon_->recorder.waitFor([](const auto& messages, const auto&) {
        return messages.size() >= 2 && messages.back().payload == R"({"state":"offline"})";
    })) << broker_.log();
    ASSERT_TRUE(panelA_->recorder.waitFor([](const auto&, const auto& reports) {
        return reports.size() >= 3 && reports.back().connected;
    })) << broker_.log();
    EXPECT_FALSE(panelA_->recorder.reports()[1].connected);
    EXPECT_NE(panelA_->recorder.reports()[1].reason.find("lost"), std::string::npos);

    // Resubscribed: a reply reaches the panel again.
    publish(*daemon_, panelTopic("p-a", "reply"), "after-reconnect");
    ASSERT_TRUE(panelA_->recorder.waitFor([](const auto& messages, const auto&) {
        return !messages.empty() && messages.back().payload == "after-reconnect";
    })) << broker_.log();
}

TEST_F(PahoMqttLinkTest, NoHandlerRunsAfterStopReturns) {
    connectDaemonAndPanelA({panelTopic("+", "event")});
    std::atomic<bool> stopped{false};
    std::atomic<int> afterStop{0};
    std::atomic<int> received{0};
    io_.run([&] {
        daemon_->link->onMessage([&](const MqttMessage&) {
            if (stopped) {
                ++afterStop;
            }
            if (++received == 5) {
                daemon_->link->stop();
                stopped = true;
            }
        });
    });
    for (int i = 0; i < 50; ++i) {
        publish(*panelA_, panelTopic("p-a", "event"), std::to_string(i));
    }
    publish(*panelA_, panelTopic("p-a", "request"), "flush");  // p-a's own queue is drained
    std::this_thread::sleep_for(300ms);
    io_.run([] {});  // and everything already posted to the io thread has run
    EXPECT_TRUE(stopped);
    EXPECT_EQ(afterStop, 0);
    EXPECT_FALSE(io_.run([&] { return daemon_->link->connected(); }));
}

// Request/reply round trips, p-a -> daemon -> p-a, one at a time as a door step does. Each
// request carries a unique tag; the round trip ends when the reply with that tag is in.
bool roundTrip(test::IoThread& io, MqttLink& requester, test::LinkRecorder& recorder,
               const std::string& tag, std::chrono::milliseconds timeout) {
    io.run([&] { requester.publish(panelTopic("p-a", "request"), tag); });
    return recorder.waitFor(
        [&tag](const auto& messages, const auto&) {
            return !messages.empty() && messages.back().payload == tag;
        },
        timeout);
}

std::vector<double> roundTripsMicros(test::IoThread& io, MqttLink& requester,
                                     test::LinkRecorder& recorder, int count) {
    std::vector<double> micros;
    for (int i = 0; i < count; ++i) {
        const auto begin = std::chrono::steady_clock::now();
        if (!roundTrip(io, requester, recorder, "rt-" + std::to_string(i), 5s)) {
            break;
        }
        micros.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - begin)
                .count());
    }
    return micros;
}

double measureRoundTripP50(test::MosquittoBroker& broker, test::IoThread& io, bool noDelay,
                           int count) {
    PahoLinkTuning tuning;
    tuning.tcpNoDelay = noDelay;
    const std::string suffix = noDelay ? "-nd" : "-nagle";
    auto daemonOptions = broker.options("sekimorid", "sekimorid" + suffix);
    daemonOptions.subscriptions = {panelTopic("+", "request")};
    auto panelOptions = broker.options("p-a", "p-a" + suffix);
    panelOptions.subscriptions = {panelTopic("p-a", "reply")};
    auto daemon = makePahoMqttLink(io.executor(), daemonOptions, tuning);
    auto panel = makePahoMqttLink(io.executor(), panelOptions, tuning);
    test::LinkRecorder daemonRecorder;
    test::LinkRecorder panelRecorder;
    daemonRecorder.attach(*daemon);
    panelRecorder.attach(*panel);
    // The responder answers on the io thread, as the daemon would.
    daemon->onMessage([&daemon](const MqttMessage& request) {
        daemon->publish(panelTopic("p-a", "reply"), request.payload);
    });
    io.run([&] {
        daemon->start();
        panel->start();
    });
    EXPECT_TRUE(daemonRecorder.waitForConnected());
    EXPECT_TRUE(panelRecorder.waitForConnected());
    // Subscriptions land asynchronously: ask until the first answer comes back.
    bool warm = false;
    for (int i = 0; i < 50 && !warm; ++i) {
        warm = roundTrip(io, *panel, panelRecorder, "warm-" + std::to_string(i), 200ms);
    }
    EXPECT_TRUE(warm) << broker.log();
    const auto samples = roundTripsMicros(io, *panel, panelRecorder, count);
    io.run([&] {
        daemon.reset();
        panel.reset();
    });
    const double p50 = percentile(samples, 0.5);
    std::printf("QoS 1 request/reply, TCP_NODELAY %s: n=%zu p50=%.0f us p99=%.0f us\n",
                noDelay ? "on " : "off", samples.size(), p50, percentile(samples, 0.99));
    return p50;
}

TEST_F(PahoMqttLinkTest, TcpNoDelayMakesARoundTripSubMillisecond) {
    const double withNoDelay = measureRoundTripP50(broker_, io_, true, 200);
    const double withNagle = measureRoundTripP50(broker_, io_, false, 10);
    RecordProperty("round_trip_p50_us_nodelay", std::to_string(withNoDelay));
    RecordProperty("round_trip_p50_us_nagle", std::to_string(withNagle));
    EXPECT_GT(withNoDelay, 0);
    // Relative, so a loaded machine or a sanitizer build does not flip it: Nagle's cost is the
    // kernel's 40 ms delayed-ACK timer, which no amount of load makes shorter. Here: 0.85 ms
    // against 88 ms p50 (Debug build, 2 shared cores).
    EXPECT_LT(withNoDelay * 4, withNagle);
    EXPECT_LT(withNoDelay, 40'000);
}

}  // namespace
}  // namespace sekimori::io
