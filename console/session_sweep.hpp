#pragma once
// The console's periodic pass over its sessions, so that a session ends when it should even if
// its browser sends nothing (a WebSocket only listens): sessions past their idle time or
// lifetime end; every account with a live session is read again and its sessions end when it
// was disabled, removed, changed role or no longer matches the trail; coalesced login
// failures whose window ended are recorded. Each ended session's streams are closed at once.
// Runs on the io thread; the account reads go to the database strand.
#include <memory>

#include "console/console_context.hpp"

namespace sekimori::console {

// One pass now (tests call it after moving the clock).
void sweepSessions(const std::shared_ptr<ConsoleContext>& context);
// A pass every settings.sweepInterval, re-armed after each; ends with the context.
void startSessionSweep(const std::shared_ptr<ConsoleContext>& context);

}  // namespace sekimori::console
