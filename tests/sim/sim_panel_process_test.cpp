// sekimori-sim-panel as a process against a real mosquitto, with this test playing the
// controller over a Paho link: the whole three-factor flow, sealing with the panel key, the
// retained status and last will, and the command-line failures.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "io/paho_mqtt_link.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_link_auth.hpp"
#include "protocol/topics.hpp"
#include "sim/fingerprint_model.hpp"
#include "tests/io/broker_fixture.hpp"
#include "tests/io/io_thread.hpp"

namespace sekimori::sim {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kProgram = std::string(SEKIMORI_BINARY_DIR) + "/sim/sekimori-sim-panel";

// A child process with stdin, stdout and stderr on pipes.
class Process {
  public:
    explicit Process(std::vector<std::string> args) {
        int in[2], out[2], err[2];
        if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) {
            throw std::runtime_error("pipe failed");
        }
        std::vector<char*> argv{const_cast<char*>(kProgram.c_str())};
        for (auto& arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            dup2(in[0], STDIN_FILENO);
            dup2(out[1], STDOUT_FILENO);
            dup2(err[1], STDERR_FILENO);
            for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
                close(fd);
            }
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        close(err[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        stderr_ = err[0];
    }
    ~Process() {
        closeStdin();
        if (pid_ > 0 && !exitCode_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(stdout_);
        close(stderr_);
    }

    void send(const std::string& line) {
        const std::string text = line + "\n";
        ASSERT_EQ(write(stdin_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }
    void closeStdin() {
        if (stdin_ >= 0) {
            close(stdin_);
            stdin_ = -1;
        }
    }

    // The next stdout line (as JSON) for which pred holds; earlier lines are kept in seen().
    std::optional<Json> waitLine(const std::function<bool(const Json&)>& pred,
                                 std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            while (next_ < seen_.size()) {
                const Json& line = seen_[next_++];
                if (pred(line)) {
                    return line;
                }
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !readMore(stdout_, buffer_, static_cast<int>(left.count()))) {
                return std::nullopt;
            }
            for (auto end = buffer_.find('\n'); end != std::string::npos;
                 end = buffer_.find('\n')) {
                seen_.push_back(Json::parse(buffer_.substr(0, end), nullptr, false));
                buffer_.erase(0, end + 1);
            }
        }
    }
    std::optional<Json> waitOut(const std::string& kind, std::chrono::milliseconds timeout = 10s) {
        return waitLine([&](const Json& line) { return line.value("out", "") == kind; }, timeout);
    }

    int wait(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        while (waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                return -1;
            }
            std::this_thread::sleep_for(5ms);
        }
        exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return *exitCode_;
    }
    std::string stderrText() {
        std::string text;
        while (readMore(stderr_, text, 100)) {
        }
        return text;
    }

  private:
    static bool readMore(int fd, std::string& into, int timeoutMs) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, timeoutMs) <= 0) {
            return false;
        }
        char chunk[4096];
        const ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) {
            return false;
        }
        into.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    pid_t pid_ = -1;
    int stdin_ = -1, stdout_ = -1, stderr_ = -1;
    std::optional<int> exitCode_;
    std::string buffer_;
    std::vector<Json> seen_;
    std::size_t next_ = 0;
};

std::string writeKey(const std::filesystem::path& dir, const std::string& bytes, mode_t mode) {
    const auto path = dir / "panel.key";
    std::ofstream(path, std::ios::binary) << bytes;
    chmod(path.c_str(), mode);
    return path.string();
}

class SimPanelProcess : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(core::initCrypto()); }

    test::MosquittoBroker broker{{.site = "s1", .panels = {"p-1"}, .services = {}}};
    core::Bytes key = core::randomBytes(32);
    std::string keyFile = writeKey(broker.runDir(), key, 0600);
    std::string passwordFile = (broker.runDir() / "secrets/mqtt/p-1.password").string();

    std::vector<std::string> args(std::string keyPath = "") {
        return {"--site",
                "s1",
                "--panel",
                "p-1",
                "--door",
                "server-room",
                "--mqtt-uri",
                broker.uri(),
                "--password-file",
                passwordFile,
                "--panel-key-file",
                keyPath.empty() ? keyFile : keyPath,
                "--persistence-dir",
                (broker.runDir() / "panel-store").string(),
                "--held-open-ms",
                "60000"};
    }
};

// Waits for the next request on the controller side and parses it.
protocol::PanelRequest nextRequest(test::LinkRecorder& recorder, std::size_t& seen) {
    const std::string topic = protocol::panelTopic("s1", "p-1", protocol::PanelChannel::request);
    protocol::PanelRequest out;
    const bool got = recorder.waitFor([&](const auto& messages, const auto&) {
        for (; seen < messages.size(); ++seen) {
            if (messages[seen].topic == topic) {
                const auto parsed = protocol::parsePanelRequest(messages[seen].payload);
                EXPECT_TRUE(parsed) << parsed.error;
                out = parsed.value.value_or(out);
                ++seen;
                return true;
            }
        }
        return false;
    });
    EXPECT_TRUE(got) << "no request from the panel";
    return out;
}

