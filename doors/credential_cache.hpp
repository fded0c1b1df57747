#pragma once
// The credentials the doors service decides from, kept fresh off the io thread. A reader thread
// with its own SQLite connection builds each CredentialSnapshot (doors/credential_loader) and
// posts it to the io executor, where the service swaps it in; the io thread never touches
// SQLite. It learns of a change at once: inotify on the database's directory wakes it whenever
// the database or its -wal file is written (by this process or the CLI); without inotify it
// polls every pollInterval. A change is applied incrementally: the change journal
// (doors/credential_journal) names the rows that changed, only their owners are re-read and
// re-checked, into a copy-on-write copy of the previous snapshot (one change at two million
// people: a few milliseconds, bench/access_scale_bench.cpp). Audit commits alone build nothing.
// Every row that enters a snapshot is checked against the trail's newest row digest in the same
// read transaction; a row that does not match is left out (snapshot.refusedRows lists it): a
// person, card, PIN, template, keypad code, grant, level or membership changed behind the
// daemon's back lets nobody in. The reader reloads in full on the first load and whenever the
// journal cannot be trusted (the schema changed, a trigger is missing, a journal row is gone, or
// the credential tables moved without a journal entry). Every fullReloadInterval a verifier
// thread runs a full verified load on its own connection (a write with triggers disabled moves
// nothing the reader can see) and hands the rows it refused to the reader, which re-checks them
// incrementally, so changes keep arriving in milliseconds meanwhile. The same thread runs other
// read jobs of the service (the presence rebuild), in order.
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
#include <vector>

#include "core/result.hpp"
#include "core/row_digest_index.hpp"
#include "core/sqlite_db.hpp"
#include "doors/credential_loader.hpp"
#include "doors/credential_snapshot.hpp"

namespace sekimori::doors {

struct CredentialCacheOptions {
    bool watchFiles = true;                          // inotify; false: poll only
    std::chrono::milliseconds pollInterval{20};      // without inotify
    std::chrono::milliseconds safetyInterval{1000};  // with it: checks this often regardless
    // The full verified reload, whatever the journal says, on a thread and connection of its
    // own (0: none; the reader still reloads in full when the journal demands it).
    std::chrono::milliseconds fullReloadInterval{std::chrono::minutes(10)};
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
                    std::unique_ptr<CredentialLoader> loader, CredentialCacheOptions options);
    void watch(const std::string& databasePath);
    void run(std::weak_ptr<int> alive);
    void waitForWork(bool settling);
    void reloadIfChanged(const std::weak_ptr<int>& alive, const std::vector<RowRef>& suspects);
    void wake();
    // The verifier thread: every fullReloadInterval a full verified load on its own connection;
    // the rows it refuses go to the reader as suspects, re-checked there incrementally.
    void verify();

    boost::asio::any_io_executor io_;
    std::unique_ptr<core::Database> db_;
    std::unique_ptr<CredentialLoader> loader_;
    CredentialCacheOptions options_;
    SnapshotHandler onSnapshot_;

    int inotifyFd_ = -1;
    int wakeFd_ = -1;
    std::string watchedName_;
    std::string watchedWal_;

    std::mutex mutex_;
    std::deque<ReadJob> jobs_;
    std::vector<RowRef> suspects_;  // from the verifier
    std::uint64_t verifications_ = 0;
    std::condition_variable verifierWake_;
    bool stopping_ = false;

    // Reader-thread state.
    std::shared_ptr<const CredentialSnapshot> current_;
    bool failing_ = false;
    std::string lastWarning_;  // the reason of the last full reload warned about (once each)

    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    std::string databasePath_;
    std::thread reader_;
    std::thread verifier_;
};

}  // namespace sekimori::doors
