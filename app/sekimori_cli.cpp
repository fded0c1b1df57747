// sekimori: the admin CLI. Each subcommand is one row of the table below. person, operator,
// approval and password are clients of the daemon (its local socket, logged in as an
// operator); audit verify and config read files and write nothing.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/approval_command.hpp"
#include "app/audit_command.hpp"
#include "app/config_command.hpp"
#include "app/operator_command.hpp"
#include "app/password_command.hpp"
#include "app/person_command.hpp"
#include "app/report_command.hpp"

namespace {

using Command = int (*)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

struct Subcommand {
    std::string_view name;
    Command run;
    std::string_view summary;
};

constexpr Subcommand kSubcommands[] = {
    {"audit", &sekimori::app::runAuditCommand, "audit verify: check the tamper-evident trail"},
    {"person", &sekimori::app::runPersonCommand,
     "enroll people, cards, PINs, fingers, grants; list, show, disable"},
    {"grant", &sekimori::app::runGrantCommand, "grant remove: take a person's zone grant away"},
    {"operator", &sekimori::app::runOperatorCommand, "console accounts: add, list, disable, role"},
    {"approval", &sekimori::app::runApprovalCommand, "four-eyes requests: list, approve, reject"},
    {"password", &sekimori::app::runPasswordCommand, "set a new password for your account"},
    {"config", &sekimori::app::runConfigCommand, "check a site file, show fields"},
    {"report", &sekimori::app::runReportCommand,
     "auditor's reports: access, suspicious, privileges, operators, exports, compliance"},
};

int usage(std::ostream& err) {
    err << "usage: sekimori <command> [args]\ncommands:\n";
    for (const auto& c : kSubcommands) {
        err << "  " << c.name << "  " << c.summary << "\n";
    }
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        return usage(std::cerr);
    }
    const std::string_view name = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& c : kSubcommands) {
        if (c.name == name) {
            return c.run(args, std::cout, std::cerr);
        }
    }
    std::cerr << "sekimori: unknown command " << name << "\n";
    return usage(std::cerr);
}
