#pragma once
// Runs bench/console_live_dom.py (headless Chromium on the overview) as a child process and
// collects when each event row first appeared in its DOM.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace sekimori::bench {

struct DomRow {
    std::uint64_t seq = 0;
    std::int64_t domUs = 0;  // wall clock (Date.now(), ms resolution) in microseconds
};

class LiveBrowser {
  public:
    LiveBrowser() = default;
    ~LiveBrowser();
    LiveBrowser(const LiveBrowser&) = delete;
    LiveBrowser& operator=(const LiveBrowser&) = delete;

    // Starts the script and waits (up to 120 s) for its READY: logged in, overview observed.
    core::Result<void> start(const std::string& sourceDir, const std::string& url,
                             const std::string& name, const std::string& password,
                             const std::string& outFile);
    // Tells it to stop, waits for it to write its rows and exit; returns them.
    core::Result<std::vector<DomRow>> finish();

  private:
    std::string readLine(int timeoutMs);

    pid_t pid_ = -1;
    int toChild_ = -1;
    int fromChild_ = -1;
    std::string pending_;
    std::string outFile_;
};

}  // namespace sekimori::bench
