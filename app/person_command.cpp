#include "app/person_command.hpp"

#include <sodium.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string_view>

#include "app/api_output.hpp"
#include "app/cli_failure.hpp"
#include "app/daemon_session.hpp"
#include "app/person_view.hpp"
#include "app/person_weight.hpp"
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
    "  weight       --id ID --kg KG            (what a circle gate's weight plate checks; 0..300,\n"
    "                                            0 removes it)\n"
    "  list         [--query Q] [--limit N]     (id prefix or part of the name)\n"
    "  show         ID                          (details, factors enrolled, cards and their\n"
    "                                            history, grants, levels, groups, recent events)\n"
    "  disable      ID --comment WHY            (refused at every door at once)\n"
    "  enable       ID --comment WHY\n"
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
    // How a read prints its answer (list, show); null: print `done`.
    void (*print)(const nlohmann::json& body, std::ostream& out) = nullptr;
};

// The words before the first --option (`person show p-1`): the positional arguments.
struct Positionals {
    std::vector<std::string> words;
    std::vector<std::string> options;
};
Positionals splitPositionals(const std::vector<std::string>& args, std::size_t from) {
    Positionals out;
    std::size_t i = from;
    for (; i < args.size() && args[i].rfind("--", 0) != 0; ++i) {
        out.words.push_back(args[i]);
    }
    out.options.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    return out;
}

// The person id: the one positional word, or --id.
core::Result<std::string> personId(const CliArgs& args, const std::vector<std::string>& words) {
    if (words.size() > 1) {
        return core::makeError("cli.bad_argument", "unexpected argument '" + words[1] + "'");
    }
    if (!words.empty()) {
        if (args.has("id")) {
            return core::makeError("cli.bad_argument", "give the person id once");
        }
        return words.front();
    }
    return args.require("id");
}

std::string queryPart(const std::string& name, const std::string& value) {
    return name + "=" + pathSegment(value);
}

core::Result<PersonRequest> readOrStateRequest(const std::string& action, const CliArgs& args,
                                               const std::vector<std::string>& words) {
    if (action == "list") {
        if (!words.empty()) {
            return core::makeError("cli.bad_argument", "unexpected argument '" + words[0] + "'");
        }
        std::string target = "/api/people";
        std::string query;
        if (auto q = args.get("query")) {
            query = queryPart("query", *q);
        }
        // Appended piecewise: GCC 12 at -O3 warns falsely (-Wrestrict) on "&" + std::string.
        if (auto limit = args.get("limit")) {
            if (!query.empty()) {
                query += '&';
            }
            query += queryPart("limit", *limit);
        }
        if (!query.empty()) {
            target += '?';
            target += query;
        }
        return PersonRequest{ApiVerb::get, target, nullptr, "", &printPeopleList};
    }
    auto id = personId(args, words);
    if (!id) {
        return id.error();
    }
    const std::string person = "/api/people/" + pathSegment(*id);
    if (action == "show") {
        return PersonRequest{ApiVerb::get, person, nullptr, "", &printPersonPage};
    }
    auto comment = args.require("comment");
    if (!comment) {
        return comment.error();
    }
    return PersonRequest{ApiVerb::post,
                         person + "/" + action,
                         {{"comment", *comment}},
                         "person " + *id + " " + action + "d"};
}

bool isReadOrState(const std::string& action) {
    return action == "list" || action == "show" || action == "disable" || action == "enable";
}

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
    if (action != "card" && action != "pin" && action != "finger" && action != "grant" &&
        action != "weight") {
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
    if (action == "weight") {
        auto kg = args.require("kg");
        if (!kg) {
            return kg.error();
        }
        auto change = weightChange(*id, *kg);
        if (!change) {
            return change.error();
        }
        return PersonRequest{ApiVerb::patch, person, std::move(change->body),
                             std::move(change->done)};
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
    // list, show, disable and enable take the person id as a word (`person show p-1`).
    const Positionals split = splitPositionals(args, isReadOrState(action) ? 1 : args.size());
    std::vector<std::string> options = isReadOrState(action)
                                           ? split.options
                                           : std::vector<std::string>(args.begin() + 1, args.end());
    auto parsed = CliArgs::parse(
        options, daemonOptions({"id", "name", "uid", "template-file", "sim-seed", "zone",
                                "schedule", "kg", "query", "limit", "comment"}));
    if (!parsed) {
        err << kUsage;
        return reportFailure(parsed.error(), err);
    }
    // Options, stdin and files first: nothing is asked of the daemon with a bad command line.
    ActionInput input;
    auto request = isReadOrState(action) ? readOrStateRequest(action, *parsed, split.words)
                                         : requestFor(action, *parsed, input);
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
    std::optional<nlohmann::json> body;
    if (!request->body.is_null()) {
        body = std::move(request->body);
    }
    auto answer = session->expectOk(request->verb, request->target, std::move(body));
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    if (answer->status == 202) {
        printPendingApproval(answer->body, out);
        return 0;
    }
    if (request->print != nullptr) {
        request->print(answer->body, out);
        return 0;
    }
    out << request->done << "\n";
    return 0;
}

int runGrantCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kGrantUsage =
        "usage: sekimori grant remove PERSON ZONE --operator NAME [--config SITE.toml | "
        "--socket PATH]\n"
        "                            [--password-file F]\n"
        "  removes the person's direct grant for the zone at once (person.grant_removed); access\n"
        "  through levels and groups stays (sekimori person show PERSON lists it).\n"
        "  Grants are given with `sekimori person grant`.\n";
    if (args.empty() || args[0] == "--help" || args[0] != "remove") {
        err << kGrantUsage;
        return 2;
    }
    const Positionals split = splitPositionals(args, 1);
    if (split.words.size() != 2) {
        err << kGrantUsage;
        return reportFailure(core::makeError("cli.bad_argument", "give PERSON and ZONE"), err);
    }
    auto parsed = CliArgs::parse(split.options, daemonOptions({}));
    if (!parsed) {
        err << kGrantUsage;
        return reportFailure(parsed.error(), err);
    }
    auto session = DaemonSession::open(*parsed);
    if (!session) {
        return reportFailure(session.error(), err);
    }
    const std::string& person = split.words[0];
    const std::string& zone = split.words[1];
    auto answer = session->expectOk(
        ApiVerb::del, "/api/people/" + pathSegment(person) + "/grants/" + pathSegment(zone));
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    out << "person " << person << " grant " << zone << " removed\n";
    return 0;
}

}  // namespace sekimori::app
