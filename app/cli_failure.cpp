#include "app/cli_failure.hpp"

namespace sekimori::app {

int reportFailure(const core::Error& error, std::ostream& err) {
    err << "sekimori: " << error.message << "\n";
    const bool cannotRun = error.code.rfind("cli.", 0) == 0 || error.code.rfind("config.", 0) == 0;
    return cannotRun ? 2 : 1;
}

}  // namespace sekimori::app
