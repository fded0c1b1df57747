#include "bench/console_live_browser.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

extern char** environ;

namespace sekimori::bench {

LiveBrowser::~LiveBrowser() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    for (int fd : {toChild_, fromChild_}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

core::Result<void> LiveBrowser::start(const std::string& sourceDir, const std::string& url,
                                      const std::string& name, const std::string& password,
                                      const std::string& outFile) {
    outFile_ = outFile;
    int in[2];
    int out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) {
        return core::makeError("bench.browser", "pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    for (int fd : {in[0], in[1], out[0], out[1]}) {
        posix_spawn_file_actions_addclose(&actions, fd);
    }
    const std::string script = sourceDir + "/bench/console_live_dom.py";
    std::vector<std::string> argv{"/usr/bin/python3", script,   "--url", url,    "--name", name,
                                  "--password",       password, "--out", outFile};
    std::vector<char*> raw;
    for (auto& a : argv) {
        raw.push_back(a.data());
    }
    raw.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    toChild_ = in[1];
    fromChild_ = out[0];
    if (rc != 0) {
        pid_ = -1;
        return core::makeError("bench.browser", "cannot start " + script);
    }
    for (;;) {
        const std::string line = readLine(120'000);
        if (line == "READY") {
            return {};
        }
        if (line.empty()) {
            return core::makeError("bench.browser",
                                   "the browser script did not get ready (see its stderr)");
        }
    }
}

// One line from the child's stdout, or "" on EOF or time-out.
std::string LiveBrowser::readLine(int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        if (auto nl = pending_.find('\n'); nl != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) {
            return {};
        }
        pollfd p{fromChild_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
            continue;
        }
        char chunk[4096];
        const auto n = ::read(fromChild_, chunk, sizeof chunk);
        if (n <= 0) {
            return {};
        }
        pending_.append(chunk, static_cast<std::size_t>(n));
    }
}

core::Result<std::vector<DomRow>> LiveBrowser::finish() {
    if (pid_ <= 0) {
        return core::makeError("bench.browser", "not started");
    }
    const char stop[] = "STOP\n";
    if (::write(toChild_, stop, sizeof stop - 1) < 0) {
        return core::makeError("bench.browser", "cannot reach the browser script");
    }
    std::string line;
    do {
        line = readLine(60'000);
    } while (!line.empty() && !line.starts_with("DONE"));
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (line.empty() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return core::makeError("bench.browser", "the browser script failed (see its stderr)");
    }
    std::vector<DomRow> rows;
    std::ifstream in(outFile_);
    std::uint64_t seq = 0;
    std::int64_t ms = 0;
    while (in >> seq >> ms) {
        rows.push_back(DomRow{seq, ms * 1000});
    }
    return rows;
}

}  // namespace sekimori::bench
