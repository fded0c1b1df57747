// sekimori-sim-gate: our circle gate firmware on a host. The pure state machine
// (firmware/circle_gate.hpp) runs behind the host HAL and talks MQTT to the controller exactly as
// a real gate controller does; the booth around it is simulated here (each leaf's operator moves
// the leaf it is driven to, unless the leaf is stuck), the people in and around it are played
// through stdin, and every observable output is one JSON line on stdout. See sim/README.md.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <sodium.h>
#include "core/crypto.hpp"
#include "firmware/circle_gate_runner.hpp"
#include "firmware/panel_journal.hpp"
#include "io/mqtt_password_file.hpp"
#include "io/paho_mqtt_link.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/topics.hpp"
#include "sim/file_journal_store.hpp"
#include "sim/fingerprint_model.hpp"
#include "sim/host_circle_gate_hal.hpp"

namespace sekimori::sim {
namespace {

using Json = nlohmann::ordered_json;
using firmware::gate::Leaf;
constexpr std::string_view kProgram = "sekimori-sim-gate";
constexpr std::string_view kFirmware = "sekimori-sim-gate 0.1.0";
constexpr auto kStatusEvery = std::chrono::seconds(30);

constexpr std::string_view kUsage =
    "usage: sekimori-sim-gate --site SITE --panel ID --gate GATE --mqtt-uri URI\n"
    "         --password-file F --panel-key-file K [--state-dir D] [--journal-capacity N]\n"
    "         [--persistence-dir D] [--reply-timeout-ms N] [--leaf-move-ms N] [--enter-ms N]\n"
    "         [--close-delay-ms N] [--settle-ms N] [--cycle-timeout-ms N]\n"
    "         [--weight-tolerance-pct N] [--max-weight-g N] [--object-threshold-g N]\n"
    "         [--outer-fail-safe | --outer-fail-secure] [--inner-fail-safe | --inner-fail-secure]\n"
    "         [--free-exit] [--leaf-motion-ms N] [--body-weight-g N] [--utc-offset-minutes N]\n"
    "         (the journal and the encrypted offline cache in D; default D: beside K)\n"
    "         [--ca-file F --cert-file F --key-file F]   (TLS, with an ssl:// --mqtt-uri)\n"
    "       sekimori-sim-gate --make-sign-key --panel-key-file K\n"
    "         (makes the gate's signing key K.sign if absent, writes K.sign.pub, prints it)\n"
    "stdin, one command per line: card [outer|inner] <UID> | card [outer|inner] <format> <data> |\n"
    "  pin <digits> | finger <seed> | enter outer|inner [grams] | leave outer|inner |\n"
    "  presence <n> | weight <grams> | stick outer|inner | unstick outer|inner | fire on|off |\n"
    "  rearm | return | exit | power off|on | quit   (EOF = quit)\n";

struct Args {
    std::string site;
    std::string panel;
    std::string gate;
    std::string mqttUri;
    std::string passwordFile;
    std::string panelKeyFile;
    std::string stateDir;
    std::string persistenceDir;
    std::string caFile;
    std::string certFile;
    std::string keyFile;
    int journalCapacity = 100'000;
    int leafMotionMs = 300;               // how long the simulated operator takes to move a leaf
    int bodyWeightG = 70'000;             // a body that enters without its own weight given
    firmware::gate::GateConfig config{};  // the gate options; site, panel, gate filled in
    bool makeSignKey = false;
};

std::optional<int> parseNumber(const std::string& text, int least) {
    if (text.empty() || text.size() > 9) {
        return std::nullopt;
    }
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value >= least ? std::optional<int>(value) : std::nullopt;
}

// Returns the parsed arguments, or an error naming the option that was wrong.
std::variant<Args, std::string> parseArgs(int argc, char** argv) {
    Args args;
    auto& gate = args.config;
    gate.utcOffsetMinutes = 540;  // as the panel sim: the site's clock is Japan's unless told
    std::map<std::string, std::string*> strings = {
        {"--site", &args.site},
        {"--panel", &args.panel},
        {"--gate", &args.gate},
        {"--mqtt-uri", &args.mqttUri},
        {"--password-file", &args.passwordFile},
        {"--panel-key-file", &args.panelKeyFile},
        {"--state-dir", &args.stateDir},
        {"--persistence-dir", &args.persistenceDir},
        {"--ca-file", &args.caFile},
        {"--cert-file", &args.certFile},
        {"--key-file", &args.keyFile},
    };
    // option -> (value, least allowed)
    std::map<std::string, std::pair<int*, int>> numbers = {
        {"--journal-capacity", {&args.journalCapacity, 2}},
        {"--leaf-motion-ms", {&args.leafMotionMs, 1}},
        {"--body-weight-g", {&args.bodyWeightG, 1}},
        {"--reply-timeout-ms", {&gate.replyTimeoutMs, 1}},
        {"--leaf-move-ms", {&gate.leafMoveMs, 1}},
        {"--enter-ms", {&gate.enterMs, 1}},
        {"--close-delay-ms", {&gate.closeDelayMs, 1}},
        {"--settle-ms", {&gate.settleMs, 1}},
        {"--cycle-timeout-ms", {&gate.cycleTimeoutMs, 1}},
        {"--weight-tolerance-pct", {&gate.weightTolerancePct, 0}},
        {"--max-weight-g", {&gate.maxWeightG, 1}},
        {"--object-threshold-g", {&gate.objectThresholdG, 1}},
    };
    std::map<std::string, std::pair<bool*, bool>> flags = {
        {"--make-sign-key", {&args.makeSignKey, true}},
        {"--outer-fail-safe", {&gate.outerFailSafe, true}},
        {"--outer-fail-secure", {&gate.outerFailSafe, false}},
        {"--inner-fail-safe", {&gate.innerFailSafe, true}},
        {"--inner-fail-secure", {&gate.innerFailSafe, false}},
        {"--free-exit", {&gate.freeExit, true}},
    };
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (option == "--help" || option == "-h") {
            return std::string("help");
        }
        if (auto flag = flags.find(option); flag != flags.end()) {
            *flag->second.first = flag->second.second;
            continue;
        }
        if (i + 1 >= argc) {
            return option + " needs a value (or is unknown)";
        }
        const std::string value = argv[++i];
        if (auto it = strings.find(option); it != strings.end()) {
            *it->second = value;
        } else if (option == "--utc-offset-minutes") {
            const bool negative = !value.empty() && value[0] == '-';
            const auto parsed = parseNumber(negative ? value.substr(1) : value, 0);
            if (!parsed || *parsed > 14 * 60) {
                return "--utc-offset-minutes must be an integer in -840..840, got '" + value + "'";
            }
            gate.utcOffsetMinutes = negative ? -*parsed : *parsed;
        } else if (auto number = numbers.find(option); number != numbers.end()) {
            const auto parsed = parseNumber(value, number->second.second);
            if (!parsed) {
                return option + " must be an integer >= " + std::to_string(number->second.second) +
                       ", got '" + value + "'";
            }
            *number->second.first = *parsed;
        } else {
            return "unknown option '" + option + "'";
        }
    }
    if (args.makeSignKey) {
        if (args.panelKeyFile.empty()) {
            return std::string("--panel-key-file is required");
        }
        return args;
    }
    for (const auto& [option, value] : strings) {
        const bool optional = option == "--state-dir" || option == "--persistence-dir" ||
                              option == "--ca-file" || option == "--cert-file" ||
                              option == "--key-file";
        if (!optional && value->empty()) {
            return option + " is required";
        }
    }
    for (const auto& [option, value] : {std::pair<std::string, std::string>{"--site", args.site},
                                        {"--panel", args.panel},
                                        {"--gate", args.gate}}) {
        if (!protocol::isValidId(value)) {
            return option + " must be 1..64 of [a-z0-9_-], got '" + value + "'";
        }
    }
    if (gate.maxWeightG > protocol::kMaxWeightG) {
        return "--max-weight-g must be at most " + std::to_string(protocol::kMaxWeightG);
    }
    if (args.stateDir.empty()) {
        // Beside the key file, as the panel sim keeps its state.
        // A path, not a string assigned ".": GCC 12 at -O3 warns a false -Wrestrict on that.
        std::filesystem::path dir = std::filesystem::path(args.panelKeyFile).parent_path();
        if (dir.empty()) {
            dir = ".";
        }
        args.stateDir = dir.string();
    }
    gate.site = args.site;
    gate.panel = args.panel;
    gate.gate = args.gate;
    return args;
}

void printLine(const std::string& line) {
    std::cout << line << '\n' << std::flush;
}

std::string dump(const Json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<Leaf> leafNamed(const std::string& name) {
    if (name == "outer") {
        return Leaf::outer;
    }
    if (name == "inner") {
        return Leaf::inner;
    }
    return std::nullopt;
}

// One leaf of the booth as the simulated world has it: where it is, where its operator is
// driving it, and whether it is jammed.
struct SimLeaf {
    explicit SimLeaf(boost::asio::io_context& io) : motion(io) {}
    bool released = false;  // as the firmware last drove it
    bool closed = true;     // where it physically is
    bool stuck = false;     // jammed: it stays where it is whatever it is driven to
    boost::asio::steady_timer motion;
};

// Owns the gate: its MQTT link, HAL, journal, runner and timers, and the simulated booth (leaves,
// bodies, plate, fire and power). Everything runs on the one io thread; stdin lines are posted to
// it.
class SimGate {
  public:
    SimGate(boost::asio::io_context& io, const Args& args, core::Bytes panelKey,
            core::Bytes signingSeed, std::string password)
        : io_(io),
          args_(args),
          start_(std::chrono::steady_clock::now()),
          timer_(io),
          statusTimer_(io),
          outer_(io),
          inner_(io),
          link_(io::makePahoMqttLink(io.get_executor(), linkOptions(args, std::move(password)))),
          hal_(
              args.site, args.panel, std::move(panelKey), std::move(signingSeed), *link_, printLine,
              [this](Leaf leaf, bool released) { leafDriven(leaf, released); },
              std::filesystem::path(args.stateDir) / (args.panel + ".cache")),
          store_(std::filesystem::path(args.stateDir) / (args.panel + ".journal")),
          journal_(firmware::JournalConfig{static_cast<std::size_t>(args.journalCapacity)}, store_),
          runner_(gateConfig(args), hal_, journal_) {}

    // Loads the journal; false (with the reason on stderr) when it cannot be used.
    bool open() {
        if (const auto opened = journal_.open(); !opened) {
            std::cerr << kProgram << ": cannot open the journal: " << opened.error << '\n';
            return false;
        }
        return true;
    }

    void start() {
        const std::string replyTopic = topic(protocol::PanelChannel::reply);
        const std::string linkTopic = topic(protocol::PanelChannel::link);
        const std::string commandTopic = topic(protocol::PanelChannel::command);
        link_->onMessage([this, replyTopic, linkTopic, commandTopic](const io::MqttMessage& m) {
            if (m.topic == replyTopic) {
                if (const auto bad = protocol::parsePanelReply(m.payload); !bad) {
                    printLine(dump(
                        Json{{"out", "bad_payload"}, {"topic", m.topic}, {"error", bad.error}}));
                    return;
                }
                report(runner_.replyReceived(m.payload, nowMs()));
            } else if (m.topic == linkTopic) {
                const std::string before = runner_.state().linkEpoch;
                report(runner_.linkReceived(m.payload, nowMs()));
                if (runner_.state().linkEpoch != before) {
                    printLine(dump(Json{{"out", "link"}, {"epoch", runner_.state().linkEpoch}}));
                }
            } else if (m.topic == commandTopic) {
                report(runner_.commandReceived(m.payload, nowMs()));
            }
        });
        link_->onConnection([this](bool connected, const std::string& reason) {
            if (connected) {
                publishStatus();
            }
            Json line{{"out", "connection"}, {"connected", connected}};
            if (!connected) {
                line["reason"] = reason;
            }
            printLine(dump(line));
            apply(firmware::gate::LinkStatus{connected});
        });
        // The booth as it is at boot: both leaves shut, nobody in it, no fire, mains on.
        apply(firmware::gate::WallClock{wallMs()});
        apply(firmware::gate::LeafPosition{Leaf::outer, true});
        apply(firmware::gate::LeafPosition{Leaf::inner, true});
        apply(firmware::gate::Presence{0});
        apply(firmware::gate::Weight{0});
        apply(firmware::gate::FireInput{false});
        apply(firmware::gate::PowerInput{true});
        printSensors();
        link_->start();
        armStatusTimer();
    }

    // One stdin line ("quit" is handled by the reader, which stops reading).
    void command(const std::string& text) {
        std::istringstream in(text);
        std::vector<std::string> words;
        for (std::string word; in >> word;) {
            words.push_back(word);
        }
        if (words.empty()) {
            return;
        }
        const std::string& verb = words[0];
        const std::size_t argc = words.size() - 1;
        auto arg = [&](std::size_t i) -> const std::string& { return words.at(i); };
        if (verb == "card") {
            card(text, words);
        } else if (verb == "pin") {
            if (argc != 1 || arg(1).find_first_not_of("0123456789") != std::string::npos) {
                reject(text, "'pin' takes the digits (0-9) typed");
                return;
            }
            const auto reader = pinReader();
            for (char digit : arg(1)) {
                apply(firmware::gate::KeypadDigit{reader, digit});
            }
            apply(firmware::gate::KeypadEnter{reader});
        } else if (verb == "finger") {
            if (argc != 1) {
                reject(text, "'finger' takes one seed");
                return;
            }
            report(
                runner_.fingerPlaced(fingerprintSampleFromSeed(arg(1), fingerTries_++), nowMs()));
        } else if (verb == "enter" || verb == "leave") {
            const auto leaf = argc >= 1 ? leafNamed(arg(1)) : std::nullopt;
            const bool ok = leaf && (argc == 1 || (argc == 2 && verb == "enter"));
            std::optional<int> grams = args_.bodyWeightG;
            if (ok && argc == 2) {
                grams = parseNumber(arg(2), 1);
            }
            if (!ok || !grams) {
                reject(text, verb == "enter" ? "'enter' takes outer|inner and the body's grams"
                                             : "'leave' takes outer|inner");
                return;
            }
            cross(text, *leaf, verb == "enter", *grams);
        } else if (verb == "presence" || verb == "weight") {
            const auto value = argc == 1 ? parseNumber(arg(1), 0) : std::nullopt;
            const int most = verb == "presence" ? 9 : protocol::kMaxWeightG;
            if (!value || *value > most) {
                reject(text, "'" + verb + "' takes a number 0.." + std::to_string(most));
                return;
            }
            if (verb == "presence") {
                presence_ = *value;
                apply(firmware::gate::Presence{presence_});
            } else {
                weightG_ = *value;
                apply(firmware::gate::Weight{weightG_});
            }
            printSensors();
        } else if (verb == "stick" || verb == "unstick") {
            const auto leaf = argc == 1 ? leafNamed(arg(1)) : std::nullopt;
            if (!leaf) {
                reject(text, "'" + verb + "' takes outer|inner");
                return;
            }
            stick(*leaf, verb == "stick");
        } else if (verb == "fire" || verb == "power") {
            const bool on = argc == 1 && arg(1) == "on";
            if (argc != 1 || (!on && arg(1) != "off")) {
                reject(text, "'" + verb + "' takes on|off");
                return;
            }
            if (verb == "fire") {
                apply(firmware::gate::FireInput{on});
            } else {
                apply(firmware::gate::PowerInput{on});
            }
        } else if (argc != 0) {
            reject(text, "'" + verb + "' takes no argument");
        } else if (verb == "rearm") {
            apply(firmware::gate::RearmKey{});
        } else if (verb == "return") {
            apply(firmware::gate::ReturnButton{});
        } else if (verb == "exit") {
            apply(firmware::gate::ExitRequest{});
        } else {
            reject(text, "unknown command '" + verb + "'");
        }
    }

    // A clean stop sends no last will, so the gate says offline itself first.
    void stop() {
        timer_.cancel();
        statusTimer_.cancel();
        outer_.motion.cancel();
        inner_.motion.cancel();
        link_->publish(topic(protocol::PanelChannel::status),
                       protocol::encode(protocol::PanelStatus{false, ""}), /*retained=*/true);
        link_->stop();
        printLine(dump(Json{{"out", "stopped"}}));
    }

  private:
    static io::MqttOptions linkOptions(const Args& args, std::string password) {
        io::MqttOptions options;
        options.serverUri = args.mqttUri;
        options.clientId = args.panel;
        options.username = args.panel;
        options.password = std::move(password);
        options.persistenceDir = args.persistenceDir;
        options.caFile = args.caFile;
        options.certFile = args.certFile;
        options.keyFile = args.keyFile;
        options.subscriptions = {
            protocol::panelTopic(args.site, args.panel, protocol::PanelChannel::reply),
            protocol::panelTopic(args.site, args.panel, protocol::PanelChannel::link),
            protocol::panelTopic(args.site, args.panel, protocol::PanelChannel::command)};
        options.willTopic =
            protocol::panelTopic(args.site, args.panel, protocol::PanelChannel::status);
        options.willPayload = protocol::encode(protocol::PanelStatus{false, ""});
        options.willRetained = true;
        return options;
    }

    static firmware::gate::GateConfig gateConfig(const Args& args) {
        firmware::gate::GateConfig config = args.config;
        // Counters never repeat across restarts: from the clock's microseconds.
        config.firstCounter =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
        config.sessionPrefix = core::toHex(core::randomBytes(4));
        return config;
    }

    std::string topic(protocol::PanelChannel channel) const {
        return protocol::panelTopic(args_.site, args_.panel, channel);
    }

    std::int64_t nowMs() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start_)
            .count();
    }

