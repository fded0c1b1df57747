#include "app/audit_command.hpp"

#include <string_view>

#include "app/audited_tables.hpp"
#include "console/operator_store.hpp"
#include "core/audit_verify.hpp"
#include "core/crypto.hpp"
#include "doors/credential_store.hpp"

namespace sekimori::app {
namespace {

constexpr int kIntact = 0;
constexpr int kTampered = 1;
constexpr int kCannotRun = 2;
constexpr std::size_t kMaxFindingLines = 50;

constexpr std::string_view kVerifyUsage =
    "usage: sekimori audit verify --db PATH [--checkpoints FILE] [--pubkey FILE]"
    " [--require-covered] [--witness-pubkey FILE --witness-log FILE]...\n"
    "       [--panel-keys DIR] [--site ID]\n"
    "  --checkpoints  default: PATH.checkpoints\n"
    "  --pubkey       default: audit-signing.pub beside the checkpoint file\n"
    "  --require-covered  fail on events no signed checkpoint covers yet\n"
    "  --witness-pubkey, --witness-log  a witness's key and log, in pairs (docs/witness.md)\n"
    "  --panel-keys   pinned panel public keys (DIR/<panel>.sign.pub); default: only the keys\n"
    "                 the trail enrolled\n"
    "  --site         the site id the panels sign for; default: the one the trail names\n"
    "exit: 0 intact, 1 tampered (first bad seq named), 2 cannot run\n";

int runVerify(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    core::AuditVerifyOptions options;
    options.auditedTables = auditedTables();
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto value = [&](std::string& into) {
            if (i + 1 >= args.size()) {
                return false;
            }
            into = args[++i];
            return true;
        };
        bool ok = true;
        if (arg == "--db") {
            ok = value(options.dbPath);
        } else if (arg == "--checkpoints") {
            ok = value(options.checkpointFile);
        } else if (arg == "--pubkey") {
            ok = value(options.publicKeyFile);
        } else if (arg == "--panel-keys") {
            ok = value(options.panelKeysDir);
        } else if (arg == "--site") {
            ok = value(options.site);
        } else if (arg == "--require-covered") {
            options.requireCovered = true;
        } else if (arg == "--witness-pubkey" || arg == "--witness-log") {
            const bool key = arg == "--witness-pubkey";
            auto& w = options.witnesses;
            if (w.empty() || !(key ? w.back().publicKeyFile : w.back().logFile).empty()) {
                w.emplace_back();
            }
            ok = value(key ? w.back().publicKeyFile : w.back().logFile);
        } else if (arg == "--help" || arg == "-h") {
            out << kVerifyUsage;
            return kIntact;
        } else {
            err << "sekimori audit verify: unknown argument " << arg << "\n" << kVerifyUsage;
            return kCannotRun;
        }
        if (!ok) {
            err << "sekimori audit verify: " << arg << " needs a value\n" << kVerifyUsage;
            return kCannotRun;
        }
    }
    if (options.dbPath.empty()) {
        err << "sekimori audit verify: --db is required\n" << kVerifyUsage;
        return kCannotRun;
    }
    for (const auto& w : options.witnesses) {
        if (w.publicKeyFile.empty() || w.logFile.empty()) {
            err << "sekimori audit verify: --witness-pubkey and --witness-log go in pairs\n"
                << kVerifyUsage;
            return kCannotRun;
        }
    }
    auto report = core::verifyAudit(options);
    if (!report) {
        err << "sekimori audit verify: cannot run: " << report.error().message << "\n";
        return kCannotRun;
    }
    std::size_t shown = 0;
    for (const auto& f : report->findings) {
        if (shown++ == kMaxFindingLines) {
            out << "FAIL ... and " << report->findings.size() - kMaxFindingLines
                << " more findings\n";
            break;
        }
        out << "FAIL " << f.message << "\n";
    }
    const std::string summary =
        std::to_string(report->eventCount) + " events, " + std::to_string(report->checkpointCount) +
        " checkpoints (newest covers " + std::to_string(report->coveredSize) + "), " +
        std::to_string(report->uncoveredCount) + " not yet covered, " +
        std::to_string(report->rowsChecked) + " audited rows, " +
        std::to_string(report->panelSignedEvents) + " panel-signed events, head " +
        core::toHex(report->headHash);
    if (report->intact()) {
        out << "audit verify: OK: " << summary << "\n";
        return kIntact;
    }
    out << "audit verify: TAMPERED: first bad seq " << *report->firstBadSeq() << ", "
        << report->findings.size() << " findings; " << summary << "\n";
    return kTampered;
}

}  // namespace

int runAuditCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (!args.empty() && args[0] == "verify") {
        return runVerify(args, out, err);
    }
    err << "usage: sekimori audit verify ...  (sekimori audit verify --help)\n";
    return kCannotRun;
}

}  // namespace sekimori::app
