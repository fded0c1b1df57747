#pragma once
// How the console keeps blocking work (SQLite, file reads, password hashing, stream bodies)
// off the io thread: the work runs on the console's pool and its result is posted back to the
// io thread, where all console state lives.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <utility>

#include "core/sqlite_db.hpp"

namespace sekimori::console {

// Runs work() on `pool`, then done(result) on `io`.
template <class Work, class Done>
void runOffIo(const boost::asio::any_io_executor& pool, const boost::asio::any_io_executor& io,
              Work work, Done done) {
    boost::asio::post(pool, [io, work = std::move(work), done = std::move(done)]() mutable {
        auto result = work();
        boost::asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
            done(std::move(result));
        });
    });
}

// The console's own connection to the site database. SQLite connections are not to be shared
// between threads at once, so every use goes through one strand of the pool.
class DbWorker {
  public:
    DbWorker(std::unique_ptr<core::Database> db, boost::asio::any_io_executor pool,
             boost::asio::any_io_executor io)
        : db_(std::move(db)), strand_(boost::asio::make_strand(pool)), io_(std::move(io)) {}

    // Runs work(db) on the strand, then done(result) on the io thread. The connection lives
    // as long as a job that uses it.
    template <class Work, class Done>
    void run(Work work, Done done) {
        runOffIo(
            strand_, io_, [db = db_, work = std::move(work)]() mutable { return work(*db); },
            std::move(done));
    }

  private:
    std::shared_ptr<core::Database> db_;
    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::any_io_executor io_;
};

}  // namespace sekimori::console