    static std::int64_t wallMs() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    void publishStatus() {
        protocol::PanelStatus status{true, std::string(kFirmware)};
        status.journalPending = journal_.pending();
        status.cacheVersion = runner_.state().cache.version();
        link_->publish(topic(protocol::PanelChannel::status), protocol::encode(status),
                       /*retained=*/true);
    }

    void armStatusTimer() {
        statusTimer_.expires_after(kStatusEvery);
        statusTimer_.async_wait([this](const boost::system::error_code& error) {
            if (error) {
                return;
            }
            if (link_->connected()) {
                publishStatus();
            }
            // The wall clock may have been stepped meanwhile (NTP): tell the machine.
            apply(firmware::gate::WallClock{wallMs()});
            armStatusTimer();
        });
    }

    void reject(const std::string& text, const std::string& why) {
        printLine(dump(Json{{"out", "error"}, {"command", text}, {"error", why}}));
    }

    // The reader a PIN is typed at: the one the session started at (the outer one otherwise).
    firmware::gate::Reader pinReader() const {
        return runner_.state().side == protocol::DoorSide::exit &&
                       runner_.state().phase != firmware::gate::Phase::idle
                   ? firmware::gate::Reader::inner
                   : firmware::gate::Reader::outer;
    }

    // card [outer|inner] <UID> | card [outer|inner] <format> <data>
    void card(const std::string& text, std::vector<std::string> words) {
        words.erase(words.begin());
        auto reader = firmware::gate::Reader::outer;
        if (!words.empty() && (words[0] == "outer" || words[0] == "inner")) {
            reader =
                words[0] == "outer" ? firmware::gate::Reader::outer : firmware::gate::Reader::inner;
            words.erase(words.begin());
        }
        if (words.size() == 1) {
            apply(firmware::gate::CardRead{reader, words[0]});
        } else if (words.size() == 2) {
            apply(firmware::gate::CardRead{reader, "", words[0], words[1]});
        } else {
            reject(text, "'card' takes [outer|inner] and a UID, or a format and its data");
        }
    }

