#pragma once
// `sekimori report ...`: the auditor's reports through the daemon (docs/reports.md).
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

int runReportCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
