#pragma once
// The presence push stream to the vault (docs/vault-api.md "Presence pushes"): every change the
// vault must act on — someone entered or left a handling area, was left alone in it, or was
// still inside when their window ended — as one message whose `id` is the seq of the event in
// the trail that records it, and whose `prev` is the id before it in the stream. Ids only grow,
// so the vault drops a duplicate by id and sees a gap by prev. Messages stay until the vault
// acknowledges them (at-least-once): resent in order after a reconnect, every resend interval,
// and rebuilt from the trail at start. Pure.
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"

namespace sekimori::vault {

struct PresencePush {
    std::uint64_t id = 0;    // the recorded event's seq
    std::uint64_t prev = 0;  // the previous push's id; 0 for the first
    std::string kind;  // entered, left, alone, alone_cleared, window_ended_inside, overstay_cleared
    std::string person;  // empty for alone_cleared
    std::string personName;
    std::string area;
    core::TimeUs timeUs = 0;
    std::string approvalId;  // window_ended_inside, overstay_cleared
};

// The push a recorded event makes, if it makes one: its type and payload, for the given areas.
std::optional<PresencePush> pushFor(std::uint64_t seq, std::string_view type,
                                    const nlohmann::json& payload, core::TimeUs timeUs,
                                    const std::set<std::string>& areas);
// The MQTT payload (times as RFC 3339 in the site's offset and as Unix µs).
std::string encodePush(const PresencePush& push, int utcOffsetMinutes);
nlohmann::json pushJson(const PresencePush& push, int utcOffsetMinutes);

class PresenceOutbox {
  public:
    explicit PresenceOutbox(std::size_t capacity = 100'000) : capacity_(capacity) {}
    // Appends in id order (an id not above the last is ignored: a replay); prev is filled in.
    // Returns the stored push, or null when ignored.
    const PresencePush* add(PresencePush push);
    // Drops every push with id <= upto; false when upto is above the newest id (a vault that
    // acknowledges what was never sent is refused).
    bool acked(std::uint64_t upto);
    // Resuming after a restart: the stream's last id and the acknowledged id as the trail holds.
    void resume(std::uint64_t lastId, std::uint64_t ackedUpto);

    const std::deque<PresencePush>& pending() const { return pending_; }
    std::uint64_t lastId() const { return lastId_; }
    std::uint64_t ackedUpto() const { return acked_; }
    std::uint64_t dropped() const { return dropped_; }  // over capacity, oldest first

  private:
    std::size_t capacity_;
    std::deque<PresencePush> pending_;
    std::uint64_t lastId_ = 0;
    std::uint64_t acked_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace sekimori::vault
