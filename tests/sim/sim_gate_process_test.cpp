// sekimori-sim-gate as a process against a real mosquitto, with this test playing the controller
// over a Paho link: a whole three-factor entry cycle (the finger taken inside the booth, the leaves
// in order, the signed and journaled cycle events), the stdin and stdout contract (the booth's
// physics: a shut leaf cannot be crossed, a jammed one does not move), fire release and power loss,
// the journal's seq carried across a kill -9, and the command-line failures.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
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

const std::string kProgram = std::string(SEKIMORI_BINARY_DIR) + "/sim/sekimori-sim-gate";

// A child process with stdin, stdout and stderr on pipes (as in sim_panel_process_test.cpp).
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
    // Every stdout line read so far, in order.
    const std::vector<Json>& seen() const { return seen_; }
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
    const auto path = dir / "gate.key";
    std::ofstream(path, std::ios::binary) << bytes;
    chmod(path.c_str(), mode);
    return path.string();
}

bool isOut(const Json& line, const std::string& out) {
    return line.is_object() && line.value("out", "") == out;
}
// {"out":"lock","leaf":leaf,"released":released}
std::function<bool(const Json&)> lockLine(const std::string& leaf, bool released) {
    return [leaf, released](const Json& l) {
        return isOut(l, "lock") && l.value("leaf", "") == leaf &&
               l.value("released", !released) == released;
    };
}
std::function<bool(const Json&)> positionLine(const std::string& leaf, bool closed) {
    return [leaf, closed](const Json& l) {
        return isOut(l, "position") && l.value("leaf", "") == leaf &&
               l.value("closed", !closed) == closed;
    };
}
std::function<bool(const Json&)> screenLine(const std::string& reader, const std::string& screen) {
    return [reader, screen](const Json& l) {
        return isOut(l, "display") && l.value("reader", "") == reader &&
               l.value("screen", "") == screen;
    };
}
std::function<bool(const Json&)> eventLine(const std::string& kind) {
    return [kind](const Json& l) { return isOut(l, "event") && l.value("kind", "") == kind; };
}

// The controller's end of the link (docs/mqtt.md): announces an epoch, reads the gate's requests
// and events, answers with MAC'd replies.
class Controller {
  public:
    Controller(test::MosquittoBroker& broker, const core::Bytes& panelKey)
        : macKey_(core::keyedHash(panelKey, protocol::kMacKeyLabel)),
          epoch_(core::toHex(core::randomBytes(16))) {
        auto options = broker.options("sekimorid");
        options.subscriptions = {protocol::panelWildcard("s1")};
        link_ = io::makePahoMqttLink(io_.executor(), options);
        recorder_.attach(*link_);
        io_.run([&] { link_->start(); });
        EXPECT_TRUE(recorder_.waitForConnected());
        protocol::PanelLink announce{epoch_, ""};
        announce.mac = core::toHex(core::keyedHash(
            macKey_,
            protocol::linkMacInput("s1", "g-1", announce, protocol::encodeBody(announce))));
        io_.run([&] {
            link_->publish(topic(protocol::PanelChannel::link), protocol::encode(announce),
                           /*retained=*/true);
        });
    }
    ~Controller() {
        io_.run([&] { link_->stop(); });
    }

    static std::string topic(protocol::PanelChannel channel) {
        return protocol::panelTopic("s1", "g-1", channel);
    }

    // The gate's next request, parsed.
    protocol::PanelRequest nextRequest() {
        protocol::PanelRequest out;
        const bool got = recorder_.waitFor([&](const auto& messages, const auto&) {
            for (; seenRequests_ < messages.size(); ++seenRequests_) {
                if (messages[seenRequests_].topic == topic(protocol::PanelChannel::request)) {
                    const auto parsed =
                        protocol::parsePanelRequest(messages[seenRequests_].payload);
                    EXPECT_TRUE(parsed) << parsed.error;
                    out = parsed.value.value_or(out);
                    ++seenRequests_;
                    return true;
                }
            }
            return false;
        });
        EXPECT_TRUE(got) << "no request from the gate";
        return out;
    }

