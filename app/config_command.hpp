#pragma once
// `sekimori config ...`: check a site file whole, and print single fields for scripts.
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

int runConfigCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
