#pragma once
// `sekimori operator ...`: console accounts through the daemon (add, list, disable, role).
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

int runOperatorCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
