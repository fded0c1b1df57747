#include "app/operator_command.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

#include "app/site_context.hpp"
#include "console/operator_store.hpp"
#include "console/roles.hpp"
#include "core/clock.hpp"

namespace sekimori::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sekimori operator <action> --config SITE.toml [--as WHO] ...\n"
    "  add      --name NAME --role operator|facility_admin|security_admin|auditor\n"
    "           (prints the generated password once; only its argon2id hash is stored)\n"
    "  list\n"
    "  disable  --name NAME\n";

core::Event operatorEvent(const CliArgs& args, std::string type, std::string_view name,
                          nlohmann::json payload) {
    const core::SystemClock clock;
    return core::Event{clock.nowUs(), std::move(type), cliActor(args), std::string(name),
                       payload.dump()};
}

}  // namespace

int runOperatorCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help") {
        err << kUsage;
        return 2;
    }
    const std::string action = args[0];
    auto parsed = CliArgs::parse({args.begin() + 1, args.end()}, {"config", "as", "name", "role"});
    if (!parsed) {
        err << kUsage;
        return reportFailure(parsed.error(), err);
    }
    auto site = openSite(*parsed);
    if (!site) {
        return reportFailure(site.error(), err);
    }
    if (auto r = console::migrateOperatorStore(*site->db); !r) {
        return reportFailure(r.error(), err);
    }
    if (action == "list") {
        auto all = console::listOperators(*site->db);
        if (!all) {
            return reportFailure(all.error(), err);
        }
        for (const auto& o : *all) {
            out << o.name << "\t" << console::roleName(o.role) << (o.disabled ? "\tdisabled" : "")
                << "\n";
        }
        return 0;
    }
    auto name = parsed->require("name");
    if (!name) {
        return reportFailure(name.error(), err);
    }
    if (action == "add") {
        auto roleText = parsed->require("role");
        if (!roleText) {
            return reportFailure(roleText.error(), err);
        }
        const auto role = console::parseRole(*roleText);
        if (!role) {
            return reportFailure(
                core::makeError("cli.bad_role", "unknown role '" + *roleText + "'"), err);
        }
        // Hashed before the transaction: argon2id must not hold the database's write lock
        // (the daemon's audit writer, and so every door reply, would wait behind it).
        auto credential = console::makeOperatorCredential();
        if (!credential) {
            return reportFailure(credential.error(), err);
        }
        // The operator row and its audit event: one transaction, both or neither.
        auto audited = commitCliChange(*site, [&]() -> core::Result<std::vector<core::Event>> {
            if (auto r = console::insertOperator(*site->db, *name, *role, credential->passwordHash,
                                                 core::SystemClock().nowUs());
                !r) {
                return r.error();
            }
            return std::vector<core::Event>{
                operatorEvent(*parsed, "operator.added", *name,
                              {{"name", *name}, {"role", console::roleName(*role)}})};
        });
        if (!audited) {
            return reportFailure(audited.error(), err);
        }
        out << "operator " << *name << " (" << console::roleName(*role)
            << ") password: " << credential->password << "\n";
        return 0;
    }
    if (action == "disable") {
        auto audited = commitCliChange(*site, [&]() -> core::Result<std::vector<core::Event>> {
            if (auto r = console::setOperatorDisabled(*site->db, *name, true); !r) {
                return r.error();
            }
            return std::vector<core::Event>{
                operatorEvent(*parsed, "operator.disabled", *name, {{"name", *name}})};
        });
        if (!audited) {
            return reportFailure(audited.error(), err);
        }
        out << "operator " << *name << " disabled\n";
        return 0;
    }
    err << kUsage;
    return 2;
}

}  // namespace sekimori::app
