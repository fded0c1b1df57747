#include "doors/credential_cache.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/log.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";
// After a write to the files, the commit may not be visible yet (the WAL index is updated in
// shared memory, which inotify does not see): check again after 1, 2, 4 ... 64 ms.
constexpr int kFirstSettleMs = 1;
constexpr int kLastSettleMs = 64;

void drain(int fd) {
    std::array<char, 4096> buffer{};
    while (::read(fd, buffer.data(), buffer.size()) > 0) {
    }
}

}  // namespace

core::Result<std::unique_ptr<CredentialCache>> CredentialCache::open(
    boost::asio::any_io_executor io, const std::string& databasePath,
    CredentialCacheOptions options) {
    auto db = core::Database::open(databasePath, core::Database::Mode::readOnly);
    if (!db) {
        return db.error();
    }
    auto loader = CredentialLoader::open(**db);
    if (!loader) {
        return loader.error();
    }
    std::unique_ptr<CredentialCache> cache(
        new CredentialCache(std::move(io), std::move(*db), std::move(*loader), options));
    cache->databasePath_ = databasePath;
    cache->wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (cache->wakeFd_ < 0) {
        return core::makeError("doors.reader",
                               std::string("eventfd failed: ") + std::strerror(errno));
    }
    if (options.watchFiles) {
        cache->watch(databasePath);
    }
    return cache;
}

CredentialCache::CredentialCache(boost::asio::any_io_executor io,
                                 std::unique_ptr<core::Database> db,
                                 std::unique_ptr<CredentialLoader> loader,
                                 CredentialCacheOptions options)
    : io_(std::move(io)), db_(std::move(db)), loader_(std::move(loader)), options_(options) {}

CredentialCache::~CredentialCache() {
    stop();
    if (inotifyFd_ >= 0) {
        ::close(inotifyFd_);
    }
    if (wakeFd_ >= 0) {
        ::close(wakeFd_);
    }
}

void CredentialCache::watch(const std::string& databasePath) {
    const std::filesystem::path path = std::filesystem::absolute(databasePath);
    inotifyFd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotifyFd_ < 0) {
        core::logWarning(kComponent, std::string("inotify unavailable (") + std::strerror(errno) +
                                         "); polling credentials every " +
                                         std::to_string(options_.pollInterval.count()) + " ms");
        return;
    }
    // The directory, not the files: the -wal file comes and goes with the last connection.
    const int wd = ::inotify_add_watch(inotifyFd_, path.parent_path().c_str(),
                                       IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
    if (wd < 0) {
        core::logWarning(kComponent, "cannot watch " + path.parent_path().string() + " (" +
                                         std::strerror(errno) + "); polling credentials");
        ::close(inotifyFd_);
        inotifyFd_ = -1;
        return;
    }
    watchedName_ = path.filename().string();
    watchedWal_ = watchedName_ + "-wal";
}

void CredentialCache::start(SnapshotHandler onSnapshot) {
    if (reader_.joinable()) {
        return;
    }
    onSnapshot_ = std::move(onSnapshot);
    reader_ = std::thread([this, alive = std::weak_ptr<int>(alive_)] { run(alive); });
    if (options_.fullReloadInterval.count() > 0) {
        verifier_ = std::thread([this] { verify(); });
    }
}

void CredentialCache::stop() {
    alive_ = std::make_shared<int>(0);  // what the reader posted and is still queued does nothing
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake();
    verifierWake_.notify_all();
    if (reader_.joinable()) {
        reader_.join();
    }
    if (verifier_.joinable()) {
        verifier_.join();
    }
}

void CredentialCache::verify() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (verifierWake_.wait_for(lock, options_.fullReloadInterval,
                                       [this] { return stopping_; })) {
                return;
            }
        }
        // A loader of its own (own connection, own digests, built afresh and dropped after),
        // so the reader keeps applying changes in milliseconds while this takes its seconds.
        auto refused = [&]() -> core::Result<std::vector<core::RowDigestMismatch>> {
            auto db = core::Database::open(databasePath_, core::Database::Mode::readOnly);
            if (!db) {
                return db.error();
            }
            auto loader = CredentialLoader::open(**db);
            if (!loader) {
                return loader.error();
            }
            auto full = (*loader)->refresh(nullptr, true);
            if (!full) {
                return full.error();
            }
            return full->snapshot->refusedRows;
        }();
        if (!refused) {
            core::logError(kComponent, "the full verification of the credentials failed: " +
                                           refused.error().message);
            continue;
        }
        std::vector<RowRef> suspects;
        for (const auto& m : *refused) {
            if (auto table = credentialTableNamed(m.table)) {
                suspects.push_back(RowRef{*table, encodeKey(m.key)});
            }
        }
        {
            std::lock_guard lock(mutex_);
            suspects_.insert(suspects_.end(), suspects.begin(), suspects.end());
            ++verifications_;
        }
        wake();
    }
}

void CredentialCache::post(ReadJob job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake();
}