    // Every event payload the gate published so far (raw, as signed).
    std::vector<std::string> eventPayloads() {
        std::vector<std::string> out;
        recorder_.waitFor([&](const auto& messages, const auto&) {
            for (const auto& m : messages) {
                if (m.topic == topic(protocol::PanelChannel::event)) {
                    out.push_back(m.payload);
                }
            }
            return true;
        });
        return out;
    }
    // Waits for the gate's event of `kind`; returns it parsed, with its raw payload.
    std::optional<std::pair<protocol::PanelEvent, std::string>> waitEvent(
        protocol::DoorEventKind kind) {
        std::optional<std::pair<protocol::PanelEvent, std::string>> found;
        recorder_.waitFor([&](const auto& messages, const auto&) {
            for (const auto& m : messages) {
                if (m.topic != topic(protocol::PanelChannel::event)) {
                    continue;
                }
                const auto parsed = protocol::parsePanelEvent(m.payload);
                EXPECT_TRUE(parsed) << parsed.error << ": " << m.payload;
                if (parsed && parsed.value->kind == kind) {
                    found = std::make_pair(*parsed.value, m.payload);
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    void answer(const protocol::PanelRequest& to,
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
        message.auth = {epoch_, to.auth.counter, nonce, ""};
        message.auth.mac = core::toHex(core::keyedHash(
            macKey_, protocol::replyMacInput("s1", "g-1", message, protocol::encodeBody(message))));
        const std::string payload = protocol::encode(message);
        io_.run([&] { link_->publish(topic(protocol::PanelChannel::reply), payload); });
    }

    const std::string& epoch() const { return epoch_; }

  private:
    test::IoThread io_;
    test::LinkRecorder recorder_;
    std::unique_ptr<io::MqttLink> link_;
    core::Bytes macKey_;
    std::string epoch_;
    std::size_t seenRequests_ = 0;
};

class SimGateProcess : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(core::initCrypto()); }

    test::MosquittoBroker broker{{.site = "s1", .panels = {"g-1"}, .services = {}}};
    core::Bytes key = core::randomBytes(32);
    std::string keyFile = writeKey(broker.runDir(), key, 0600);
    std::string passwordFile = (broker.runDir() / "secrets/mqtt/g-1.password").string();
    std::string stateDir = (broker.runDir() / "gate-state").string();

    std::vector<std::string> args(std::vector<std::string> extra = {}) {
        std::filesystem::create_directories(stateDir);
        std::vector<std::string> out{
            "--site",           "s1",         "--panel",          "g-1",
            "--gate",           "gate-1",     "--mqtt-uri",       broker.uri(),
            "--password-file",  passwordFile, "--panel-key-file", keyFile,
            "--state-dir",      stateDir,     "--leaf-motion-ms", "50",
            "--close-delay-ms", "200",        "--settle-ms",      "100"};
        out.insert(out.end(), extra.begin(), extra.end());
        return out;
    }

    // The gate's public signing key (made by the gate on its first run, K.sign.pub).
    std::string signingPublicKey() {
        std::string hex;
        std::ifstream(keyFile + ".sign.pub") >> hex;
        const auto bytes = core::fromHex(hex);
        return bytes ? *bytes : std::string();
    }
    bool signedByTheGate(const protocol::PanelEvent& event) {
        const std::string input =
            protocol::reportSigningInput("s1", "g-1", protocol::encodeReport(event));
        const auto sig = core::fromHex(event.sig);
        const std::string pub = signingPublicKey();
        return sig && sig->size() == crypto_sign_BYTES &&
               pub.size() == crypto_sign_PUBLICKEYBYTES &&
               crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()),
                                           reinterpret_cast<const unsigned char*>(input.data()),
                                           input.size(),
                                           reinterpret_cast<const unsigned char*>(pub.data())) == 0;
    }
};

TEST_F(SimGateProcess, ThreeFactorEntryCycleAgainstARealBroker) {
    Controller controller(broker, key);
    Process gate(args());
    ASSERT_TRUE(gate.waitOut("connection")) << gate.stderrText();
    ASSERT_TRUE(gate.waitOut("link")) << gate.stderrText();

    gate.send("card outer 0123456789ABCDEF");
    auto request = controller.nextRequest();
    ASSERT_TRUE(std::holds_alternative<protocol::CardPresented>(request.step));
    EXPECT_EQ(request.door, "gate-1");
    EXPECT_EQ(request.side, protocol::DoorSide::entry);
    EXPECT_EQ(request.auth.epoch, controller.epoch());

    const std::string pinNonce(32, 'a');
    controller.answer(request, protocol::Challenge{protocol::Factor::pin, "", 20000}, pinNonce);
    ASSERT_TRUE(gate.waitLine(screenLine("outer", "enter_pin")));
    gate.send("pin 4711");
    request = controller.nextRequest();
    const auto sealed = core::fromBase64(std::get<protocol::PinEntered>(request.step).pinBox);
    ASSERT_TRUE(sealed);
    const auto pin = core::openBox(key, *sealed);
    ASSERT_TRUE(pin);
    EXPECT_EQ(*pin, pinNonce + ":4711");

    // The finger challenge opens the outer leaf: the finger is taken inside the booth.
    const std::string templateBox =
        core::toBase64(core::sealBox(key, fingerprintTemplateFromSeed("alice")));
    controller.answer(request, protocol::Challenge{protocol::Factor::finger, templateBox, 20000});
    ASSERT_TRUE(gate.waitLine(lockLine("outer", true)));
    ASSERT_TRUE(gate.waitLine(positionLine("outer", false)));
    gate.send("leave inner");  // the inner leaf is shut: nobody crosses it
    auto error = gate.waitOut("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"], "the inner leaf is shut");
    gate.send("enter outer 71000");
    const auto sensors = gate.waitOut("sensors");
    ASSERT_TRUE(sensors);
    EXPECT_EQ((*sensors)["presence"], 1);
    EXPECT_EQ((*sensors)["weight_g"], 71000);
    ASSERT_TRUE(gate.waitLine(lockLine("outer", false)));
    ASSERT_TRUE(gate.waitLine(positionLine("outer", true)));
    ASSERT_TRUE(gate.waitLine(screenLine("booth", "place_finger")));
    gate.send("finger alice");
    request = controller.nextRequest();
    EXPECT_GE(std::get<protocol::FingerScored>(request.step).score, 85);

