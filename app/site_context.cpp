#include "app/site_context.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "app/site_file.hpp"
#include "core/audit_chain.hpp"
#include "core/audit_checkpoint.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"

namespace sekimori::app {

core::Result<SiteContext> openSite(const CliArgs& args) {
    auto configPath = args.require("config");
    if (!configPath) {
        return configPath.error();
    }
    if (auto r = core::initCrypto(); !r) {
        return r.error();
    }
    auto file = loadSiteFile(*configPath);  // every domain's section: the whole-file check
    if (!file) {
        return file.error();
    }
    SiteContext site{std::move(file->site), {}, nullptr};
    site.paths = sitePaths(site.config);
    std::error_code ec;
    std::filesystem::create_directories(site.config.daemon.dataDir, ec);
    if (ec) {
        return core::makeError(
            "cli.data_dir",
            "cannot create " + site.config.daemon.dataDir.string() + ": " + ec.message());
    }
    ::chmod(site.config.daemon.dataDir.c_str(), 0700);
    auto db = core::Database::open(site.paths.database.string());
    if (!db) {
        return db.error();
    }
    site.db = std::move(*db);
    return site;
}

std::string cliActor(const CliArgs& args) {
    if (auto as = args.get("as"); as && !as->empty()) {
        return *as;
    }
    for (const char* var : {"SUDO_USER", "USER"}) {
        if (const char* v = std::getenv(var); v && *v) {
            return std::string("cli:") + v;
        }
    }
    return "cli";
}

core::Result<std::vector<core::RecordedEvent>> commitCliChange(SiteContext& site,
                                                               const core::AuditedWrite& write) {
    auto committed =
        core::commitWithEvents(*site.db, [&]() -> core::Result<std::vector<core::Event>> {
            auto events = write();
            if (events) {
                // Stamped inside the write transaction: a time taken earlier could predate a
                // checkpoint the daemon signs meanwhile, which the verifier would call backdated.
                for (auto& e : *events) {
                    e.timeUs = 0;
                }
            }
            return events;
        });
    if (!committed) {
        return committed.error();
    }
    const core::SystemClock clock;
    auto checkpoint = core::checkpointIfKeyReadable(*site.db, site.paths.signingKey.string(),
                                                    clock.nowUs(), site.paths.checkpoints.string());
    if (!checkpoint) {
        // The change and its events are durable; only the early signature is missing, and the
        // daemon's next checkpoint covers them.
        core::logWarning("cli",
                         "committed, but no checkpoint was signed: " + checkpoint.error().message);
    }
    return committed;
}

int reportFailure(const core::Error& error, std::ostream& err) {
    err << "sekimori: " << error.message << "\n";
    const bool usage = error.code.rfind("cli.", 0) == 0 || error.code.rfind("config.", 0) == 0;
    return usage ? 2 : 1;
}

}  // namespace sekimori::app
