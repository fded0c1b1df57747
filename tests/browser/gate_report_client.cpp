// A circle gate's report as its panel sends it, for the gate console test: one PanelEvent of a
// gate kind, encoded by the real codec and signed with the panel's own Ed25519 key (the seed in
// <panel key file>.sign, as sekimori-sim-panel --make-sign-key made it). Prints the event topic
// on the first line and the payload on the second; the test publishes them as the panel's MQTT
// account (mosquitto_pub), so the daemon takes them exactly as from the gate's firmware.
//   gate_report_client --site S --panel P --gate G --panel-key-file K --counter N --seq N
//                      --kind cycle_refused [--session s] [--side entry|exit] [--refusal r]
//                      [--presence n] [--weight-g g] [--leaf outer|inner] [--occurred-us t]
//   gate_report_client --site S --panel P --status online|offline   (the retained status)
#include <sodium.h>

#include <charconv>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "core/crypto.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_link_auth.hpp"
#include "protocol/topics.hpp"

using namespace sekimori;

namespace {

std::optional<std::uint64_t> number(const std::string& text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

int fail(const std::string& message) {
    std::cerr << "gate_report_client: " << message << "\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (sodium_init() < 0) {
        return fail("libsodium did not initialise");
    }
    std::map<std::string, std::string> args;
    for (int i = 1; i + 1 < argc; i += 2) {
        args[argv[i]] = argv[i + 1];
    }
    // --status online|offline: the panel's retained status instead (published with -r).
    if (args.count("--status") != 0) {
        protocol::PanelStatus status;
        status.online = args["--status"] == "online";
        status.firmware = "gate-report-client";
        std::cout << protocol::panelTopic(args["--site"], args["--panel"],
                                          protocol::PanelChannel::status)
                  << "\n"
                  << protocol::encode(status) << "\n";
        return 0;
    }
    for (const char* required :
         {"--site", "--panel", "--gate", "--panel-key-file", "--counter", "--seq", "--kind"}) {
        if (args.count(required) == 0) {
            return fail(std::string(required) + " is required");
        }
    }
    protocol::PanelEvent event;
    event.door = args["--gate"];
    std::optional<protocol::DoorEventKind> kind;
    for (int k = 0; k <= static_cast<int>(protocol::DoorEventKind::gatePowerRestored); ++k) {
        const auto candidate = static_cast<protocol::DoorEventKind>(k);
        if (protocol::toString(candidate) == args["--kind"]) {
            kind = candidate;
        }
    }
    if (!kind) {
        return fail("--kind: unknown event kind " + args["--kind"]);
    }
    event.kind = *kind;
    const auto counter = number(args["--counter"]);
    const auto seq = number(args["--seq"]);
    if (!counter || !seq) {
        return fail("--counter and --seq must be numbers");
    }
    event.counter = *counter;
    event.seq = *seq;
    event.occurredUs = args.count("--occurred-us") != 0
                           ? static_cast<std::int64_t>(number(args["--occurred-us"]).value_or(0))
                           : std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    if (args.count("--session") != 0) {
        event.session = args["--session"];
    }
    if (args.count("--side") != 0) {
        event.side =
            args["--side"] == "exit" ? protocol::DoorSide::exit : protocol::DoorSide::entry;
    }
    if (args.count("--refusal") != 0) {
        for (int r = 0; r <= static_cast<int>(protocol::GateRefusal::denied); ++r) {
            const auto candidate = static_cast<protocol::GateRefusal>(r);
            if (protocol::toString(candidate) == args["--refusal"]) {
                event.refusal = candidate;
            }
        }
        if (!event.refusal) {
            return fail("--refusal: unknown refusal " + args["--refusal"]);
        }
    }
    if (args.count("--presence") != 0) {
        event.presence = static_cast<int>(number(args["--presence"]).value_or(0));
    }
    if (args.count("--weight-g") != 0) {
        event.weightG = static_cast<int>(number(args["--weight-g"]).value_or(0));
    }
    if (args.count("--leaf") != 0) {
        event.leaf = args["--leaf"];
    }
    auto seed =
        core::loadOrCreateKeyFile(args["--panel-key-file"] + ".sign", crypto_sign_SEEDBYTES);
    if (!seed) {
        return fail(seed.error().message);
    }
    std::string publicKey(crypto_sign_PUBLICKEYBYTES, '\0');
    std::string secretKey(crypto_sign_SECRETKEYBYTES, '\0');
    crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(publicKey.data()),
                             reinterpret_cast<unsigned char*>(secretKey.data()),
                             reinterpret_cast<const unsigned char*>(seed->data()));
    const std::string bytes = protocol::reportSigningInput(args["--site"], args["--panel"],
                                                           protocol::encodeReport(event));
    std::string sig(crypto_sign_BYTES, '\0');
    crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                         reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                         reinterpret_cast<const unsigned char*>(secretKey.data()));
    sodium_memzero(secretKey.data(), secretKey.size());
    event.sig = core::toHex(sig);
    std::cout << protocol::panelTopic(args["--site"], args["--panel"],
                                      protocol::PanelChannel::event)
              << "\n"
              << protocol::encode(event) << "\n";
    return 0;
}