void CredentialCache::refresh(std::function<void()> then) {
    // The job itself reads nothing: every wake checks the generation before running jobs.
    post([this, then = std::move(then), alive = std::weak_ptr<int>(alive_)](core::Database&) {
        boost::asio::post(io_, [then, alive] {
            if (!alive.expired()) {
                then();
            }
        });
    });
}

void CredentialCache::wake() {
    if (wakeFd_ >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto written = ::write(wakeFd_, &one, sizeof one);
    }
}

void CredentialCache::run(std::weak_ptr<int> alive) {
    reloadIfChanged(alive, {});  // the first snapshot at once
    int settleMs = 0;            // > 0 while chasing a write that may not be visible yet
    for (;;) {
        int timeoutMs = static_cast<int>(
            (inotifyFd_ >= 0 ? options_.safetyInterval : options_.pollInterval).count());
        if (settleMs > 0) {
            timeoutMs = settleMs;
        }
        std::array<pollfd, 2> fds{pollfd{wakeFd_, POLLIN, 0}, pollfd{inotifyFd_, POLLIN, 0}};
        const nfds_t count = inotifyFd_ >= 0 ? 2 : 1;
        const int ready = ::poll(fds.data(), count, timeoutMs);
        if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
            drain(wakeFd_);
        }
        bool filesChanged = false;
        if (ready > 0 && count == 2 && (fds[1].revents & POLLIN) != 0) {
            std::array<char, 4096> buffer{};
            for (;;) {
                const ssize_t n = ::read(inotifyFd_, buffer.data(), buffer.size());
                if (n <= 0) {
                    break;
                }
                for (ssize_t at = 0; at < n;) {
                    inotify_event event{};
                    std::memcpy(&event, buffer.data() + at, sizeof event);
                    const char* name = buffer.data() + at + sizeof(inotify_event);
                    if (event.len > 0 && (watchedName_ == name || watchedWal_ == name)) {
                        filesChanged = true;
                    }
                    at += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
                }
            }
        }
        if (filesChanged) {
            settleMs = kFirstSettleMs;
        } else if (ready == 0 && settleMs > 0) {
            settleMs = settleMs >= kLastSettleMs ? 0 : settleMs * 2;
        }

        std::deque<ReadJob> jobs;
        std::vector<RowRef> suspects;
        bool stopping = false;
        {
            std::lock_guard lock(mutex_);
            jobs.swap(jobs_);
            suspects.swap(suspects_);
            stopping = stopping_;
        }
        if (stopping) {
            return;
        }
        reloadIfChanged(alive, suspects);
        for (auto& job : jobs) {
            job(*db_);
        }
    }
}

void CredentialCache::reloadIfChanged(const std::weak_ptr<int>& alive,
                                      const std::vector<RowRef>& suspects) {
    // What the verifier refused and this snapshot already leaves out needs no second look.
    std::vector<RowRef> fresh;
    for (const auto& ref : suspects) {
        const auto& table = auditedTable(ref.table).table;
        const auto key = decodeKey(ref.key);
        const bool known = current_ != nullptr &&
                           std::any_of(current_->refusedRows.begin(), current_->refusedRows.end(),
                                       [&](const core::RowDigestMismatch& m) {
                                           return m.table == table && m.key == key;
                                       });
        if (!known) {
            fresh.push_back(ref);
        }
    }
    if (!fresh.empty()) {
        core::logWarning(kComponent, "the full verification found " + std::to_string(fresh.size()) +
                                         " credential rows the journal did not show; re-checking");
    }
    auto refreshed = loader_->refresh(current_, false, fresh);
    if (!refreshed) {
        if (!failing_) {
            core::logError(kComponent,
                           "credentials cannot be read, keeping the previous snapshot: " +
                               refreshed.error().message);
            failing_ = true;
        }
        return;
    }
    if (failing_) {
        core::logInfo(kComponent, "credentials readable again");
        failing_ = false;
    }
    if (refreshed->full) {
        const bool expected =
            current_ == nullptr || refreshed->why == "the database schema changed";
        const std::string line = "credentials loaded in full (" + refreshed->why + ")";
        if (expected || refreshed->why == lastWarning_) {
            core::logDebug(kComponent, line);
        } else {
            // A write the journal did not see: someone wrote the tables outside the daemon.
            core::logWarning(kComponent, line);
            lastWarning_ = refreshed->why;
        }
    }
    if (!refreshed->snapshot) {
        return;
    }
    current_ = refreshed->snapshot;
    core::logDebug(
        kComponent,
        "credentials: " + std::to_string(current_->peopleCount()) + " people, " +
            std::to_string(current_->cardCount()) + " cards, " +
            std::to_string(current_->refusedRows.size()) + " rows refused" +
            (refreshed->full ? std::string()
                             : ", " + std::to_string(refreshed->rowsChanged) + " rows re-checked"));
    boost::asio::post(io_, [handler = onSnapshot_, shared = current_, alive] {
        if (!alive.expired() && handler) {
            handler(shared);
        }
    });
}

}  // namespace sekimori::doors
