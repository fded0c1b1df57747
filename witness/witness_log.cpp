#include "witness/witness_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace sekimori::witness {
namespace {

core::Result<void> writeAll(int fd, const std::string& data, const std::string& path) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return core::makeError("witness.write",
                                   "cannot write " + path + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        return core::makeError("witness.write",
                               "cannot fsync " + path + ": " + std::strerror(errno));
    }
    return {};
}

}  // namespace

core::Result<void> appendWitnessLog(const std::string& path, const core::WitnessLogEntry& entry) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return core::makeError("witness.log",
                               "cannot open witness log " + path + ": " + std::strerror(errno));
    }
    auto written = writeAll(fd, core::witnessLogEntryToJson(entry) + "\n", path);
    ::close(fd);
    return written;
}

core::Result<std::vector<core::WitnessLogEntry>> readWitnessLog(const std::string& path) {
    std::vector<core::WitnessLogEntry> entries;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return entries;
    }
    std::ifstream in(path);
    if (!in) {
        return core::makeError("witness.log", "cannot read witness log " + path);
    }
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) {
            continue;
        }
        auto entry = core::witnessLogEntryFromJson(line);
        if (!entry) {
            return core::makeError("witness.log", path + " line " + std::to_string(number) + ": " +
                                                      entry.error().message);
        }
        entries.push_back(std::move(*entry));
    }
    return entries;
}

core::Result<void> writeStateFile(const std::string& path, const core::WitnessLogEntry& entry) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return core::makeError("witness.state",
                               "cannot write " + tmp + ": " + std::strerror(errno));
    }
    auto written = writeAll(fd, core::witnessLogEntryToJson(entry) + "\n", tmp);
    ::close(fd);
    if (!written) {
        ::unlink(tmp.c_str());
        return written;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return core::makeError("witness.state",
                               "cannot replace " + path + ": " + std::strerror(errno));
    }
    const auto dir = std::filesystem::path(path).parent_path();
    const int dirFd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        (void)::fsync(dirFd);
        ::close(dirFd);
    }
    return {};
}

core::Result<std::optional<core::WitnessLogEntry>> readStateFile(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return std::optional<core::WitnessLogEntry>{};
    }
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) {
        return core::makeError("witness.state", "cannot read state file " + path);
    }
    auto entry = core::witnessLogEntryFromJson(line);
    if (!entry) {
        return core::makeError("witness.state", path + ": " + entry.error().message);
    }
    return std::optional<core::WitnessLogEntry>(std::move(*entry));
}

core::Result<std::optional<core::WitnessLogEntry>> recoverWitnessState(const std::string& statePath,
                                                                       const std::string& logPath) {
    auto state = readStateFile(statePath);
    if (!state) {
        return state.error();
    }
    auto log = readWitnessLog(logPath);
    if (!log) {
        return log.error();
    }
    if (log->empty()) {
        if (*state) {
            return core::makeError("witness.state",
                                   statePath + " holds tree size " +
                                       std::to_string((*state)->cosignature.treeSize) +
                                       " but the log " + logPath + " is empty");
        }
        return std::optional<core::WitnessLogEntry>{};
    }
    const core::WitnessLogEntry& newest = log->back();
    if (!*state || (*state)->cosignature.treeSize < newest.cosignature.treeSize) {
        return std::optional<core::WitnessLogEntry>(newest);
    }
    if ((*state)->cosignature.treeSize > newest.cosignature.treeSize ||
        (*state)->cosignature.headHash != newest.cosignature.headHash) {
        return core::makeError("witness.state", statePath + " disagrees with the newest entry of " +
                                                    logPath + "; refusing to start");
    }
    return state;
}

}  // namespace sekimori::witness
