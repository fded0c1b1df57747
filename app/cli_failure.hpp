#pragma once
// How a CLI command ends when something failed: one line on stderr and the exit code
// (0 ok, 1 refused: the daemon or the trail said no, 2 usage or cannot run: a bad command line,
// a bad site file, the daemon not running).
#include <ostream>

#include "core/result.hpp"

namespace sekimori::app {

// Prints the error and returns the exit code for it: 2 for "cli." and "config." codes, else 1.
int reportFailure(const core::Error& error, std::ostream& err);

}  // namespace sekimori::app
