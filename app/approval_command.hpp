#pragma once
// `sekimori approval ...`: four-eyes requests through the daemon (list, approve, reject).
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

int runApprovalCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
