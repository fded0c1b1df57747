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

// Reads one line of digits from stdin without keeping copies around.
core::Result<std::string> readPinFromStdin() {
    std::string line;
    if (!std::getline(std::cin, line)) {
        return core::makeError("cli.pin_missing", "no PIN on stdin (pipe it in, one line)");
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    return line;
}

core::Result<core::Bytes> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return core::makeError("cli.template_unreadable", "cannot read template file " + path);
    }
    return core::Bytes(std::istreambuf_iterator<char>(in), {});
}

Events runAction(const std::string& action, const CliArgs& args, doors::Enrollment& enrollment) {
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
        auto pin = readPinFromStdin();
        if (!pin) {
            return pin.error();
        }
        auto events = enrollment.setPin(*id, *pin);
        sodium_memzero(pin->data(), pin->size());
        return events;
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
        auto events = enrollment.setFingerprint(*id, *templateBytes);
        sodium_memzero(templateBytes->data(), templateBytes->size());
        return events;
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
    auto keys = loadOrCreateDoorKeys(site->config, site->paths);
    if (!keys) {
        return reportFailure(keys.error(), err);
    }
    const core::SystemClock clock;
    doors::Enrollment enrollment(**store, clock, {keys->pepper, keys->templateKey},
                                 knownNames(site->config), cliActor(*parsed));
    auto events = runAction(action, *parsed, enrollment);
    if (!events) {
        return reportFailure(events.error(), err);
    }
    std::vector<std::string> done;
    for (const auto& e : *events) {
        done.push_back(e.type + " " + e.subject);
    }
    if (auto r = auditCliEvents(*site, std::move(*events)); !r) {
        return reportFailure(r.error(), err);
    }
    for (const auto& line : done) {
        out << line << "\n";
    }
    return 0;
}

}  // namespace sekimori::app
