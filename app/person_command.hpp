#pragma once
// `sekimori person ...`: enrollment of people, cards, PINs, fingerprints and zone grants; the
// list, a person's page, disabling and enabling. `sekimori grant remove PERSON ZONE`.
#include <ostream>
#include <string>
#include <vector>

namespace sekimori::app {

int runPersonCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int runGrantCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sekimori::app