    SimLeaf& leaf(Leaf which) { return which == Leaf::outer ? outer_ : inner_; }

    // A body crosses a leaf: the leaf must be open. Into the booth it adds a body to the
    // occupancy count and its weight to the plate; out of it, the reverse.
    void cross(const std::string& text, Leaf which, bool inward, int grams) {
        const std::string name(firmware::gate::toString(which));
        if (leaf(which).closed) {
            reject(text, "the " + name + " leaf is shut");
            return;
        }
        if (inward) {
            bodies_.push_back(grams);
            presence_ = std::min(presence_ + 1, 9);
            weightG_ = std::min(weightG_ + grams, protocol::kMaxWeightG);
        } else {
            if (presence_ == 0 && bodies_.empty()) {
                reject(text, "nobody is in the booth");
                return;
            }
            int leaving = args_.bodyWeightG;
            if (!bodies_.empty()) {
                leaving = bodies_.front();
                bodies_.erase(bodies_.begin());
            }
            presence_ = std::max(presence_ - 1, 0);
            weightG_ = std::max(weightG_ - leaving, 0);
        }
        // The overhead sensor and the plate read the body as it steps through; the light
        // curtain's crossing comes last, so a refusal it causes carries the readings.
        printSensors();
        apply(firmware::gate::Presence{presence_});
        apply(firmware::gate::Weight{weightG_});
        printLine(dump(Json{{"out", "crossed"}, {"leaf", name}, {"inward", inward}}));
        apply(firmware::gate::BodyCrossed{which, inward});
    }