TEST_F(SimPanelProcess, ThreeFactorEntryAgainstARealBroker) {
    test::IoThread io;
    test::LinkRecorder recorder;
    auto options = broker.options("sekimorid");
    options.subscriptions = {protocol::panelWildcard("s1")};
    auto controller = io::makePahoMqttLink(io.executor(), options);
    recorder.attach(*controller);
    io.run([&] { controller->start(); });
    ASSERT_TRUE(recorder.waitForConnected());
    const std::string replyTopic = protocol::panelTopic("s1", "p-1", protocol::PanelChannel::reply);
    // The test plays the controller's end of the authenticated link (docs/mqtt.md).
    const core::Bytes macKey = core::keyedHash(key, protocol::kMacKeyLabel);
    const std::string epoch = core::toHex(core::randomBytes(16));
    protocol::PanelLink announce{epoch, ""};
    announce.mac = core::toHex(core::keyedHash(
        macKey, protocol::linkMacInput("s1", "p-1", announce, protocol::encodeBody(announce))));
    io.run([&] {
        controller->publish(protocol::panelTopic("s1", "p-1", protocol::PanelChannel::link),
                            protocol::encode(announce), /*retained=*/true);
    });
    std::vector<std::string> sentReplies;
    // Answers `to` with `body`; `nonce` for a challenge. Returns the payload it published.
    const auto answer = [&](const protocol::PanelRequest& to,
                            std::variant<protocol::Challenge, protocol::Decision> body,
                            const std::string& nonce = std::string(32, 'c')) {
        protocol::PanelReply message;
        message.session = to.session;
        message.door = to.door;
        message.step = std::holds_alternative<protocol::CardPresented>(to.step)
                           ? protocol::Factor::card
                           : (std::holds_alternative<protocol::PinEntered>(to.step)
                                  ? protocol::Factor::pin
                                  : protocol::Factor::finger);
        message.body = std::move(body);
        message.auth = {epoch, to.auth.counter, nonce, ""};
        message.auth.mac = core::toHex(core::keyedHash(
            macKey, protocol::replyMacInput("s1", "p-1", message, protocol::encodeBody(message))));
        const std::string payload = protocol::encode(message);
        sentReplies.push_back(payload);
        io.run([&] { controller->publish(replyTopic, payload); });
        return payload;
    };
    const auto publishRaw = [&](const std::string& payload) {
        io.run([&] { controller->publish(replyTopic, payload); });
    };

    Process panel(args());
    ASSERT_TRUE(panel.waitOut("connection")) << panel.stderrText();
    ASSERT_TRUE(panel.waitOut("link")) << panel.stderrText();
    std::size_t seen = 0;

    panel.send("card 0123456789ABCDEF");
    auto request = nextRequest(recorder, seen);
    ASSERT_TRUE(std::holds_alternative<protocol::CardPresented>(request.step));
    EXPECT_EQ(request.door, "server-room");
    const std::string session = request.session;
    EXPECT_EQ(request.auth.epoch, epoch);
    const protocol::PanelRequest cardRequest = request;

    const std::string pinNonce(32, 'a');
    const std::string pinChallenge =
        answer(request, protocol::Challenge{protocol::Factor::pin, "", 20000}, pinNonce);
    ASSERT_TRUE(panel.waitLine([](const Json& l) { return l.value("screen", "") == "enter_pin"; }));
    panel.send("pin 4711");
    request = nextRequest(recorder, seen);
    // The PIN arrives sealed with this panel's key and nothing else.
    const auto sealed = core::fromBase64(std::get<protocol::PinEntered>(request.step).pinBox);
    ASSERT_TRUE(sealed);
    const auto pin = core::openBox(key, *sealed);
    ASSERT_TRUE(pin);
    EXPECT_EQ(*pin, pinNonce + ":4711");  // bound to the challenge it answers
    EXPECT_EQ(request.auth.nonce, pinNonce);
    EXPECT_GT(request.auth.counter, cardRequest.auth.counter);

    const std::string templateBox =
        core::toBase64(core::sealBox(key, fingerprintTemplateFromSeed("alice")));
    answer(request, protocol::Challenge{protocol::Factor::finger, templateBox, 20000});
    ASSERT_TRUE(
        panel.waitLine([](const Json& l) { return l.value("screen", "") == "place_finger"; }));
    panel.send("finger alice");
    request = nextRequest(recorder, seen);
    EXPECT_GE(std::get<protocol::FingerScored>(request.step).score, 85);

    // An injected grant (no panel key: its MAC cannot verify) does not unlock.
    protocol::PanelReply forged;
    forged.session = session;
    forged.door = "server-room";
    forged.step = protocol::Factor::finger;
    forged.body = protocol::Decision{true, "granted", 4000};
    forged.auth = {epoch, request.auth.counter, std::string(32, 'c'), std::string(64, '0')};
    publishRaw(protocol::encode(forged));
    auto refused = panel.waitOut("ignored");
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["why"], "reply: bad MAC");
    // A captured genuine reply, replayed: it answers an older request.
    publishRaw(pinChallenge);
    refused = panel.waitOut("ignored");
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["why"], "reply: does not answer the outstanding request");

    answer(request, protocol::Decision{true, "granted", 4000});
    const auto lock = panel.waitOut("lock");
    ASSERT_TRUE(lock);
    EXPECT_EQ((*lock)["released"], true);  // the first lock line: nothing forged unlocked
    EXPECT_EQ((*lock)["ms"], 4000);
    const auto decision = panel.waitOut("decision");
    ASSERT_TRUE(decision);
    EXPECT_EQ((*decision)["reason"], "granted");

    // A late reply for the same session is stale now.
    answer(request, protocol::Decision{false, "timeout", 0});
    const auto ignored = panel.waitOut("ignored");
    ASSERT_TRUE(ignored);
    EXPECT_EQ((*ignored)["why"], "reply: stale session");

    panel.send("open");
    const std::string eventTopic = protocol::panelTopic("s1", "p-1", protocol::PanelChannel::event);
    ASSERT_TRUE(recorder.waitFor([&](const auto& messages, const auto&) {
        for (const auto& m : messages) {
            if (m.topic == eventTopic) {
                const auto event = protocol::parsePanelEvent(m.payload);
                return event && event.value->kind == protocol::DoorEventKind::opened &&
                       event.value->session == session;
            }
        }
        return false;
    }));

    panel.send("quit");
    ASSERT_TRUE(panel.waitOut("stopped"));
    EXPECT_EQ(panel.wait(), 0);
    const std::string statusTopic =
        protocol::panelTopic("s1", "p-1", protocol::PanelChannel::status);
    ASSERT_TRUE(recorder.waitFor([&](const auto& messages, const auto&) {
        return !messages.empty() && messages.back().topic == statusTopic &&
               messages.back().payload == R"({"online":false,"firmware":""})";
    }));
    io.run([&] { controller->stop(); });
}

