#pragma once
// Every state change goes through here: stored (SQLite, synchronous=FULL), chained into the
// audit (hash of the previous event over the canonical encoding), then published on the bus
// as a RecordedEvent — in that order. Nothing is published that was not stored.
#include <functional>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

// A domain's change to its own tables together with the events that record it: one
// transaction (BEGIN IMMEDIATE on the writer thread), so both or neither are durable.
struct Change {
    std::vector<Event> events;
    // Optional. Runs inside the transaction on the writer's connection, before the events are
    // chained. An error rolls back this change alone: its events are not stored and onDone
    // hears the error. Must only write the domain's own tables. It returns further events,
    // chained right after `events`, for what only the transaction knows (the digest of the row
    // it wrote, an approval's effect); when a failed commit is retried it runs again and its
    // events are made anew.
    std::function<Result<std::vector<Event>>(Database&)> apply;
    // Optional. Posted to the io executor once the transaction is durable (committed under
    // synchronous=FULL), or with the error when it cannot be (apply failed, queue full, the
    // recorder stopped). A panel is told "granted" only from here.
    std::function<void(const Result<void>&)> onDone;
};

class EventRecorder {
  public:
    virtual ~EventRecorder() = default;
    // Non-blocking; safe from the io thread. The RecordedEvent reaches the bus after commit.
    virtual void record(Event event) = 0;
    // Non-blocking; safe from the io thread.
    virtual void commit(Change change) = 0;
};

}  // namespace sekimori::core
