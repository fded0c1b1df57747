#include "doors/credential_cache.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/log.hpp"

#include <nlohmann/json.hpp>

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
    auto store = CredentialStore::attach(**db);
    if (!store) {
        return store.error();
    }
    auto head = (*db)->prepare("SELECT coalesce(max(seq), 0) FROM audit_events");
    auto newer = (*db)->prepare(
        "SELECT seq, payload FROM audit_events WHERE seq > ?1 AND seq <= ?2"
        " AND instr(payload, '\"row_digest\"') > 0 ORDER BY seq");
    if (!head || !newer) {
        return !head ? head.error() : newer.error();
    }
    std::unique_ptr<CredentialCache> cache(
        new CredentialCache(std::move(io), std::move(*db), std::move(*store), options));
    cache->trailHead_ = std::move(*head);
    cache->newDigestEvents_ = std::move(*newer);
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
                                 std::unique_ptr<CredentialStore> store,
                                 CredentialCacheOptions options)
    : io_(std::move(io)), db_(std::move(db)), store_(std::move(store)), options_(options) {}

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
}

void CredentialCache::stop() {
    alive_ = std::make_shared<int>(0);  // what the reader posted and is still queued does nothing
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake();
    if (reader_.joinable()) {
        reader_.join();
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
    reloadIfChanged(alive);  // the first snapshot at once
    int settleMs = 0;        // > 0 while chasing a write that may not be visible yet
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
        bool stopping = false;
        {
            std::lock_guard lock(mutex_);
            jobs.swap(jobs_);
            stopping = stopping_;
        }
        if (stopping) {
            return;
        }
        reloadIfChanged(alive);
        for (auto& job : jobs) {
            job(*db_);
        }
    }
}

namespace {

std::string firstKey(const core::RowDigestMismatch& m) {
    return m.key.empty() ? std::string() : m.key.front();
}

// Leaves out what a mismatching row would let in. A person's row takes their cards and grants
// with it; a PIN or template row leaves the person without that factor (wrong_pin /
// finger_mismatch at the door).
void leaveOut(CredentialSnapshot& snapshot, const core::RowDigestMismatch& m) {
    const std::string key = firstKey(m);
    if (m.table == peopleTable().table) {
        snapshot.people.erase(key);
        for (auto it = snapshot.cards.begin(); it != snapshot.cards.end();) {
            it = it->second.person == key ? snapshot.cards.erase(it) : std::next(it);
        }
        for (auto it = snapshot.grants.begin(); it != snapshot.grants.end();) {
            it = it->first.first == key ? snapshot.grants.erase(it) : std::next(it);
        }
    } else if (m.table == cardsTable().table) {
        snapshot.cards.erase(key);
    } else if (m.table == pinsTable().table) {
        if (auto it = snapshot.people.find(key); it != snapshot.people.end()) {
            it->second.pinHash.clear();
        }
    } else if (m.table == fingerprintsTable().table) {
        if (auto it = snapshot.people.find(key); it != snapshot.people.end()) {
            it->second.fingerBox.clear();
        }
    } else if (m.table == grantsTable().table && m.key.size() == 2) {
        snapshot.grants.erase({m.key[0], m.key[1]});
    }
}

}  // namespace

core::Result<void> CredentialCache::catchUpDigests() {
    if (!digests_) {
        auto loaded = core::RowDigestIndex::load(*db_);
        if (!loaded) {
            return loaded.error();
        }
        digests_ = std::move(*loaded);
        digestsScannedTo_ = digests_->lastSeq();
        return {};
    }
    auto head = trailHead_.step();
    if (!head || !*head) {
        trailHead_.reset();
        return head ? core::makeError("doors.trail", "audit_events has no max(seq)") : head.error();
    }
    const auto headSeq = static_cast<std::uint64_t>(trailHead_.columnInt(0));
    trailHead_.reset();
    newDigestEvents_.bind(1, static_cast<std::int64_t>(digestsScannedTo_))
        .bind(2, static_cast<std::int64_t>(headSeq));
    for (;;) {
        auto row = newDigestEvents_.step();
        if (!row) {
            newDigestEvents_.reset();
            return row.error();
        }
        if (!*row) {
            break;
        }
        const auto seq = static_cast<std::uint64_t>(newDigestEvents_.columnInt(0));
        const auto body = nlohmann::json::parse(newDigestEvents_.columnText(1), nullptr, false);
        if (body.is_object()) {
            if (auto r = digests_->note(seq, body); !r) {
                newDigestEvents_.reset();
                return r.error();
            }
        }
    }
    newDigestEvents_.reset();
    digestsScannedTo_ = headSeq;
    return {};
}

core::Result<CredentialSnapshot> CredentialCache::loadChecked() {
    if (auto begin = db_->exec("BEGIN"); !begin) {
        return begin.error();
    }
    // One read transaction: the rows and the trail at the same point, so a change committed
    // with its event is never half seen.
    auto snapshot = [&]() -> core::Result<CredentialSnapshot> {
        if (auto r = catchUpDigests(); !r) {
            return r.error();
        }
        auto rows = store_->loadRows();
        if (!rows) {
            return rows.error();
        }
        auto mismatches = core::findRowDigestMismatches(*db_, kAuditedTables(), *digests_);
        if (!mismatches) {
            return mismatches.error();
        }
        for (const auto& m : *mismatches) {
            leaveOut(*rows, m);
        }
        rows->refusedRows = std::move(*mismatches);
        return rows;
    }();
    (void)db_->exec("COMMIT");
    return snapshot;
}

void CredentialCache::reloadIfChanged(const std::weak_ptr<int>& alive) {
    auto generation = store_->generation();
    if (generation && loadedGeneration_ == generation.value()) {
        return;
    }
    auto snapshot =
        generation ? loadChecked() : core::Result<CredentialSnapshot>(generation.error());
    if (!snapshot) {
        if (!failing_) {
            core::logError(kComponent,
                           "credentials cannot be read, keeping the previous snapshot: " +
                               snapshot.error().message);
            failing_ = true;
        }
        return;
    }
    if (failing_) {
        core::logInfo(kComponent, "credentials readable again");
        failing_ = false;
    }
    // The snapshot's own read transaction may have seen a later generation than the counter
    // read above; reading the counter first means a change between them reloads once more.
    loadedGeneration_ = generation.value();
    auto shared = std::make_shared<const CredentialSnapshot>(std::move(snapshot.value()));
    core::logDebug(kComponent, "credentials loaded: " + std::to_string(shared->people.size()) +
                                   " people, " + std::to_string(shared->cards.size()) + " cards, " +
                                   std::to_string(shared->refusedRows.size()) + " rows refused");
    boost::asio::post(io_, [handler = onSnapshot_, shared, alive] {
        if (!alive.expired() && handler) {
            handler(shared);
        }
    });
}

}  // namespace sekimori::doors