TEST_F(SimPanelProcess, KilledPanelLeavesItsLastWill) {
    test::IoThread io;
    test::LinkRecorder recorder;
    auto options = broker.options("sekimorid");
    options.subscriptions = {protocol::panelTopic("s1", "p-1", protocol::PanelChannel::status)};
    auto observer = io::makePahoMqttLink(io.executor(), options);
    recorder.attach(*observer);
    io.run([&] { observer->start(); });
    ASSERT_TRUE(recorder.waitForConnected());
    {
        Process panel(args());
        ASSERT_TRUE(panel.waitOut("connection"));
        ASSERT_TRUE(recorder.waitFor([](const auto& messages, const auto&) {
            return !messages.empty() && messages.back().payload.find("true") != std::string::npos;
        }));
    }  // SIGKILL: no clean disconnect
    EXPECT_TRUE(recorder.waitFor(
        [](const auto& messages, const auto&) {
            return messages.back().payload == R"({"online":false,"firmware":""})";
        },
        15s))
        << broker.log();
    io.run([&] { observer->stop(); });
}

TEST_F(SimPanelProcess, RefusesBadArgumentsAndUnreadableKeys) {
    {
        Process panel({"--site", "s1", "--panel", "p-1"});
        EXPECT_EQ(panel.wait(), 2);
        EXPECT_NE(panel.stderrText().find("--door is required"), std::string::npos);
    }
    {
        auto bad = args();
        bad[5] = "Server Room";
        Process panel(bad);
        EXPECT_EQ(panel.wait(), 2);
        EXPECT_NE(panel.stderrText().find("--door must be 1..64 of [a-z0-9_-]"), std::string::npos);
    }
    {
        Process panel(args((broker.runDir() / "missing.key").string()));
        EXPECT_EQ(panel.wait(), 1);
        EXPECT_NE(panel.stderrText().find("cannot use panel key"), std::string::npos);
    }
    {
        const auto dir = broker.runDir() / "open";
        std::filesystem::create_directories(dir);
        Process panel(args(writeKey(dir, key, 0644)));
        EXPECT_EQ(panel.wait(), 1);
        EXPECT_NE(panel.stderrText().find("cannot use panel key"), std::string::npos);
    }
}

TEST_F(SimPanelProcess, ReportsBadCommandsAndEndsOnEof) {
    Process panel(args());
    ASSERT_TRUE(panel.waitOut("connection"));
    panel.send("pin 12ab");
    auto error = panel.waitOut("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"], "a PIN is digits only");
    panel.send("dance");
    error = panel.waitOut("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"], "unknown command 'dance'");
    panel.send("open");
    const auto sent = panel.waitOut("sent");
    ASSERT_TRUE(sent);
    EXPECT_EQ((*sent)["payload"]["event"], "forced");
    panel.closeStdin();
    EXPECT_TRUE(panel.waitOut("stopped"));
    EXPECT_EQ(panel.wait(), 0);
}

}  // namespace
}  // namespace sekimori::sim