    // The grant carries the enrolled weight: 71 kg on the plate is within 15 % of 70 kg.
    controller.answer(request, protocol::Decision{true, "granted", 4000, 70000});
    ASSERT_TRUE(gate.waitLine(lockLine("inner", true)));
    ASSERT_TRUE(gate.waitLine(positionLine("inner", false)));
    gate.send("leave inner");
    ASSERT_TRUE(gate.waitLine(lockLine("inner", false)));
    ASSERT_TRUE(gate.waitLine(positionLine("inner", true)));
    const auto completed = gate.waitLine(eventLine("cycle_completed"));
    ASSERT_TRUE(completed);
    EXPECT_EQ((*completed)["side"], "entry");
    EXPECT_EQ((*completed)["presence"], 0);
    ASSERT_TRUE(
        gate.waitLine([](const Json& l) { return isOut(l, "phase") && l["phase"] == "idle"; }));

    // Both cycle events went out journaled (seq 1, 2), signed by the gate's own key.
    const auto started = controller.waitEvent(protocol::DoorEventKind::cycleStarted);
    const auto done = controller.waitEvent(protocol::DoorEventKind::cycleCompleted);
    ASSERT_TRUE(started && done);
    EXPECT_EQ(started->first.seq, 1u);
    EXPECT_EQ(done->first.seq, 2u);
    EXPECT_EQ(done->first.session, started->first.session);
    EXPECT_TRUE(signedByTheGate(started->first));
    EXPECT_TRUE(signedByTheGate(done->first));
    EXPECT_GT(done->first.occurredUs, 0);
    // Nobody acknowledged them: both are still pending in the journal.
    const auto journal = gate.waitLine(
        [](const Json& l) { return isOut(l, "journal") && l.value("pending", 0) == 2; });
    EXPECT_TRUE(journal);

    gate.send("quit");
    ASSERT_TRUE(gate.waitOut("stopped"));
    EXPECT_EQ(gate.wait(), 0);
}

