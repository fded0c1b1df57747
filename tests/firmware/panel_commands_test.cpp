// The panel's side of controller commands, the local deny list and fault reports, as tables over
// the whole state machine (firmware/door_panel step), so the lock logic they share is covered.
#include "firmware/panel_commands.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "firmware/door_panel.hpp"

namespace sekimori::firmware {
namespace {

using protocol::CommandType;
const std::string kEpoch = std::string(32, 'e');
const std::string kNewEpoch = std::string(32, 'f');

PanelConfig config() {
    PanelConfig c;
    c.site = "s1";
    c.panel = "p1";
    c.door = "server-room";
    c.side = protocol::DoorSide::exit;
    c.sessionPrefix = "b00t";
    return c;
}

std::string describe(const Output& output) {
    if (const auto* send = std::get_if<SendRequest>(&output)) {
        return "request " + std::get<protocol::CardPresented>(send->request.step).cardUid;
    }
    if (const auto* event = std::get_if<SendEvent>(&output)) {
        std::string text = "event " + std::string(protocol::toString(event->event.kind));
        if (event->event.side) {
            text += " " + std::string(protocol::toString(*event->event.side));
        }
        return text;
    }
    if (const auto* lock = std::get_if<DriveLock>(&output)) {
        return lock->released ? "lock release " + std::to_string(lock->ms) : "lock relock";
    }
    if (const auto* display = std::get_if<Display>(&output)) {
        return "display " + std::string(toString(display->screen)) +
               (display->reason.empty() ? "" : " " + display->reason);
    }
    if (const auto* ack = std::get_if<SendAck>(&output)) {
        std::string text = "ack " + ack->ack.command + " " + std::string(toString(ack->ack.result));
        if (!ack->ack.reason.empty()) {
            text += " " + ack->ack.reason;
        }
        // The ack carries the panel's epoch and the command's nonce.
        EXPECT_EQ(ack->ack.auth.nonce, std::string(32, 'a'));
        return text;
    }
    if (const auto* ignored = std::get_if<Ignored>(&output)) {
        return "ignored " + ignored->why;
    }
    return "other";
}

ControllerCommand command(std::string id, CommandType type, std::uint64_t counter,
                          std::vector<std::string> cards = {}, int ms = 0,
                          std::string door = "server-room") {
    protocol::PanelCommand c;
    c.id = std::move(id);
    c.type = type;
    c.door = type == CommandType::revoke || type == CommandType::restore ? "" : std::move(door);
    c.ms = ms;
    c.cards = std::move(cards);
    c.auth.epoch = kEpoch;
    c.auth.counter = counter;
    c.auth.nonce = std::string(32, 'a');
    return ControllerCommand{std::move(c), true};
}

struct Row {
    std::int64_t atMs;
    Input input;
    std::vector<std::string> expected;
};

PanelState runTable(const std::vector<Row>& rows) {
    PanelState state;
    state.linkEpoch = kEpoch;
    const PanelConfig cfg = config();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto result = step(cfg, std::move(state), rows[i].input, rows[i].atMs);
        state = std::move(result.state);
        std::vector<std::string> got;
        for (const auto& output : result.outputs) {
            got.push_back(describe(output));
        }
        EXPECT_EQ(got, rows[i].expected) << "row " << i << " at " << rows[i].atMs << " ms";
    }
    return state;
}

TEST(PanelCommands, ARevokedCardIsRefusedAtTheReaderWithoutAskingUntilRestored) {
    const auto state = runTable({
        {0, CardRead{"0123456789ABCDEF"}, {"request 0123456789ABCDEF", "display checking"}},
        {10,
         command("r-1", CommandType::revoke, 1, {"0123456789ABCDEF", "W26-1-2"}),
         {"ack r-1 done"}},
        // The revocation also ends nothing by itself; the next read of the card is refused here.
        {20, CardRead{"0123456789ABCDEF"}, {"display denied revoked"}},
        {30, CardRead{"04A1B2C3"}, {"request 04A1B2C3", "display checking"}},
        {40, command("r-2", CommandType::restore, 2, {"0123456789ABCDEF"}), {"ack r-2 done"}},
        {50, CardRead{"0123456789ABCDEF"}, {"request 0123456789ABCDEF", "display checking"}},
    });
    EXPECT_TRUE(state.commands.denied.contains("W26-1-2"));
    EXPECT_FALSE(state.commands.denied.contains("0123456789ABCDEF"));
}

TEST(PanelCommands, ForgedStaleAndReplayedCommandsAreIgnored) {
    ControllerCommand forged = command("r-1", CommandType::revoke, 5, {"04A1B2C3"});
    forged.authentic = false;
    ControllerCommand stale = command("r-1", CommandType::revoke, 6, {"04A1B2C3"});
    stale.command.auth.epoch = kNewEpoch;
    const auto state = runTable({
        {0, forged, {"ignored command: bad MAC"}},
        {1, stale, {"ignored command: stale epoch"}},
        {2,
         command("u-1", CommandType::unlock, 7, {}, 3000),
         {"lock release 3000", "ack u-1 done"}},
        {3, command("u-1", CommandType::unlock, 7, {}, 3000), {"ignored command: replay"}},
        {4, command("u-0", CommandType::unlock, 6, {}, 3000), {"ignored command: replay"}},
        // A new epoch (the controller restarted): its counter starts again from 1.
        {5, LinkAnnounced{protocol::PanelLink{kNewEpoch, ""}, true}, {}},
        {6,
         [] {
             auto c = command("l-1", CommandType::lock, 1);
             c.command.auth.epoch = kNewEpoch;
             return c;
         }(),
         {"lock relock", "ack l-1 done"}},
    });
    EXPECT_FALSE(state.commands.denied.contains("04A1B2C3"));
    EXPECT_EQ(state.commands.lastCounter, 1u);
}

TEST(PanelCommands, HoldUnlockedSurvivesOpeningClosingAndGrantsUntilItEndsOrALock) {
    runTable({
        {0,
         command("h-1", CommandType::holdUnlocked, 1, {}, 60'000),
         {"lock release 60000", "ack h-1 done"}},
        {1000, DoorPosition{true}, {"event opened"}},   // not forced: the lock is released
        {2000, DoorPosition{false}, {"event closed"}},  // and closing keeps the hold
        {3000, DoorPosition{true}, {"event opened"}},
        {4000, DoorPosition{false}, {"event closed"}},
        // A request to exit inside the hold does not shorten it.
        {5000, ExitRequest{}, {"event exit_requested"}},
        {59'999, Tick{}, {}},
        {60'000, Tick{}, {"lock relock"}},
        {61'000, DoorPosition{true}, {"event forced"}},
        {62'000, DoorPosition{false}, {"event closed"}},
        {70'000,
         command("h-2", CommandType::holdUnlocked, 2, {}, 60'000),
         {"lock release 60000", "ack h-2 done"}},
        {71'000, command("l-1", CommandType::lock, 3), {"lock relock", "ack l-1 done"}},
        {72'000, DoorPosition{true}, {"event forced"}},
    });
}

TEST(PanelCommands, AManualUnlockReleasesUntilTheDoorCloses) {
    runTable({
        {0,
         command("u-1", CommandType::unlock, 1, {}, 5000),
         {"lock release 5000", "ack u-1 done"}},
        {1000, DoorPosition{true}, {"event opened"}},
        {2000, DoorPosition{false}, {"event closed", "lock relock"}},
        {3000,
         command("u-2", CommandType::unlock, 2, {}, 5000),
         {"lock release 5000", "ack u-2 done"}},
        {8000, Tick{}, {"lock relock"}},
    });
}

TEST(PanelCommands, ACommandForAnotherDoorIsRefusedAndChangesNothing) {
    const auto state = runTable({
        {0,
         command("u-1", CommandType::unlock, 1, {}, 5000, "lobby"),
         {"ack u-1 refused not this panel's door"}},
        {1,
         command("h-1", CommandType::holdUnlocked, 2, {}, 5000, "lobby"),
         {"ack h-1 refused not this panel's door"}},
    });
    EXPECT_FALSE(state.lockReleased);
    EXPECT_FALSE(state.commands.holding);
}

TEST(PanelCommands, LockAndReaderFaultsAreReportedOncePerChangeWithTheReadersSide) {
    runTable({
        {0, LockFeedback{true}, {"event lock_fault"}},
        {1, LockFeedback{true}, {"ignored lock: feedback unchanged"}},
        {2, LockFeedback{false}, {"event lock_fault_cleared"}},
        {3, ReaderHealth{false}, {"event reader_offline exit"}},
        {4, ReaderHealth{false}, {"ignored reader: health unchanged"}},
        {5, ReaderHealth{true}, {"event reader_online exit"}},
        {6, ReaderHealth{true}, {"ignored reader: health unchanged"}},
    });
}

TEST(PanelDenyList, KeepsTheNewestCardsUpToItsCapacity) {
    DenyList list;
    for (std::size_t i = 0; i < DenyList::kCapacity + 5; ++i) {
        list.add(std::string("C").append(std::to_string(i)));
    }
    EXPECT_EQ(list.size(), DenyList::kCapacity);
    EXPECT_FALSE(list.contains("C0"));
    EXPECT_FALSE(list.contains("C4"));
    EXPECT_TRUE(list.contains("C5"));
    EXPECT_TRUE(list.contains(std::string("C").append(std::to_string(DenyList::kCapacity + 4))));
    // A card restored makes room: one that comes and goes then evicts nobody.
    list.remove("C7");
    for (int round = 0; round < 100; ++round) {
        list.add("X");
        list.remove("X");
    }
    EXPECT_EQ(list.size(), DenyList::kCapacity - 1);
    EXPECT_TRUE(list.contains("C5"));
    EXPECT_FALSE(list.contains("C7"));
}

}  // namespace
}  // namespace sekimori::firmware