    void printSensors() {
        printLine(dump(Json{{"out", "sensors"}, {"presence", presence_}, {"weight_g", weightG_}}));
    }

    // The firmware drove a leaf (from inside a runner call): its operator moves it a little later,
    // unless it is jammed.
    void leafDriven(Leaf which, bool released) {
        SimLeaf& l = leaf(which);
        l.released = released;
        move(which);
    }

    void move(Leaf which) {
        SimLeaf& l = leaf(which);
        l.motion.cancel();
        if (l.stuck || l.closed == !l.released) {
            return;
        }
        l.motion.expires_after(std::chrono::milliseconds(args_.leafMotionMs));
        l.motion.async_wait([this, which](const boost::system::error_code& error) {
            SimLeaf& moving = leaf(which);
            if (error || moving.stuck || moving.closed == !moving.released) {
                return;
            }
            moving.closed = !moving.released;
            printLine(dump(Json{{"out", "position"},
                                {"leaf", firmware::gate::toString(which)},
                                {"closed", moving.closed}}));
            apply(firmware::gate::LeafPosition{which, moving.closed});
        });
    }

    void stick(Leaf which, bool stuck) {
        SimLeaf& l = leaf(which);
        l.stuck = stuck;
        printLine(dump(
            Json{{"out", "stuck"}, {"leaf", firmware::gate::toString(which)}, {"stuck", stuck}}));
        if (stuck) {
            l.motion.cancel();
        } else {
            move(which);
        }
    }

