#pragma once
// `sekimori password`: the logged-in operator sets a new password of their own (required at
// the first login of the bootstrap admin and of every new account).
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

int runPasswordCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
