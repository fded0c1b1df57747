#include "app/person_command.hpp"

#include <sodium.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string_view>

#include "app/api_output.hpp"
#include "app/cli_failure.hpp"
#include "app/daemon_session.hpp"
#include "core/crypto.hpp"
#include "sim/fingerprint_model.hpp"

namespace sekimori::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sekimori person <action> --operator NAME [--config SITE.toml | --socket PATH]\n"
    "                       [--password-file F] ...\n"
    "  add          --id ID --name NAME\n"
    "  card         --id ID --uid HEX          (replaces and revokes the person's previous card)\n"
    "  revoke-card  --uid HEX\n"
    "  pin          --id ID                    (reads the PIN digits from stdin)\n"
    "  finger       --id ID (--template-file F | --sim-seed SEED)   (needs an approval)\n"
    "  grant        --id ID --zone ZONE --schedule SCHEDULE   (a restricted zone needs an "
    "approval)\n"
    "The daemon makes each change; a change that needs a second person's approval prints\n"
    "`approval <id> pending <kind>` (see `sekimori approval`).\n";

// What an action needs from outside (stdin, a file), read before anything is sent. Wiped after
// use: it never leaves this process except over the daemon's socket.
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

// The request one action makes (C4 routes), checked for its options before anything is sent.
struct PersonRequest {
    ApiVerb verb = ApiVerb::post;
    std::string target;
    nlohmann::json body;
    std::string done;  // what to print on success
};

core::Result<PersonRequest> requestFor(const std::string& action, const CliArgs& args,
                                       ActionInput& input) {
    if (action == "add") {
        auto id = args.require("id");
        auto name = args.require("name");
        if (!id || !name) {
            return !id ? id.error() : name.error();
        }
        return PersonRequest{ApiVerb::post,
                             "/api/people",
                             {{"id", *id}, {"name", *name}},
                             "person " + *id + " added"};
    }
    if (action == "revoke-card") {
        auto uid = args.require("uid");
        if (!uid) {
            return uid.error();
        }
        return PersonRequest{ApiVerb::del, "/api/cards/" + pathSegment(*uid), nullptr,
                             "card " + *uid + " revoked"};
    }
    if (action != "card" && action != "pin" && action != "finger" && action != "grant") {
        return core::makeError("cli.unknown_action", "unknown person action '" + action + "'");
    }
    auto id = args.require("id");
    if (!id) {
        return id.error();
    }
    const std::string person = "/api/people/" + pathSegment(*id);
    if (action == "card") {
        auto uid = args.require("uid");
        if (!uid) {
            return uid.error();
        }
        return PersonRequest{
            ApiVerb::put, person + "/card", {{"uid", *uid}}, "person " + *id + " card " + *uid};
    }
    if (action == "grant") {
        auto zone = args.require("zone");
        auto schedule = args.require("schedule");
        if (!zone || !schedule) {
            return !zone ? zone.error() : schedule.error();
        }
        return PersonRequest{ApiVerb::post,
                             person + "/grants",
                             {{"zone", *zone}, {"schedule", *schedule}},
                             "person " + *id + " granted " + *zone + " " + *schedule};
    }
    if (auto r = readInput(action, args, input); !r) {
        return r.error();
    }
    if (action == "pin") {
        return PersonRequest{
            ApiVerb::put, person + "/pin", {{"pin", input.pin}}, "person " + *id + " PIN set"};
    }
    const std::string_view bytes(reinterpret_cast<const char*>(input.templateBytes.data()),
                                 input.templateBytes.size());
    // Moved, never copied, into the body: the client wipes the body's strings once sent.
    nlohmann::json body = nlohmann::json::object();
    body["template_b64"] = core::toBase64(bytes);
    return PersonRequest{ApiVerb::put, person + "/fingerprint", std::move(body),
                         "person " + *id + " fingerprint enrolled"};
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
        daemonOptions({"id", "name", "uid", "template-file", "sim-seed", "zone", "schedule"}));
    if (!parsed) {
        err << kUsage;
        return reportFailure(parsed.error(), err);
    }
    // Options, stdin and files first: nothing is asked of the daemon with a bad command line.
    ActionInput input;
    auto request = requestFor(action, *parsed, input);
    if (!request) {
        if (request.error().code == "cli.unknown_action") {
            err << kUsage;
        }
        return reportFailure(request.error(), err);
    }
    auto session = DaemonSession::open(*parsed);
    if (!session) {
        return reportFailure(session.error(), err);
    }
    auto answer = session->expectOk(request->verb, request->target, std::move(request->body));
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    if (answer->status == 202) {
        printPendingApproval(answer->body, out);
        return 0;
    }
    out << request->done << "\n";
    return 0;
}

}  // namespace sekimori::app
