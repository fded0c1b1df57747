#pragma once
// The credentials the doors service decides from, kept fresh off the io thread. A reader thread
// with its own SQLite connection loads a whole CredentialSnapshot and posts it to the io
// executor, where the service swaps it in; the io thread never touches SQLite. It learns of a
// change at once: inotify on the database's directory wakes it whenever the database or its
// -wal file is written (by this process or the CLI), and it reloads only when the credential
// tables' generation counter moved (doors migration 2), not on every audit commit. Without
// inotify it polls that counter every pollInterval. The same thread runs other read jobs of the
// service (the presence rebuild), in order.
// Each load reads the credential rows and the trail's newest row digests (core::RowDigestIndex,
// caught up incrementally) in one read transaction and leaves out every row whose digest does
// not match (snapshot.refusedRows lists them): a person, card, PIN, template or grant changed
// behind the daemon's back lets nobody in. The check runs per load, never per door step.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "core/row_digest_index.hpp"
#include "core/sqlite_db.hpp"
#include "doors/credential_store.hpp"

namespace sekimori::doors {

struct CredentialCacheOptions {
    bool watchFiles = true;                          // inotify; false: poll only
    std::chrono::milliseconds pollInterval{20};      // without inotify
    std::chrono::milliseconds safetyInterval{1000};  // with it: checks this often regardless
};

class CredentialCache {
  public:
    using SnapshotHandler = std::function<void(std::shared_ptr<const CredentialSnapshot>)>;
    using ReadJob = std::function<void(core::Database&)>;

    // Opens the reader's own read-only connection on `databasePath` (the doors tables must
    // exist: the service migrates first).
    static core::Result<std::unique_ptr<CredentialCache>> open(boost::asio::any_io_executor io,
                                                               const std::string& databasePath,
                                                               CredentialCacheOptions options = {});
    ~CredentialCache();
    CredentialCache(const CredentialCache&) = delete;
    CredentialCache& operator=(const CredentialCache&) = delete;

    // Starts the reader: the first snapshot at once, then one after every change. The handler
    // runs on the io executor. A failed load is logged once and retried at the next wake.
    void start(SnapshotHandler onSnapshot);
    // On the io thread: joins the reader; no handler or job result it posted runs afterwards.
    void stop();

    // Runs `job` on the reader thread with its connection, after any pending reload.
    void post(ReadJob job);
    // Checks the generation now; `then` runs on the io executor after any newer snapshot was
    // handed over. A card step waits on it, so a credential committed before the card was read
    // is always the one decided on.
    void refresh(std::function<void()> then);

    bool watchingFiles() const { return inotifyFd_ >= 0; }

  private:
    CredentialCache(boost::asio::any_io_executor io, std::unique_ptr<core::Database> db,
                    std::unique_ptr<CredentialStore> store, CredentialCacheOptions options);
    void watch(const std::string& databasePath);
    void run(std::weak_ptr<int> alive);
    void waitForWork(bool settling);
    void reloadIfChanged(const std::weak_ptr<int>& alive);
    // Inside the load's read transaction: the trail's digests up to its head, then the rows,
    // minus every row that does not match.
    core::Result<CredentialSnapshot> loadChecked();
    core::Result<void> catchUpDigests();
    void wake();

    boost::asio::any_io_executor io_;
    std::unique_ptr<core::Database> db_;
    std::unique_ptr<CredentialStore> store_;
    CredentialCacheOptions options_;
    SnapshotHandler onSnapshot_;

    int inotifyFd_ = -1;
    int wakeFd_ = -1;
    std::string watchedName_;
    std::string watchedWal_;

    std::mutex mutex_;
    std::deque<ReadJob> jobs_;
    bool stopping_ = false;

    // Reader-thread state.
    std::optional<std::int64_t> loadedGeneration_;
    std::optional<core::RowDigestIndex> digests_;
    std::uint64_t digestsScannedTo_ = 0;  // audit seq the index has read up to
    core::Statement trailHead_, newDigestEvents_;
    bool failing_ = false;

    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    std::thread reader_;
};

}  // namespace sekimori::doors
