#include "app/approval_command.hpp"

#include <string_view>

#include "app/api_output.hpp"
#include "app/cli_failure.hpp"
#include "app/daemon_session.hpp"

namespace sekimori::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sekimori approval <action> --operator NAME [--config SITE.toml | --socket PATH]\n"
    "                         [--password-file F] ...\n"
    "  list     [--state pending|approved|rejected|expired] [--kind KIND]\n"
    "           (one line each: id, state, kind, requester, summary)\n"
    "  approve  --id APPROVAL   (never your own request, nor one about you; an approved\n"
    "           operators.add prints the new account's one-time password)\n"
    "  reject   --id APPROVAL --reason TEXT\n";

int list(DaemonSession& session, const CliArgs& args, std::ostream& out, std::ostream& err) {
    std::string query;
    for (const char* key : {"state", "kind"}) {
        if (auto v = args.get(key)) {
            // Piecewise: GCC 12 -O3 reports a false -Wrestrict on literal + std::string.
            query += query.empty() ? '?' : '&';
            query += key;
            query += '=';
            query += pathSegment(*v);
        }
    }
    auto answer = session.expectOk(ApiVerb::get, "/api/approvals" + query);
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    for (const auto& a : answer->body.value("approvals", nlohmann::json::array())) {
        printApprovalLine(a, out);
    }
    return 0;
}

void printDecision(const nlohmann::json& body, std::ostream& out) {
    const auto approval = body.value("approval", nlohmann::json::object());
    out << "approval " << approval.value("id", "") << " " << approval.value("state", "") << " "
        << approval.value("kind", "") << "\n";
    const auto result = body.value("result", nlohmann::json::object());
    if (result.contains("password")) {
        // operators.add: the one-time password, shown to the approver only, once.
        nlohmann::json account = approval.value("action", nlohmann::json::object());
        account["password"] = result["password"];
        printOneTimePassword(account, out);
    }
}

}  // namespace

int runApprovalCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help") {
        err << kUsage;
        return 2;
    }
    const std::string action = args[0];
    auto parsed = CliArgs::parse({args.begin() + 1, args.end()},
                                 daemonOptions({"id", "state", "kind", "reason"}));
    if (!parsed) {
        err << kUsage;
        return reportFailure(parsed.error(), err);
    }
    if (action != "list" && action != "approve" && action != "reject") {
        err << kUsage;
        return 2;
    }
    std::string target;
    nlohmann::json body = nlohmann::json::object();
    if (action != "list") {
        auto id = parsed->require("id");
        if (!id) {
            return reportFailure(id.error(), err);
        }
        target = "/api/approvals/" + pathSegment(*id) + "/" + action;
    }
    if (action == "reject") {
        auto reason = parsed->require("reason");
        if (!reason) {
            return reportFailure(reason.error(), err);
        }
        body["reason"] = *reason;
    }
    auto session = DaemonSession::open(*parsed);
    if (!session) {
        return reportFailure(session.error(), err);
    }
    if (action == "list") {
        return list(*session, *parsed, out, err);
    }
    auto answer = session->expectOk(ApiVerb::post, target, body);
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    printDecision(answer->body, out);
    return 0;
}

}  // namespace sekimori::app
