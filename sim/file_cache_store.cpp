#include "sim/file_cache_store.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

namespace sekimori::sim {

namespace {

constexpr std::string_view kCacheMagic = "SKCACHE1\n";

std::string errnoText() {
    return std::strerror(errno);
}

core::Error ioError(const std::filesystem::path& path, const std::string& what) {
    return core::makeError("sim.state_file", path.string() + ": " + what + ": " + errnoText());
}

core::Result<std::optional<std::string>> readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ignored;
        if (!std::filesystem::exists(path, ignored)) {
            return std::optional<std::string>();
        }
        return ioError(path, "cannot open");
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return ioError(path, "cannot read");
    }
    return std::optional<std::string>(std::move(bytes));
}

}  // namespace

core::Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
    std::filesystem::path temp = path;
    temp += ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return ioError(temp, "cannot create");
    }
    std::string_view left = bytes;
    while (!left.empty()) {
        const ssize_t n = ::write(fd, left.data(), left.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            auto error = ioError(temp, "cannot write");
            ::close(fd);
            ::unlink(temp.c_str());
            return error;
        }
        left.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd) != 0) {
        auto error = ioError(temp, "cannot fsync");
        ::close(fd);
        ::unlink(temp.c_str());
        return error;
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        auto error = ioError(path, "cannot rename into place");
        ::unlink(temp.c_str());
        return error;
    }
    auto dir = path.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    const int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd < 0 || ::fsync(dirFd) != 0) {
        auto error = ioError(dir, "cannot fsync the directory");
        if (dirFd >= 0) {
            ::close(dirFd);
        }
        return error;
    }
    ::close(dirFd);
    return {};
}

FileCacheStore::FileCacheStore(std::filesystem::path path, std::string_view panelKey)
    : path_(std::move(path)), key_(core::keyedHash(panelKey, kCacheKeyLabel)) {}

FileCacheStore::~FileCacheStore() {
    sodium_memzero(key_.data(), key_.size());
}

core::Result<void> FileCacheStore::store(std::string_view plaintext) {
    std::string bytes(kCacheMagic);
    bytes.append(core::sealBox(key_, plaintext));
    return writeFileAtomically(path_, bytes);
}

core::Result<std::optional<std::string>> FileCacheStore::load() const {
    auto read = readFile(path_);
    if (!read) {
        return read.error();
    }
    if (!*read) {
        return std::optional<std::string>();
    }
    const std::string& bytes = **read;
    if (bytes.compare(0, kCacheMagic.size(), kCacheMagic) != 0) {
        return core::makeError("sim.cache_file",
                               path_.string() + ": not a sekimori panel cache (bad magic)");
    }
    auto opened = core::openBox(key_, std::string_view(bytes).substr(kCacheMagic.size()));
    if (!opened) {
        return core::makeError("sim.cache_file", path_.string() +
                                                     ": does not open under this panel's key " +
                                                     "(damaged, or another panel's): not used");
    }
    return std::optional<std::string>(std::move(*opened));
}

CounterLease::CounterLease(std::filesystem::path path) : path_(std::move(path)) {}

core::Result<std::uint64_t> CounterLease::start(std::uint64_t clockMicros) {
    auto read = readFile(path_);
    if (!read) {
        return read.error();
    }
    std::uint64_t stored = 0;
    if (*read) {
        const std::string& text = **read;
        const auto digits = text.substr(0, text.find('\n'));
        if (digits.empty() || digits.size() > 19 ||
            digits.find_first_not_of("0123456789") != std::string::npos) {
            return core::makeError("sim.counter_file",
                                   path_.string() + ": not a counter lease: '" + digits + "'");
        }
        stored = std::stoull(digits);
    }
    const std::uint64_t first = std::max(stored + 1, clockMicros);
    if (auto leased = lease(first + kBlock); !leased) {
        return leased.error();
    }
    return first;
}

core::Result<void> CounterLease::used(std::uint64_t used) {
    if (used + kBlock / 2 < leasedThrough_) {
        return {};
    }
    return lease(used + kBlock);
}

core::Result<void> CounterLease::lease(std::uint64_t through) {
    if (auto written = writeFileAtomically(path_, std::to_string(through) + "\n"); !written) {
        return written;
    }
    leasedThrough_ = through;
    return {};
}

}  // namespace sekimori::sim
