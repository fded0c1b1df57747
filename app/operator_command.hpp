#pragma once
// `sekimori operator ...`: console accounts (add with a generated password, list, disable).
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

int runOperatorCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
