#pragma once
// The load: access events as the doors domain records them (docs/events.md "Access": door,
// side, person, person_name, decision, reason, session, card; a detail on denials), a few hundred
// bytes each, handed to the recorder at a steady rate from the io thread, as a busy site's
// panels would. Each event is stamped (time_us) by the recorder when it takes it, just before
// its commit.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>

#include "core/event.hpp"
#include "core/event_recorder.hpp"

namespace sekimori::bench {

// The n-th event of the feed; the same n always gives the same event.
core::Event accessEventNumber(std::uint64_t n);

struct FeedOptions {
    double eventsPerSecond = 1000;
    std::chrono::milliseconds duration{60'000};
};

// Posts `rate * duration` events to `io`, where each goes to recorder.record(); paces itself
// on the calling thread (sleep_until the event's slot) and returns when the last is posted.
// Returns how many it posted.
std::uint64_t runFeed(boost::asio::io_context& io, core::EventRecorder& recorder,
                      const FeedOptions& options);

}  // namespace sekimori::bench