TEST_F(SimGateProcess, FreeExitTailgateIsRefusedAndTheOuterLeafNeverOpens) {
    Process gate(args({"--free-exit"}));
    ASSERT_TRUE(gate.waitOut("connection")) << gate.stderrText();
    gate.send("exit");
    ASSERT_TRUE(gate.waitLine(lockLine("inner", true)));
    ASSERT_TRUE(gate.waitLine(positionLine("inner", false)));
    gate.send("enter inner");
    gate.send("enter inner 60000");  // a second body through the open leaf
    const auto refused = gate.waitLine(eventLine("cycle_refused"));
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["refusal"], "tailgate");
    EXPECT_EQ((*refused)["presence"], 2);
    EXPECT_EQ((*refused)["weight_g"], 130000);
    gate.send("leave inner");
    gate.send("leave inner");
    ASSERT_TRUE(gate.waitLine(lockLine("inner", false)));
    ASSERT_TRUE(gate.waitLine(positionLine("inner", true)));
    ASSERT_TRUE(
        gate.waitLine([](const Json& l) { return isOut(l, "phase") && l["phase"] == "idle"; }));
    gate.send("quit");
    ASSERT_TRUE(gate.waitOut("stopped"));
    EXPECT_EQ(gate.wait(), 0);
    for (const Json& line : gate.seen()) {
        EXPECT_FALSE(lockLine("outer", true)(line)) << line.dump();
    }
}

TEST_F(SimGateProcess, FireReleasesBothLeavesUntilRearmedAndPowerLossFollowsTheWiring) {
    Process gate(args({"--outer-fail-safe", "--inner-fail-secure"}));
    ASSERT_TRUE(gate.waitOut("connection")) << gate.stderrText();
    gate.send("fire on");
    ASSERT_TRUE(gate.waitLine(eventLine("gate_fire_released")));
    ASSERT_TRUE(gate.waitLine(positionLine("outer", false)));
    ASSERT_TRUE(gate.waitLine(positionLine("inner", false)));
    gate.send("rearm");  // refused while the input is active
    const auto ignored = gate.waitOut("ignored");
    ASSERT_TRUE(ignored);
    EXPECT_EQ((*ignored)["why"], "rearm: fire input still active");
    gate.send("fire off");
    ASSERT_TRUE(gate.waitLine(eventLine("gate_fire_cleared")));
    gate.send("rearm");
    ASSERT_TRUE(gate.waitLine(eventLine("gate_rearmed")));
    ASSERT_TRUE(gate.waitLine(positionLine("outer", true)));
    ASSERT_TRUE(gate.waitLine(positionLine("inner", true)));

    gate.send("power off");  // outer fail-safe (released), inner fail-secure (locked)
    ASSERT_TRUE(gate.waitLine(lockLine("outer", true)));
    ASSERT_TRUE(gate.waitLine(lockLine("inner", false)));
    ASSERT_TRUE(gate.waitLine(eventLine("gate_power_lost")));
    ASSERT_TRUE(gate.waitLine(positionLine("outer", false)));
    gate.send("power on");
    ASSERT_TRUE(gate.waitLine(eventLine("gate_power_restored")));
    ASSERT_TRUE(gate.waitLine(positionLine("outer", true)));
    gate.closeStdin();  // EOF = quit
    EXPECT_TRUE(gate.waitOut("stopped"));
    EXPECT_EQ(gate.wait(), 0);
}

TEST_F(SimGateProcess, AJammedLeafStaysWhereItIsAndIsReportedStuck) {
    Process gate(args({"--free-exit", "--leaf-move-ms", "500"}));
    ASSERT_TRUE(gate.waitOut("connection")) << gate.stderrText();
    gate.send("stick inner");
    ASSERT_TRUE(gate.waitOut("stuck"));
    gate.send("exit");
    ASSERT_TRUE(gate.waitLine(lockLine("inner", true)));
    const auto stuck = gate.waitLine(eventLine("gate_door_stuck"));
    ASSERT_TRUE(stuck);
    EXPECT_EQ((*stuck)["leaf"], "inner");
    const auto refused = gate.waitLine(eventLine("cycle_refused"));
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["refusal"], "door_stuck");
    gate.send("quit");
    ASSERT_TRUE(gate.waitOut("stopped"));
    for (const Json& line : gate.seen()) {
        EXPECT_FALSE(positionLine("inner", false)(line)) << "a jammed leaf moved: " << line.dump();
    }
}

