// sekimori-sim-panel: our door-panel firmware on a host. The pure state machine
// (firmware/door_panel.hpp) runs behind the host HAL and talks MQTT to the controller exactly as
// a real panel does; the person in front of it is played through stdin, and every observable
// output is one JSON line on stdout. See sim/README.md.
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

#include <sodium.h>
#include "core/crypto.hpp"
#include "firmware/door_panel_runner.hpp"
#include "io/mqtt_password_file.hpp"
#include "io/paho_mqtt_link.hpp"

#include "firmware/panel_journal.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/topics.hpp"
#include "sim/file_cache_store.hpp"
#include "sim/file_journal_store.hpp"
#include "sim/fingerprint_model.hpp"
#include "sim/host_door_panel_hal.hpp"

namespace sekimori::sim {
namespace {

using Json = nlohmann::ordered_json;
constexpr std::string_view kProgram = "sekimori-sim-panel";
constexpr std::string_view kFirmware = "sekimori-sim-panel 0.1.0";

constexpr std::string_view kUsage =
    "usage: sekimori-sim-panel --site SITE --panel ID --door DOOR --mqtt-uri URI\n"
    "         --password-file F --panel-key-file K [--persistence-dir D] [--side entry|exit]\n"
    "         [--reply-timeout-ms N] [--held-open-ms N] [--exit-window-ms N]\n"
    "         [--keypad-only [--code-entry-ms N]]   (a keypad and no card reader)\n"
    "         [--state-dir D] [--journal-capacity N] [--utc-offset-minutes N]\n"
    "         (journal, cache and counter; default D = K.state beside the key file)\n"
    "         [--ca-file F --cert-file F --key-file F]   (TLS, with an ssl:// --mqtt-uri)\n"
    "       sekimori-sim-panel --make-sign-key --panel-key-file K\n"
    "         (makes the panel's signing key K.sign if absent, writes K.sign.pub, prints it)\n"
    "stdin, one command per line: card <UID> | card <format> <data> | pin <digits> |\n"
    "  finger <seed> | open | close | exit | tamper | tamper-clear | lock-fault |\n"
    "  lock-fault-clear | reader-offline | reader-online | quit   (EOF = quit)\n"
    "  (card formats: felica, mifare, wiegand26, wiegand34, wiegand37; at a keypad-only door\n"
    "  'pin <digits>' types the code and presses Enter)\n";

struct Args {
    std::string site;
    std::string panel;
    std::string door;
    protocol::DoorSide side = protocol::DoorSide::entry;
    std::string mqttUri;
    std::string passwordFile;
    std::string panelKeyFile;
    std::string persistenceDir;
    std::string caFile;  // TLS: the site CA, the panel's certificate and key (docs/broker.md)
    std::string certFile;
    std::string keyFile;
    std::string stateDir;
    int journalCapacity = 100'000;
    int utcOffsetMinutes = 540;
    int replyTimeoutMs = 5000;
    int heldOpenMs = 30000;
    int exitWindowMs = 5000;
    int codeEntryMs = 10000;
    bool keypadOnly = false;
    bool makeSignKey = false;
};

std::optional<int> parsePositive(const std::string& text) {
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
    return value > 0 ? std::optional<int>(value) : std::nullopt;
}

// Returns the parsed arguments, or an error naming the option that was wrong.
std::variant<Args, std::string> parseArgs(int argc, char** argv) {
    Args args;
    std::map<std::string, std::string*> strings = {
        {"--site", &args.site},
        {"--panel", &args.panel},
        {"--door", &args.door},
        {"--mqtt-uri", &args.mqttUri},
        {"--password-file", &args.passwordFile},
        {"--panel-key-file", &args.panelKeyFile},
        {"--persistence-dir", &args.persistenceDir},
        {"--ca-file", &args.caFile},
        {"--cert-file", &args.certFile},
        {"--key-file", &args.keyFile},
        {"--state-dir", &args.stateDir},
    };
    std::map<std::string, int*> numbers = {
        {"--reply-timeout-ms", &args.replyTimeoutMs},  {"--held-open-ms", &args.heldOpenMs},
        {"--exit-window-ms", &args.exitWindowMs},      {"--code-entry-ms", &args.codeEntryMs},
        {"--journal-capacity", &args.journalCapacity},
    };
    std::string side = "entry";
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (option == "--help" || option == "-h") {
            return std::string("help");
        }
        if (option == "--make-sign-key") {
            args.makeSignKey = true;
            continue;
        }
        if (option == "--keypad-only") {
            args.keypadOnly = true;
            continue;
        }
        if (i + 1 >= argc) {
            return option + " needs a value (or is unknown)";
        }
        const std::string value = argv[++i];
        if (auto it = strings.find(option); it != strings.end()) {
            *it->second = value;
        } else if (auto number = numbers.find(option); number != numbers.end()) {
            const auto parsed = parsePositive(value);
            if (!parsed) {
                return option + " must be a positive integer, got '" + value + "'";
            }
            *number->second = *parsed;
        } else if (option == "--utc-offset-minutes") {
            const bool negative = !value.empty() && value[0] == '-';
            const auto parsed = parsePositive(negative ? value.substr(1) : value);
            if (value != "0" && (!parsed || *parsed > 14 * 60)) {
                return "--utc-offset-minutes must be an integer in -840..840, got '" + value + "'";
            }
            args.utcOffsetMinutes = value == "0" ? 0 : (negative ? -*parsed : *parsed);
        } else if (option == "--side") {
            side = value;
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
        const bool optional = option == "--persistence-dir" || option == "--ca-file" ||
                              option == "--cert-file" || option == "--key-file" ||
                              option == "--state-dir";
        if (!optional && value->empty()) {
            return option + " is required";
        }
    }
    for (const auto& [option, value] : {std::pair<std::string, std::string>{"--site", args.site},
                                        {"--panel", args.panel},
                                        {"--door", args.door}}) {
        if (!protocol::isValidId(value)) {
            return option + " must be 1..64 of [a-z0-9_-], got '" + value + "'";
        }
    }
    if (args.journalCapacity < 2) {
        return std::string("--journal-capacity must be at least 2");
    }
    if (args.stateDir.empty()) {
        args.stateDir = args.panelKeyFile + ".state";
    }
    if (side == "entry" || side == "exit") {
        args.side = side == "entry" ? protocol::DoorSide::entry : protocol::DoorSide::exit;
    } else {
        return "--side must be entry or exit, got '" + side + "'";
    }
    return args;
}

void printLine(const std::string& line) {
    std::cout << line << '\n' << std::flush;
}

std::string dump(const Json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Owns the panel: its MQTT link, HAL, state machine and tick timer. Everything runs on the one
// io thread; stdin lines are posted to it.
class SimPanel {
  public:
    // `journal` is open; `firstCounter` comes from the counter lease.
    SimPanel(boost::asio::io_context& io, const Args& args, core::Bytes panelKey,
             core::Bytes signingSeed, std::string password, firmware::PanelJournal& journal,
             CounterLease& lease, std::uint64_t firstCounter)
        : io_(io),
          args_(args),
          start_(std::chrono::steady_clock::now()),
          timer_(io),
          link_(io::makePahoMqttLink(io.get_executor(), linkOptions(args, std::move(password)))),
          hal_(args.site, args.panel, std::move(panelKey), std::move(signingSeed), *link_,
               printLine, std::filesystem::path(args.stateDir) / "cache.bin"),
          lease_(lease),
          runner_(panelConfig(args, firstCounter), hal_, journal) {
        // Until the client says it is connected, events stay in the journal.
        runner_.handle(firmware::WallClock{wallMs()}, nowMs());
        report(runner_.linkStatus(false, nowMs()));
    }

    void start() {
        const std::string replyTopic =
            protocol::panelTopic(args_.site, args_.panel, protocol::PanelChannel::reply);
        const std::string linkTopic =
            protocol::panelTopic(args_.site, args_.panel, protocol::PanelChannel::link);
        link_->onMessage([this, replyTopic, linkTopic](const io::MqttMessage& message) {
            if (message.topic == replyTopic) {
                if (const auto bad = protocol::parsePanelReply(message.payload); !bad) {
                    printLine(dump(Json{
                        {"out", "bad_payload"}, {"topic", message.topic}, {"error", bad.error}}));
                    return;
                }
                tickClock();
                report(runner_.replyReceived(message.payload, nowMs()));
            } else if (message.topic == linkTopic) {
                const std::string before = runner_.state().linkEpoch;
                tickClock();
                report(runner_.linkReceived(message.payload, nowMs()));
                if (runner_.state().linkEpoch != before) {
                    printLine(dump(Json{{"out", "link"}, {"epoch", runner_.state().linkEpoch}}));
                }
            } else if (message.topic == protocol::panelTopic(args_.site, args_.panel,
                                                             protocol::PanelChannel::command)) {
                tickClock();
                report(
                    runner_.commandReceived(message.payload, nowMs()));  // firmware/panel_commands
            }
            // anything else: the checkpoint, or whatever the ACL lets through
        });
        link_->onConnection([this](bool connected, const std::string& reason) {
            if (connected) {
                // Every connect: the will may have replaced the retained status meanwhile.
                link_->publish(
                    statusTopic(),
                    protocol::encode(protocol::PanelStatus{true, std::string(kFirmware)}),
                    /*retained=*/true);
            }
            Json line{{"out", "connection"}, {"connected", connected}};
            if (!connected) {
                line["reason"] = reason;
            }
            printLine(dump(line));
            // Connected: the journal uploads what is pending, oldest first; down: it keeps.
            tickClock();
            report(runner_.linkStatus(connected, nowMs()));
        });
        link_->start();
    }

    // One stdin line ("quit" is handled by the reader, which stops reading).
    void command(const std::string& text) {
        std::istringstream words(text);
        std::string verb;
        std::string argument;
        std::string extra;
        std::string more;
        words >> verb >> argument >> extra >> more;
        if (verb.empty()) {
            return;
        }
        // A card is its legacy UID, or a reader format and the raw data (card wiegand26 1011...).
        const bool formattedCard = verb == "card" && !extra.empty() && more.empty();
        const bool needsArgument = verb == "card" || verb == "pin" || verb == "finger";
        if ((!extra.empty() && !formattedCard) || needsArgument == argument.empty()) {
            reject(text, verb == "card"  ? "'card' takes a UID, or a format and its data"
                         : needsArgument ? "'" + verb + "' takes one argument"
                                         : "'" + verb + "' takes no argument");
            return;
        }
        if (formattedCard) {
            apply(firmware::CardRead{"", argument, extra});
        } else if (verb == "card") {
            apply(firmware::CardRead{argument});
        } else if (verb == "pin") {
            if (argument.find_first_not_of("0123456789") != std::string::npos) {
                reject(text, "a PIN is digits only");
                return;
            }
            for (char digit : argument) {
                apply(firmware::KeypadDigit{digit});
            }
            apply(firmware::KeypadEnter{});
        } else if (verb == "finger") {
            tickClock();
            report(
                runner_.fingerPlaced(fingerprintSampleFromSeed(argument, fingerTries_++), nowMs()));
        } else if (verb == "open" || verb == "close") {
            apply(firmware::DoorPosition{verb == "open"});
        } else if (verb == "exit") {
            apply(firmware::ExitRequest{});
        } else if (verb == "tamper" || verb == "tamper-clear") {
            apply(firmware::TamperSwitch{verb == "tamper"});
        } else if (verb == "lock-fault" || verb == "lock-fault-clear") {  // injected faults
            apply(firmware::LockFeedback{verb == "lock-fault"});
        } else if (verb == "reader-offline" || verb == "reader-online") {
            apply(firmware::ReaderHealth{verb == "reader-online"});
        } else {
            reject(text, "unknown command '" + verb + "'");
        }
    }

    // A clean stop sends no last will, so the panel says offline itself first.
    void stop() {
        timer_.cancel();
        link_->publish(statusTopic(), protocol::encode(protocol::PanelStatus{false, ""}),
                       /*retained=*/true);
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

    static firmware::PanelConfig panelConfig(const Args& args, std::uint64_t firstCounter) {
        firmware::PanelConfig config;
        config.site = args.site;
        config.panel = args.panel;
        // From the counter lease in the state directory (never below the clock's microseconds).
        config.firstCounter = firstCounter;
        config.utcOffsetMinutes = args.utcOffsetMinutes;
        config.door = args.door;
        config.side = args.side;
        // Sessions must not repeat across restarts: a random prefix per boot.
        config.sessionPrefix = core::toHex(core::randomBytes(4));
        config.replyTimeoutMs = args.replyTimeoutMs;
        config.heldOpenMs = args.heldOpenMs;
        config.exitWindowMs = args.exitWindowMs;
        config.keypadOnly = args.keypadOnly;
        config.codeEntryMs = args.codeEntryMs;
        return config;
    }

    std::string statusTopic() const {
        return protocol::panelTopic(args_.site, args_.panel, protocol::PanelChannel::status);
    }

    std::int64_t nowMs() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start_)
            .count();
    }

    void reject(const std::string& text, const std::string& why) {
        printLine(dump(Json{{"out", "error"}, {"command", text}, {"error", why}}));
    }

    static std::int64_t wallMs() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    // The wall clock as of now, before every input (offline windows, occurred_us). Its step runs
    // the time-outs first, so what they decided (an offline decision after a silent controller)
    // is reported here.
    void tickClock() { report(runner_.handle(firmware::WallClock{wallMs()}, nowMs())); }

    void apply(const firmware::Input& input) {
        tickClock();
        report(runner_.handle(input, nowMs()));
    }

    // The HAL already printed what the hardware did; add what only the outputs tell.
    void report(const std::vector<firmware::Output>& outputs) {
        for (const auto& output : outputs) {
            if (const auto* shown = std::get_if<firmware::Display>(&output)) {
                if (shown->screen == firmware::Screen::granted) {
                    printLine(
                        dump(Json{{"out", "decision"}, {"granted", true}, {"reason", "granted"}}));
                } else if (shown->screen == firmware::Screen::denied) {
                    printLine(dump(
                        Json{{"out", "decision"}, {"granted", false}, {"reason", shown->reason}}));
                }
            } else if (const auto* ignored = std::get_if<firmware::Ignored>(&output)) {
                printLine(dump(Json{{"out", "ignored"}, {"why", ignored->why}}));
            }
        }
        // Counters past the lease's end may not be used before the lease says so: extended
        // ahead of time (a block at a time).
        if (auto leased = lease_.used(runner_.state().counter); !leased) {
            printLine(dump(Json{{"out", "error"}, {"error", leased.error().message}}));
        }
        const auto& journal = runner_.journal();
        if (journal.pending() != shownPending_ || journal.ackedThrough() != shownAcked_) {
            shownPending_ = journal.pending();
            shownAcked_ = journal.ackedThrough();
            printLine(dump(Json{{"out", "journal"},
                                {"pending", shownPending_},
                                {"acked", shownAcked_},
                                {"last_seq", journal.lastSeq()},
                                {"lost", journal.lost()}}));
        }
        armTimer();
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
                apply(firmware::Tick{});
            }
        });
    }

    boost::asio::io_context& io_;
    Args args_;
    std::chrono::steady_clock::time_point start_;
    boost::asio::steady_timer timer_;
    std::unique_ptr<io::MqttLink> link_;
    HostDoorPanelHal hal_;
    CounterLease& lease_;
    firmware::DoorPanelRunner runner_;
    std::uint64_t shownPending_ = ~std::uint64_t{0};
    std::uint64_t shownAcked_ = ~std::uint64_t{0};
    std::uint64_t fingerTries_ = 0;
};

