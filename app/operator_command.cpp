#include "app/operator_command.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

#include "app/api_output.hpp"
#include "app/cli_failure.hpp"
#include "app/daemon_session.hpp"

namespace sekimori::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sekimori operator <action> --operator NAME [--config SITE.toml | --socket PATH]\n"
    "                         [--password-file F] ...\n"
    "  add      --name NAME --role operator|facility_admin|security_admin|auditor|"
    "bcp_coordinator\n"
    "           [--person ID]   (needs an approval; the approver gets the one-time password.\n"
    "           The bootstrap admin's first security_admin is added at once and printed here.)\n"
    "  list\n"
    "  disable  --name NAME\n"
    "  role     --name NAME --role ROLE   (needs an approval)\n";

int list(DaemonSession& session, std::ostream& out, std::ostream& err) {
    auto answer = session.expectOk(ApiVerb::get, "/api/operators");
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    for (const auto& o : answer->body.value("operators", nlohmann::json::array())) {
        out << o.value("name", "") << "\t" << o.value("role", "");
        if (!o.value("person", "").empty()) {
            out << "\tperson " << o.value("person", "");
        }
        if (o.value("disabled", false)) {
            out << "\tdisabled";
        }
        if (o.value("must_change_password", false)) {
            out << "\tmust change password";
        }
        out << "\n";
    }
    return 0;
}

}  // namespace

int runOperatorCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help") {
        err << kUsage;
        return 2;
    }
    const std::string action = args[0];
    auto parsed =
        CliArgs::parse({args.begin() + 1, args.end()}, daemonOptions({"name", "role", "person"}));
    if (!parsed) {
        err << kUsage;
        return reportFailure(parsed.error(), err);
    }
    if (action != "list" && action != "add" && action != "disable" && action != "role") {
        err << kUsage;
        return 2;
    }
    std::optional<std::string> name;
    nlohmann::json body = nlohmann::json::object();
    if (action != "list") {
        auto required = parsed->require("name");
        if (!required) {
            return reportFailure(required.error(), err);
        }
        name = *required;
    }
    if (action == "add" || action == "role") {
        auto role = parsed->require("role");
        if (!role) {
            return reportFailure(role.error(), err);
        }
        body["role"] = *role;  // the daemon names an unknown role
    }
    if (action == "add") {
        body["name"] = *name;
        if (auto person = parsed->get("person")) {
            body["person"] = *person;
        }
    }

    auto session = DaemonSession::open(*parsed);
    if (!session) {
        return reportFailure(session.error(), err);
    }
    if (action == "list") {
        return list(*session, out, err);
    }
    // Built piecewise: GCC 12 -O3 reports a false -Wrestrict on "/" + std::string.
    std::string target = "/api/operators";
    if (action != "add") {
        target += '/';
        target += pathSegment(*name);
    }
    core::Result<ApiAnswer> answer =
        action == "add"    ? session->expectOk(ApiVerb::post, target, body)
        : action == "role" ? session->expectOk(ApiVerb::put, target + "/role", body)
                           : session->expectOk(ApiVerb::post, target + "/disable");
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    if (answer->status == 202) {
        printPendingApproval(answer->body, out);
        return 0;
    }
    if (action == "add") {
        // The bootstrap window: added at once, with its one-time password.
        printOneTimePassword(answer->body, out);
        return 0;
    }
    out << "operator " << *name << (action == "disable" ? " disabled" : " role changed") << "\n";
    return 0;
}

}  // namespace sekimori::app
