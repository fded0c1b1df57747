#pragma once
// `sekimori audit ...`: the auditor's commands. Returns the process exit code.
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

// args are the words after "audit", e.g. {"verify", "--db", "var/sekimori.db"}.
// verify exits 0 on an intact trail, 1 on any finding, 2 when it cannot run.
int runAuditCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
