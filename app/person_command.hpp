#pragma once
// `sekimori person ...`: enrollment of people, cards, PINs, fingerprints and zone grants.
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

int runPersonCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
