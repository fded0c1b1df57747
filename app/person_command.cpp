#include "app/person_command.hpp"

#include <sodium.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string_view>

#include "app/door_wiring.hpp"
#include "app/site_context.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "doors/credential_store.hpp"
#include "doors/enrollment.hpp"
#include "sim/fingerprint_model.hpp"

namespace sekimori::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sekimori person <action> --config SITE.toml [--as WHO] ...\n"
    "  add          --id ID --name NAME\n"
    "  card         --id ID --uid HEX          (replaces and revokes the person's previous card)\n"
    "  revoke-card  --uid HEX\n"
    "  pin          --id ID                    (reads the PIN digits from stdin)\n"
    "  finger       --id ID (--template-file F | --sim-seed SEED)\n"
    "  grant        --id ID --zone ZONE --schedule SCHEDULE\n";

using Events = core::Result<std::vector<core::Event>>;

// What an action needs from outside the database (stdin, a file), read before the write
// transaction starts so that the database is never locked while the CLI waits. Wiped after use.
struct ActionInput {
    std::string pin;
    core::Bytes templateBytes;
    ActionInput() = default;
    ActionInput(const ActionInput&) = delete;
    ActionInput& operator=(const ActionInput&) = delete;
    ~ActionInput() {
        sodium_memzero(pin.data(), pin.size());
        sodium_memzero(templateBytes.data(), templateBytes.size());
    }
};

// Reads one line of digits from stdin.
core::Result<void> readPinFromStdin(std::string& into) {
    if (!std::getline(std::cin, into)) {
        return core::makeError("cli.pin_missing", "no PIN on stdin (pipe it in, one line)");
    }
    if (!into.empty() && into.back() == '\r') {
        into.pop_back();
    }
    return {};
}

core::Result<core::Bytes> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return core::makeError("cli.template_unreadable", "cannot read template file " + path);
    }
    return core::Bytes(std::istreambuf_iterator<char>(in), {});
}

core::Result<void> readInput(const std::string& action, const CliArgs& args, ActionInput& input) {
    if (action == "pin") {
        return readPinFromStdin(input.pin);
    }
    if (action == "finger") {
        core::Result<core::Bytes> templateBytes = core::makeError(
            "cli.missing_option", "give --template-file F (from a reader) or --sim-seed SEED");
        if (auto file = args.get("template-file")) {
            templateBytes = readFile(*file);
        } else if (auto seed = args.get("sim-seed")) {
            templateBytes = sim::fingerprintTemplateFromSeed(*seed);
        }
        if (!templateBytes) {
            return templateBytes.error();
        }
        input.templateBytes = std::move(*templateBytes);
    }
    return {};
}

// Runs inside the write transaction (commitCliChange): validates, writes, returns the events.
Events runAction(const std::string& action, const CliArgs& args, const ActionInput& input,
                 doors::Enrollment& enrollment) {
    if (action == "add") {
        auto id = args.require("id");
        auto name = args.require("name");
        if (!id || !name) {
            return !id ? id.error() : name.error();
        }
        return enrollment.addPerson(*id, *name);
    }
    if (action == "revoke-card") {
        auto uid = args.require("uid");
        if (!uid) {
            return uid.error();
        }
        return enrollment.revokeCard(*uid);
    }
    auto id = args.require("id");
    if (!id) {
        return id.error();
    }
    if (action == "card") {
        auto uid = args.require("uid");
        if (!uid) {
            return uid.error();
        }
        return enrollment.setCard(*id, *uid);
    }
    if (action == "pin") {
        return enrollment.setPin(*id, input.pin);
    }
    if (action == "finger") {
        return enrollment.setFingerprint(*id, input.templateBytes);
    }
    if (action == "grant") {
        auto zone = args.require("zone");
        auto schedule = args.require("schedule");
        if (!zone || !schedule) {
            return !zone ? zone.error() : schedule.error();
        }
        return enrollment.grantZone(*id, *zone, *schedule);
    }
    return core::makeError("cli.unknown_action", "unknown person action '" + action + "'");
}

}  // namespace

int runPersonCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help") {
        err << kUsage;
        return 2;
    }
    const std::string action = args[0];
    auto parsed = CliArgs::parse(
        {args.begin() + 1, args.end()},
        {"config", "as", "id", "name", "uid", "template-file", "sim-seed", "zone", "schedule"});
    if (!parsed) {
        err << kUsage;
        return reportFailure(parsed.error(), err);
    }
    auto site = openSite(*parsed);
    if (!site) {
        return reportFailure(site.error(), err);
    }
    auto store = doors::CredentialStore::open(*site->db);
    if (!store) {
        return reportFailure(store.error(), err);
    }
    auto keys = loadOrCreateEnrollmentKeys(site->paths);
    if (!keys) {
        return reportFailure(keys.error(), err);
    }
    const core::SystemClock clock;
    doors::Enrollment enrollment(**store, clock, {keys->pepper, keys->templateKey},
                                 knownNames(site->config), cliActor(*parsed));
    ActionInput input;
    if (auto r = readInput(action, *parsed, input); !r) {
        return reportFailure(r.error(), err);
    }
    // The credential rows and their audit events: one transaction, both or neither.
    auto committed =
        commitCliChange(*site, [&] { return runAction(action, *parsed, input, enrollment); });
    if (!committed) {
        return reportFailure(committed.error(), err);
    }
    for (const auto& e : *committed) {
        out << e.event.type << " " << e.event.subject << "\n";
    }
    return 0;
}

}  // namespace sekimori::app
