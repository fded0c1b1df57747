#pragma once
// What every CLI subcommand that touches a site starts with: the checked configuration, its
// paths, crypto ready and the database open.
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "app/cli_args.hpp"
#include "app/site_paths.hpp"
#include "core/audit_chain.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/site_config_model.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::app {

struct SiteContext {
    core::SiteConfig config;
    SitePaths paths;
    std::unique_ptr<core::Database> db;
};

// Loads --config (whole-file check), creates the data dir (0700) and opens the database.
core::Result<SiteContext> openSite(const CliArgs& args);

// Who runs the CLI, for the audit: --as, else $SUDO_USER, else $USER, else "cli".
std::string cliActor(const CliArgs& args);

// Runs `write` (the command's own rows) and appends the audit events it returns in ONE write
// transaction (core::commitWithEvents): a write or append that fails leaves neither rows nor
// events. The events are stamped inside the transaction. Then, when this process can read the
// signing key, signs a checkpoint at once (otherwise the daemon covers them within a second).
// `write` must not wait for input: the database is locked for writing while it runs.
core::Result<std::vector<core::RecordedEvent>> commitCliChange(SiteContext& site,
                                                               const core::AuditedWrite& write);

// Prints the error and returns the CLI's exit code for it (2: usage or config, 1: refused).
int reportFailure(const core::Error& error, std::ostream& err);

}  // namespace sekimori::app