    void apply(const firmware::gate::Input& input) { report(runner_.handle(input, nowMs())); }

    // The HAL already printed what the hardware did; add what only the outputs and the state
    // tell: the machine's phase, each journaled event, the journal's level, the ignored inputs.
    void report(const std::vector<firmware::gate::Output>& outputs) {
        for (const auto& output : outputs) {
            if (const auto* sent = std::get_if<firmware::gate::SendEvent>(&output)) {
                printEvent(sent->event);
            } else if (const auto* shown = std::get_if<firmware::gate::Display>(&output)) {
                if (shown->screen == firmware::gate::Screen::denied) {
                    printLine(dump(
                        Json{{"out", "decision"}, {"granted", false}, {"reason", shown->reason}}));
                }
            } else if (const auto* ignored = std::get_if<firmware::gate::Ignored>(&output)) {
                printLine(dump(Json{{"out", "ignored"}, {"why", ignored->why}}));
            }
        }
        const auto phase = runner_.state().phase;
        if (!lastPhase_ || *lastPhase_ != phase) {
            lastPhase_ = phase;
            printLine(dump(Json{{"out", "phase"}, {"phase", firmware::gate::toString(phase)}}));
        }
        if (journal_.pending() != lastPending_) {
            lastPending_ = journal_.pending();
            printLine(dump(Json{{"out", "journal"}, {"pending", lastPending_}}));
        }
        armTimer();
    }