int fail(int code, const std::string& message) {
    std::cerr << kProgram << ": " << message << '\n';
    return code;
}

// The panel's own Ed25519 key, made here on first run: the 32-byte seed in K.sign (0600, never
// leaves the panel), the public half as hex in K.sign.pub for enrollment (the controller's copy
// is <key_dir>/panels/<panel>.sign.pub). Returns the seed and the public hex.
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
        return fail(1, "cannot make the panel's signing key: " + signing.error().message);
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

    // The state directory: the journal, the encrypted cache, the counter lease.
    std::error_code made;
    std::filesystem::create_directories(args.stateDir, made);
    if (made) {
        return fail(1, "cannot make --state-dir " + args.stateDir + ": " + made.message());
    }
    std::filesystem::permissions(args.stateDir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, made);
    FileJournalStore store(std::filesystem::path(args.stateDir) / "journal.log");
    firmware::PanelJournal journal(
        firmware::JournalConfig{static_cast<std::size_t>(args.journalCapacity)}, store);
    if (auto opened = journal.open(); !opened) {
        return fail(1, "cannot use the journal: " + opened.error);
    }
    CounterLease lease(std::filesystem::path(args.stateDir) / "counter");
    const auto clockMicros =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    auto firstCounter = lease.start(clockMicros);
    if (!firstCounter) {
        return fail(1, "cannot use the counter: " + firstCounter.error().message);
    }

    boost::asio::io_context io;
    // Paho connects on its own threads, so the io_context must not run out of work meanwhile;
    // only quit (io.stop) ends it.
    auto work = boost::asio::make_work_guard(io);
    SimPanel panel(io, args, std::move(*key), std::move(signing->first), std::move(*password),
                   journal, lease, *firstCounter);
    panel.start();

    // std::getline blocks, so stdin is read on its own thread and each line handed to the io
    // thread. The thread is detached: at quit it may still sit in a read that never returns.
    std::thread([&io, &panel] {
        // After its last post the thread touches nothing of main's: quit and EOF both end
        // the loop first.
        std::string line;
        while (std::getline(std::cin, line)) {
            std::string verb;
            std::istringstream(line) >> verb;
            if (verb == "quit") {
                break;
            }
            boost::asio::post(io, [&panel, line] { panel.command(line); });
        }
        boost::asio::post(io, [&io, &panel] {
            panel.stop();
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
