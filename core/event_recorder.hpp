#pragma once
// Every state change goes through here: stored (SQLite, synchronous=FULL), chained into the
// audit (hash of the previous event over the canonical encoding), then published on the bus
// as a RecordedEvent — in that order. Nothing is published that was not stored.
#include <functional>

#include "core/event.hpp"

namespace sekimori::core {

class EventRecorder {
  public:
    virtual ~EventRecorder() = default;
    // Non-blocking; safe from the io thread. The RecordedEvent reaches the bus after commit.
    virtual void record(Event event) = 0;
};

}  // namespace sekimori::core
