#pragma once
// The panel's offline cache at rest on a host (docs/offline.md): the encoded cache entries
// sealed with secretbox under a key derived from the panel key (HMAC-SHA-256(panel key,
// "sekimori.panel.cache.v1")), so the file holds no card, person or PIN hash in clear; written
// atomically (temporary file, fsync, rename, fsync the directory), so a crash leaves the old
// cache or the new one, never half of either. Also the panel's counter lease, kept beside it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto.hpp"
#include "core/result.hpp"

namespace sekimori::sim {

inline constexpr std::string_view kCacheKeyLabel = "sekimori.panel.cache.v1";

// Writes `bytes` to `path` (mode 0600) so that a reader sees the old content or the new, whole.
core::Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

class FileCacheStore {
  public:
    FileCacheStore(std::filesystem::path path, std::string_view panelKey);
    ~FileCacheStore();
    FileCacheStore(const FileCacheStore&) = delete;
    FileCacheStore& operator=(const FileCacheStore&) = delete;

    core::Result<void> store(std::string_view plaintext);
    // The cache as last stored; nullopt when none was ever stored. An error when the file does
    // not open under this panel's key (damaged, or another panel's): the caller starts empty and
    // says so, never trusts it.
    core::Result<std::optional<std::string>> load() const;

  private:
    std::filesystem::path path_;
    core::Bytes key_;
};

// The panel's link counter across restarts: counters handed out are leased in blocks, the
// lease's end written (atomically) before any counter of the block is used, so a restart starts
// past everything that may have been used — and never below the clock's microseconds, which the
// panel used before it had a state directory.
class CounterLease {
  public:
    static constexpr std::uint64_t kBlock = 10'000;

    explicit CounterLease(std::filesystem::path path);
    // Reads the lease and takes the first block; returns the first counter to use.
    core::Result<std::uint64_t> start(std::uint64_t clockMicros);
    // The panel has used counters up to `used`: extends the lease first when it runs short.
    core::Result<void> used(std::uint64_t used);
    std::uint64_t leasedThrough() const { return leasedThrough_; }

  private:
    core::Result<void> lease(std::uint64_t through);

    std::filesystem::path path_;
    std::uint64_t leasedThrough_ = 0;
};

}  // namespace sekimori::sim
