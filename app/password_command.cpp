#include "app/password_command.hpp"

#include <sodium.h>

#include <string_view>

#include "app/cli_failure.hpp"
#include "app/daemon_session.hpp"

namespace sekimori::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sekimori password --operator NAME [--config SITE.toml | --socket PATH]\n"
    "                         [--password-file CURRENT] [--new-password-file NEW]\n"
    "  Sets a new password for NAME (at least 12 characters, not tied to the name). Without\n"
    "  --new-password-file it is asked twice on the terminal.\n";

core::Result<std::string> newPassword(const CliArgs& args) {
    if (auto file = args.get("new-password-file")) {
        return readPasswordFile(*file);
    }
    auto first = promptPassword("new password: ");
    if (!first) {
        return first.error();
    }
    auto again = promptPassword("new password again: ");
    if (!again) {
        return again.error();
    }
    const bool same = *first == *again;
    sodium_memzero(again->data(), again->size());
    if (!same) {
        sodium_memzero(first->data(), first->size());
        return core::makeError("cli.password_mismatch", "the two new passwords differ");
    }
    return first;
}

}  // namespace

int runPasswordCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (!args.empty() && args[0] == "--help") {
        err << kUsage;
        return 2;
    }
    auto parsed = CliArgs::parse(args, daemonOptions({"new-password-file"}));
    if (!parsed) {
        err << kUsage;
        return reportFailure(parsed.error(), err);
    }
    auto session = DaemonSession::open(*parsed, DaemonSession::Purpose::changePassword);
    if (!session) {
        return reportFailure(session.error(), err);
    }
    auto fresh = newPassword(*parsed);
    if (!fresh) {
        return reportFailure(fresh.error(), err);
    }
    nlohmann::json body = nlohmann::json::object();
    body["old"] = session->password();
    body["new"] = std::move(*fresh);
    auto answer = session->expectOk(ApiVerb::post, "/api/session/password", std::move(body));
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    out << "operator " << session->operatorName() << " password changed\n";
    return 0;
}

}  // namespace sekimori::app