TEST_F(SimGateProcess, TheJournalKeepsItsSeqAcrossAKill) {
    std::uint64_t lastSeq = 0;
    {
        Process gate(args());
        ASSERT_TRUE(gate.waitOut("connection")) << gate.stderrText();
        gate.send("fire on");
        const auto released = gate.waitLine(eventLine("gate_fire_released"));
        ASSERT_TRUE(released);
        gate.send("fire off");
        const auto cleared = gate.waitLine(eventLine("gate_fire_cleared"));
        ASSERT_TRUE(cleared);
        lastSeq = (*cleared)["seq"].get<std::uint64_t>();
        EXPECT_EQ(lastSeq, (*released)["seq"].get<std::uint64_t>() + 1);
    }  // SIGKILL
    Process gate(args());
    // Nothing was acknowledged: the journal still holds both (said before the link is up), and
    // the next event follows them.
    ASSERT_TRUE(gate.waitLine([](const Json& l) {
        return isOut(l, "journal") && l.value("pending", 0) == 2;
    })) << gate.stderrText();
    ASSERT_TRUE(gate.waitOut("connection")) << gate.stderrText();
    gate.send("rearm");
    const auto rearmed = gate.waitLine(eventLine("gate_rearmed"));
    ASSERT_TRUE(rearmed);
    EXPECT_EQ((*rearmed)["seq"].get<std::uint64_t>(), lastSeq + 1);
    gate.send("quit");
    EXPECT_TRUE(gate.waitOut("stopped"));
}

TEST_F(SimGateProcess, ReportsBadCommands) {
    Process gate(args());
    ASSERT_TRUE(gate.waitOut("connection")) << gate.stderrText();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"dance", "unknown command 'dance'"},
        {"pin 12ab", "'pin' takes the digits (0-9) typed"},
        {"enter sideways", "'enter' takes outer|inner and the body's grams"},
        {"enter outer heavy", "'enter' takes outer|inner and the body's grams"},
        {"leave outer 5", "'leave' takes outer|inner"},
        {"enter outer", "the outer leaf is shut"},
        {"presence 10", "'presence' takes a number 0..9"},
        {"weight -1", "'weight' takes a number 0..1000000"},
        {"stick", "'stick' takes outer|inner"},
        {"fire maybe", "'fire' takes on|off"},
        {"rearm now", "'rearm' takes no argument"},
        {"card outer a b c", "'card' takes [outer|inner] and a UID, or a format and its data"},
    };
    for (const auto& [command, why] : cases) {
        gate.send(command);
        const auto error = gate.waitOut("error");
        ASSERT_TRUE(error) << command;
        EXPECT_EQ((*error)["command"], command);
        EXPECT_EQ((*error)["error"], why) << command;
    }
    // The plate and the sensor can be set by hand: an object left on the plate of an idle gate.
    gate.send("weight 5000");
    ASSERT_TRUE(gate.waitLine(eventLine("gate_object_left")));
    gate.closeStdin();
    EXPECT_TRUE(gate.waitOut("stopped"));
    EXPECT_EQ(gate.wait(), 0);
}

TEST_F(SimGateProcess, RefusesBadArgumentsAndUnreadableKeys) {
    {
        Process gate({"--site", "s1", "--panel", "g-1"});
        EXPECT_EQ(gate.wait(), 2);
        EXPECT_NE(gate.stderrText().find("--gate is required"), std::string::npos);
    }
    {
        auto bad = args();
        bad[5] = "Gate One";
        Process gate(bad);
        EXPECT_EQ(gate.wait(), 2);
        EXPECT_NE(gate.stderrText().find("--gate must be 1..64 of [a-z0-9_-]"), std::string::npos);
    }
    {
        Process gate(args({"--cycle-timeout-ms", "0"}));
        EXPECT_EQ(gate.wait(), 2);
        EXPECT_NE(gate.stderrText().find("--cycle-timeout-ms must be an integer >= 1, got '0'"),
                  std::string::npos);
    }
    {
        Process gate(args({"--max-weight-g", "2000000"}));
        EXPECT_EQ(gate.wait(), 2);
        EXPECT_NE(gate.stderrText().find("--max-weight-g must be at most 1000000"),
                  std::string::npos);
    }
    {
        const auto dir = broker.runDir() / "open";
        std::filesystem::create_directories(dir);
        auto open = args();
        open[11] = writeKey(dir, key, 0644);
        Process gate(open);
        EXPECT_EQ(gate.wait(), 1);
        EXPECT_NE(gate.stderrText().find("cannot use panel key"), std::string::npos);
    }
}

}  // namespace
}  // namespace sekimori::sim