    static void printEvent(const protocol::PanelEvent& event) {
        Json out{{"out", "event"}, {"kind", protocol::toString(event.kind)}, {"seq", event.seq}};
        if (!event.session.empty()) {
            out["session"] = event.session;
        }
        if (event.side) {
            out["side"] = protocol::toString(*event.side);
        }
        if (event.refusal) {
            out["refusal"] = protocol::toString(*event.refusal);
        }
        if (!event.leaf.empty()) {
            out["leaf"] = event.leaf;
        }
        if (event.presence) {
            out["presence"] = *event.presence;
        }
        if (event.weightG) {
            out["weight_g"] = *event.weightG;
        }
        if (!event.reason.empty()) {
            out["reason"] = event.reason;
        }
        printLine(dump(out));
    }

    void armTimer() {
        const auto deadline = runner_.nextDeadline();
        timer_.cancel();
        if (!deadline) {
            return;
        }
        timer_.expires_at(start_ + std::chrono::milliseconds(*deadline));
        timer_.async_wait([this](const boost::system::error_code& error) {
            if (!error) {
                apply(firmware::gate::Tick{});
            }
        });
    }

    boost::asio::io_context& io_;
    Args args_;
    std::chrono::steady_clock::time_point start_;
    boost::asio::steady_timer timer_;
    boost::asio::steady_timer statusTimer_;
    SimLeaf outer_;
    SimLeaf inner_;
    std::unique_ptr<io::MqttLink> link_;
    HostCircleGateHal hal_;
    FileJournalStore store_;
    firmware::PanelJournal journal_;
    firmware::gate::CircleGateRunner runner_;
    std::vector<int> bodies_;  // the weight of each body in the booth, first in first
    int presence_ = 0;         // the occupancy sensor's count as the world has it
    int weightG_ = 0;          // the plate's reading
    std::optional<firmware::gate::Phase> lastPhase_;
    std::size_t lastPending_ = 0;
    std::uint64_t fingerTries_ = 0;
};

