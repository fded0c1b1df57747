#include "bench/console_live_feed.hpp"

#include <array>
#include <boost/asio/post.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "doors/door_event_types.hpp"
#include "protocol/reason_codes.hpp"

namespace sekimori::bench {

namespace {

struct DoorRow {
    const char* id;
    const char* panel;
};
constexpr std::array kDoors{
    DoorRow{"main-entrance", "p-main"},   DoorRow{"server-room", "p-srv"},
    DoorRow{"handling-area", "p-ha"},     DoorRow{"loading-dock", "p-dock"},
    DoorRow{"staff-entrance", "p-staff"}, DoorRow{"gate-1", "p-gate1"},
};
constexpr std::array kSurnames{"Sato",     "Suzuki",   "Takahashi", "Tanaka",    "Ito",
                               "Watanabe", "Yamamoto", "Nakamura",  "Kobayashi", "Kato"};
constexpr std::array kGiven{"Aiko", "Haruto", "Yui", "Ren", "Mio", "Sota", "Hina", "Yuto"};

struct Denial {
    std::string_view reason;
    const char* detail;
};
const std::array kDenials{
    Denial{protocol::reason::noAccess, "no grant for the door's zone"},
    Denial{protocol::reason::outsideSchedule, "outside the person's schedule"},
    Denial{protocol::reason::wrongPin, "wrong PIN"},
    Denial{protocol::reason::unknownCard, "card not enrolled"},
};

std::string cardUid(std::uint64_t person) {
    char text[17];
    std::snprintf(text, sizeof text, "04%012llX",
                  static_cast<unsigned long long>(0x1A2B3C000000ULL + person * 7919));
    return text;
}

}  // namespace

core::Event accessEventNumber(std::uint64_t n) {
    // A cheap, stable mix of n: which door, which person, granted or why not.
    std::uint64_t h = n * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    const auto& door = kDoors[h % kDoors.size()];
    const std::uint64_t person = (h >> 8) % 400;
    const bool denied = (h >> 20) % 8 == 0;  // one in eight, as at a busy entrance
    const auto& denial = kDenials[(h >> 24) % kDenials.size()];
    const bool unknown = denied && denial.reason == protocol::reason::unknownCard;
    const std::string personId = unknown ? "" : "p-" + std::to_string(1000 + person);
    const std::string name = unknown ? ""
                                     : std::string(kSurnames[person % kSurnames.size()]) + " " +
                                           kGiven[(person / kSurnames.size()) % kGiven.size()];
    nlohmann::json payload = {
        {"door", door.id},
        {"side", (h >> 32) % 3 == 0 ? "exit" : "entry"},
        {"person", personId},
        {"person_name", name},
        {"decision", denied ? "denied" : "granted"},
        {"reason", denied ? std::string(denial.reason) : std::string(protocol::reason::granted)},
        {"session", std::string(door.panel) + "-" + std::to_string(n)},
        {"card", cardUid(unknown ? 900'000 + n % 97 : person)},
    };
    if (denied) {
        payload["detail"] = denial.detail;
    }
    core::Event e;
    e.type = std::string(denied ? doors::kAccessDenied.name : doors::kAccessGranted.name);
    e.source = std::string("door:") + door.id;
    e.subject = personId;
    e.payload = payload.dump();
    return e;  // timeUs 0: the recorder stamps it when it takes it
}

std::uint64_t runFeed(boost::asio::io_context& io, core::EventRecorder& recorder,
                      const FeedOptions& options) {
    const auto total = static_cast<std::uint64_t>(std::llround(
        options.eventsPerSecond * static_cast<double>(options.duration.count()) / 1000.0));
    const auto start = std::chrono::steady_clock::now();
    const std::chrono::duration<double> interval(1.0 / options.eventsPerSecond);
    for (std::uint64_t n = 0; n < total; ++n) {
        const auto slot =
            start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval * n);
        std::this_thread::sleep_until(slot);
        boost::asio::post(
            io, [&recorder, e = accessEventNumber(n)]() mutable { recorder.record(std::move(e)); });
    }
    return total;
}

}  // namespace sekimori::bench
