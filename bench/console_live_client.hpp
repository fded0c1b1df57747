#pragma once
// One /ws/events client of the live load bench: TLS + WebSocket (Beast) on its own thread and
// io_context, logged in with its own session. For every event it notes the seq and the latency
// from the event's time_us (stamped when it was handed to the recorder, just before its commit,
// so the figure is an upper bound of commit → client) to its arrival. On
// {"control":"resync","after_seq":N} it pages /api/events?after_seq=N on a second thread until
// next_after_seq is null, as a browser does, so that in the end it holds every seq. A "slow"
// client reads with a pause after each message and a small receive buffer, so that the
// console's queue for it overflows.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/console_live_https.hpp"
#include "core/result.hpp"

namespace sekimori::bench {

struct StreamClientOptions {
    std::string name;
    HttpsTarget target;  // port, origin and this client's session cookie
    // Latency is sampled for event types with this prefix (the feed's).
    std::string sampledPrefix = "access.";
    bool slow = false;
    std::chrono::microseconds slowPause{10'000};  // after each message while slow
    int receiveBufferBytes = 0;                   // SO_RCVBUF before connecting; 0: default
    // TCP_MAXSEG before connecting; 0: default. On loopback the server's send buffer is sized
    // from the segment size (64 KiB segments: megabytes, thousands of events); a small one keeps
    // the kernel from absorbing what the console's queue is meant to bound.
    int maxSegmentBytes = 0;
};

struct Arrival {
    std::uint64_t seq = 0;
    std::int64_t atUs = 0;  // wall clock
};

// What a client saw, copied out under its lock.
struct StreamClientReport {
    std::vector<std::int64_t> streamLatencyUs;   // events that came on the stream
    std::vector<Arrival> streamArrivals;         // the same events: when each arrived
    std::vector<std::int64_t> catchUpLatencyUs;  // events fetched after a resync
    std::uint64_t helloHeadSeq = 0;
    bool helloFirst = false;  // the first message was {"control":"hello"}
    std::uint64_t resyncs = 0;
    std::uint64_t catchUpPages = 0;
    std::uint64_t messages = 0;
    // Contract breaches on the stream: a seq not above the one before it, or an event after a
    // resync not above its after_seq.
    std::uint64_t orderViolations = 0;
    std::vector<std::string> errors;
    bool streamEnded = false;  // the server closed the stream (or it failed)
};

class StreamClient {
  public:
    explicit StreamClient(StreamClientOptions options);
    ~StreamClient();
    StreamClient(const StreamClient&) = delete;
    StreamClient& operator=(const StreamClient&) = delete;

    // Connects, upgrades and starts reading on the client's own thread; returns once the
    // upgrade is answered (or failed, or 30 s passed).
    core::Result<void> start();
    // The slow client reads at full speed from now on (the feed has stopped).
    void stopBeingSlow();
    // The seqs of `expected` this client does not hold (stream or catch-up).
    std::vector<std::uint64_t> missing(const std::vector<std::uint64_t>& expected) const;
    bool catchingUp() const;
    void close();
    StreamClientReport report() const;
    const std::string& name() const { return options_.name; }

  private:
    struct Session;
    void onMessage(const std::string& text);
    // Under mutex_: one event that came on the stream.
    void noteEvent(std::uint64_t seq, std::int64_t timeUs, std::string_view type,
                   std::int64_t arrivedUs);
    void markHeld(std::uint64_t seq);
    void catchUpLoop();
    void catchUp(std::uint64_t afterSeq);
    void fail(const std::string& what);

    StreamClientOptions options_;
    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    std::shared_ptr<Session> session_;
    std::thread thread_;

    mutable std::mutex mutex_;
    std::condition_variable catchUpWake_;
    std::deque<std::uint64_t> catchUpQueue_;
    bool catchUpBusy_ = false;
    bool closing_ = false;
    std::vector<bool> held_;  // indexed by seq
    std::uint64_t lastStreamSeq_ = 0;
    std::uint64_t resyncFloor_ = 0;  // events after a resync must be above it
    StreamClientReport report_;
    std::thread catchUpThread_;
};

}  // namespace sekimori::bench