int fail(int code, const std::string& message) {
    std::cerr << kProgram << ": " << message << '\n';
    return code;
}

// The gate's own Ed25519 key, made on first run as the panel sim makes its own: the 32-byte seed
// in K.sign (0600, never leaves the gate), the public half as hex in K.sign.pub for enrollment.
core::Result<std::pair<core::Bytes, std::string>> loadOrCreateSigningKey(
    const std::string& panelKeyFile) {
    auto seed = core::loadOrCreateKeyFile(panelKeyFile + ".sign", crypto_sign_SEEDBYTES);
    if (!seed) {
        return seed.error();
    }
    std::string publicKey(crypto_sign_PUBLICKEYBYTES, '\0');
    std::string secretKey(crypto_sign_SECRETKEYBYTES, '\0');
    crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(publicKey.data()),
                             reinterpret_cast<unsigned char*>(secretKey.data()),
                             reinterpret_cast<const unsigned char*>(seed->data()));
    sodium_memzero(secretKey.data(), secretKey.size());
    const std::string publicHex = core::toHex(publicKey);
    const std::string publicFile = panelKeyFile + ".sign.pub";
    std::string current;
    if (std::ifstream in(publicFile); in) {
        std::getline(in, current);
    }
    if (current != publicHex) {
        std::ofstream out(publicFile, std::ios::trunc);
        out << publicHex << '\n';
        if (!out.flush()) {
            return core::makeError("sim.sign_key", "cannot write " + publicFile);
        }
    }
    return std::make_pair(std::move(*seed), publicHex);
}

int run(int argc, char** argv) {
    auto parsed = parseArgs(argc, argv);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        if (*error == "help") {
            std::cout << kUsage;
            return 0;
        }
        std::cerr << kProgram << ": " << *error << '\n' << kUsage;
        return 2;
    }
    const Args& args = std::get<Args>(parsed);
    if (auto ready = core::initCrypto(); !ready) {
        return fail(1, ready.error().message);
    }
    auto signing = loadOrCreateSigningKey(args.panelKeyFile);
    if (!signing) {
        return fail(1, "cannot make the gate's signing key: " + signing.error().message);
    }
    if (args.makeSignKey) {
        std::cout << signing->second << '\n';
        return 0;
    }
    auto key = core::loadKeyFile(args.panelKeyFile, core::kBoxKeySize);
    if (!key) {
        return fail(1, "cannot use panel key: " + key.error().message);
    }
    auto password = io::readMqttPasswordFile(args.passwordFile);
    if (!password) {
        return fail(1, "cannot use MQTT password: " + password.error().message);
    }

    boost::asio::io_context io;
    // Paho connects on its own threads, so the io_context must not run out of work meanwhile;
    // only quit (io.stop) ends it.
    auto work = boost::asio::make_work_guard(io);
    SimGate gate(io, args, std::move(*key), std::move(signing->first), std::move(*password));
    if (!gate.open()) {
        return 1;
    }
    gate.start();

    // std::getline blocks, so stdin is read on its own thread and each line handed to the io
    // thread. The thread is detached: at quit it may still sit in a read that never returns.
    std::thread([&io, &gate] {
        std::string line;
        while (std::getline(std::cin, line)) {
            std::string verb;
            std::istringstream(line) >> verb;
            if (verb == "quit") {
                break;
            }
            boost::asio::post(io, [&gate, line] { gate.command(line); });
        }
        boost::asio::post(io, [&io, &gate] {
            gate.stop();
            io.stop();
        });
    }).detach();

    io.run();
    return 0;
}

}  // namespace
}  // namespace sekimori::sim

int main(int argc, char** argv) {
    return sekimori::sim::run(argc, argv);
}
