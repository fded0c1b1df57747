// sekimori-witness: cosigns the audit checkpoints of one site, as its own Unix user with its
// own key, state and log, possibly on another host. It needs the broker and the pinned
// controller public key, nothing else of the controller (docs/witness.md).
//   sekimori-witness --site S --id w1 --mqtt-uri URI --username w1 --password-file F
//                    --controller-pubkey F --state-dir DIR
//   sekimori-witness --init --state-dir DIR    creates the key, prints its public half, exits
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/audit_checkpoint.hpp"
#include "core/audit_cosignature.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "io/mqtt_password_file.hpp"
#include "io/mqtt_router.hpp"
#include "io/paho_mqtt_link.hpp"
#include "protocol/ids.hpp"
#include "witness/witness_node.hpp"

namespace {

using namespace sekimori;

constexpr const char* kComponent = "sekimori-witness";
constexpr const char* kUsage =
    "usage: sekimori-witness --site S --id W --mqtt-uri URI --username U --password-file F\n"
    "                        --controller-pubkey F --state-dir DIR\n"
    "       sekimori-witness --init --state-dir DIR   (make the key, print its public half)\n";

int fail(const std::string& message) {
    core::logError(kComponent, message);
    return 1;
}

// The state dir (0700) and the witness's key in it (0600, created when absent; the hex public
// half beside it as witness.pub).
core::Result<core::CosignatureSigner> prepareStateDir(const std::filesystem::path& stateDir) {
    std::error_code ec;
    std::filesystem::create_directories(stateDir, ec);
    if (ec) {
        return core::makeError("witness.state_dir",
                               "cannot create " + stateDir.string() + ": " + ec.message());
    }
    ::chmod(stateDir.c_str(), 0700);
    return core::CosignatureSigner::loadOrCreate((stateDir / "witness.key").string());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--init" && std::string(argv[2]) == "--state-dir") {
        if (auto r = core::initCrypto(); !r) {
            return fail(r.error().message);
        }
        auto signer = prepareStateDir(argv[3]);
        if (!signer) {
            return fail(signer.error().message);
        }
        std::cout << core::toHex(signer->publicKey()) << "\n";
        return 0;
    }
    const std::vector<std::string> known{
        "site", "id", "mqtt-uri", "username", "password-file", "controller-pubkey", "state-dir"};
    std::map<std::string, std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        const std::string name = flag.rfind("--", 0) == 0 ? flag.substr(2) : "";
        if (std::find(known.begin(), known.end(), name) == known.end() || i + 1 >= argc) {
            std::cerr << "unknown or incomplete argument " << flag << "\n" << kUsage;
            return 2;
        }
        args[name] = argv[++i];
    }
    for (const auto& name : known) {
        if (!args.count(name)) {
            std::cerr << "missing --" << name << "\n" << kUsage;
            return 2;
        }
    }
    if (!protocol::isValidId(args["site"]) || !protocol::isValidId(args["id"])) {
        std::cerr << "--site and --id must be ids (1..64 of a-z 0-9 _ -)\n";
        return 2;
    }
    if (auto r = core::initCrypto(); !r) {
        return fail(r.error().message);
    }
    const std::filesystem::path stateDir = args["state-dir"];
    auto signer = prepareStateDir(stateDir);
    if (!signer) {
        return fail(signer.error().message);
    }
    auto controllerKey = core::readPublicKeyFile(args["controller-pubkey"]);
    if (!controllerKey) {
        return fail(controllerKey.error().message);
    }
    auto password = io::readMqttPasswordFile(args["password-file"]);
    if (!password) {
        return fail(password.error().message);
    }

    boost::asio::io_context io;
    core::SystemClock clock;
    io::MqttOptions mqtt;
    mqtt.serverUri = args["mqtt-uri"];
    mqtt.clientId = args["username"];
    mqtt.username = args["username"];
    mqtt.password = std::move(*password);
    auto link = io::makePahoMqttLink(io.get_executor(), std::move(mqtt));
    io::MqttRouter router(*link);
    router.onUnrouted([](const io::MqttMessage& m) {
        core::logWarning(kComponent, "message on " + m.topic + " ignored");
    });
    witness::WitnessNodeOptions options;
    options.witnessId = args["id"];
    options.site = args["site"];
    options.controllerPublicKey = std::move(*controllerKey);
    options.logPath = (stateDir / "witness.log").string();
    options.statePath = (stateDir / "state.json").string();
    const std::string publicKey = core::toHex(signer->publicKey());
    auto node = witness::WitnessNode::create(router, clock, std::move(*signer), std::move(options));
    if (!node) {
        return fail(node.error().message);
    }
    (*node)->start();
    link->start();
    core::logInfo(kComponent, "witness " + args["id"] + " of site " + args["site"] +
                                  " up at tree size " + std::to_string((*node)->state().treeSize) +
                                  ", public key " + publicKey + ", broker " + args["mqtt-uri"]);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& error, int signal) {
        if (!error) {
            core::logInfo(kComponent, "signal " + std::to_string(signal) + ": stopping");
            io.stop();
        }
    });
    io.run();
    (*node)->stop();
    link->stop();
    core::logInfo(kComponent, "stopped after " + std::to_string((*node)->cosignedCount()) +
                                  " cosignatures, " + std::to_string((*node)->refusedCount()) +
                                  " refusals");
    return 0;
}
