#pragma once
// The list of the site's domains, in one place (app/domains.cpp): each with its config section
// and the factory of its service. sekimorid starts them in this order and stops them in reverse;
// `sekimori config check` reads the site file with every section. Adding a domain adds one line
// there and one app/<domain>_wiring.cpp.
#include <vector>

#include "app/domain.hpp"

namespace sekimori::app {

std::vector<Domain> siteDomains();

}  // namespace sekimori::app
