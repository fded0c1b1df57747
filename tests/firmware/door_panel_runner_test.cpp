#include "firmware/door_panel_runner.hpp"

#include <gtest/gtest.h>

#include "firmware/panel_journal.hpp"

#include "protocol/panel_link_auth.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace sekimori::firmware {
namespace {

// Records every HAL call; "seals" by tagging so the test can see what went where.
class RecordingHal final : public DoorPanelHal {
  public:
    std::string sealPin(std::string_view nonce, std::string_view digits) override {
        sealed.push_back(std::string(nonce) + ":" + std::string(digits));
        return std::string(80, 'A');  // canonical base64 of a 60-byte "box"
    }
    // A stand-in secure element: the "MAC" is a function of the input only a keyed party
    // would know to compute (here: its length and last byte), enough to tell inputs apart.
    std::string mac(std::string_view input) override {
        macInputs.emplace_back(input);
        std::string out = std::to_string(input.size()) + "-" + std::to_string(input.back() & 0xff);
        out.resize(64, '0');
        for (char& c : out) {
            c = (c >= '0' && c <= '9') ? c : 'a';
        }
        return out;
    }
    std::string sign(std::string_view input) override {
        signInputs.emplace_back(input);
        return std::string(128, '5');
    }
    std::string freshNonce() override { return std::string(32, '9'); }
    std::optional<int> matchFinger(std::string_view templateBox,
                                   std::string_view liveSample) override {
        matched.push_back(std::string(templateBox) + "|" + std::string(liveSample));
        if (liveSample == "second-finger") {  // matches only the template of 'C's
            return templateBox == std::string(80, 'C') ? 99 : 20;
        }
        return liveSample == "good" ? std::optional<int>(97) : std::nullopt;
    }
    void publishRequest(const protocol::PanelRequest& request) override {
        requests.push_back(protocol::encode(request));
    }
    void publishEvent(const protocol::PanelEvent& event) override {
        events.push_back(protocol::encode(event));
    }
    void publishAck(const protocol::PanelAck& ack) override {
        acks.push_back(protocol::encode(ack));
    }
    void driveLock(bool released, int ms) override { locks.emplace_back(released, ms); }
    void display(const Display& shown) override { screens.push_back(displayText(shown)); }

    std::vector<std::string> sealed, matched, requests, events, screens, macInputs, signInputs,
        acks;
    std::vector<std::pair<bool, int>> locks;
};

// What the genuine controller would send in answer to the runner's outstanding request.
std::string genuineReply(DoorPanelRunner& runner, RecordingHal& hal,
                         std::variant<protocol::Challenge, protocol::Decision> body,
                         std::string nonce = std::string(32, '3')) {
    protocol::PanelReply reply;
    reply.session = runner.state().session;
    reply.door = runner.config().door;
    reply.step = runner.state().outstandingStep;
    reply.body = std::move(body);
    reply.auth.epoch = runner.state().linkEpoch;
    reply.auth.counter = runner.state().outstandingCounter;
    reply.auth.nonce = std::move(nonce);
    const std::string bodyJson = protocol::encodeBody(reply);
    reply.auth.mac = hal.mac(protocol::replyMacInput("s1", "p1", reply, bodyJson));
    return protocol::encode(reply);
}

std::string genuineLink(RecordingHal& hal, const std::string& epoch) {
    protocol::PanelLink link{epoch, ""};
    link.mac = hal.mac(protocol::linkMacInput("s1", "p1", link, protocol::encodeBody(link)));
    return protocol::encode(link);
}

TEST(DoorPanelRunner, CarriesOutputsThroughTheHalAndNeverReturnsTheClearPin) {
    RecordingHal hal;
    // Built whole, not assigned field by field: GCC 12 at -O3 reports a false
    // -Wmaybe-uninitialized inside std::string assignment to a default-constructed config.
    const PanelConfig config{
        .site = "s1", .panel = "p1", .door = "d1", .sessionPrefix = "ab", .firstCounter = 7};
    DoorPanelRunner runner(config, hal);
    const std::string epoch(32, 'e');
    runner.linkReceived(genuineLink(hal, epoch), 0);
    ASSERT_EQ(runner.state().linkEpoch, epoch);

    runner.handle(CardRead{"04A1B2C3"}, 0);
    const std::string nonce(32, '3');
    runner.replyReceived(
        genuineReply(runner, hal, protocol::Challenge{protocol::Factor::pin, "", 9000}, nonce), 5);
    for (char digit : std::string("2468")) {
        runner.handle(KeypadDigit{digit}, 10);
    }
    const auto outputs = runner.handle(KeypadEnter{}, 20);
    // The PIN is sealed bound to the challenge it answers.
    ASSERT_EQ(hal.sealed, std::vector<std::string>{nonce + ":2468"});
    ASSERT_EQ(hal.requests.size(), 2u);
    const auto pin = protocol::parsePanelRequest(hal.requests[1]);
    ASSERT_TRUE(pin) << pin.error;
    EXPECT_EQ(std::get<protocol::PinEntered>(pin.value->step).pinBox, std::string(80, 'A'));
    EXPECT_EQ(pin.value->auth.counter, 8u);
    EXPECT_EQ(pin.value->auth.nonce, nonce);
    EXPECT_EQ(pin.value->auth.epoch, epoch);
    // The MAC covers exactly the payload before it.
    const auto body = protocol::bodyBeforeMac(hal.requests[1]);
    ASSERT_TRUE(body);
    EXPECT_EQ(pin.value->auth.mac,
              hal.mac(protocol::requestMacInput("s1", "p1", *pin.value, *body)));
    for (const auto& output : outputs) {
        EXPECT_FALSE(std::holds_alternative<SendPin>(output));
    }

    runner.replyReceived(
        genuineReply(runner, hal,
                     protocol::Challenge{protocol::Factor::finger, std::string(80, 'B'), 9000}),
        30);
    runner.fingerPlaced("good", 40);
    EXPECT_EQ(hal.matched, std::vector<std::string>{std::string(80, 'B') + "|good"});
    const auto finger = protocol::parsePanelRequest(hal.requests.back());
    ASSERT_TRUE(finger) << finger.error;
    EXPECT_EQ(std::get<protocol::FingerScored>(finger.value->step).score, 97);

    // A reply whose MAC does not verify (one hex digit changed) does nothing.
    std::string forged = genuineReply(runner, hal, protocol::Decision{true, "granted", 3000});
    forged[forged.size() - 3] = forged[forged.size() - 3] == '0' ? '1' : '0';
    const auto ignored = runner.replyReceived(forged, 45);
    ASSERT_EQ(ignored.size(), 1u);
    EXPECT_EQ(std::get<Ignored>(ignored[0]).why, "reply: bad MAC");
    EXPECT_TRUE(hal.locks.empty());

    runner.replyReceived(genuineReply(runner, hal, protocol::Decision{true, "granted", 3000}), 50);
    EXPECT_EQ(hal.locks, (std::vector<std::pair<bool, int>>{{true, 3000}}));
    EXPECT_EQ(runner.nextDeadline(), 3050);
    runner.handle(DoorPosition{true}, 60);
    ASSERT_EQ(hal.events.size(), 1u);
    const auto event = protocol::parsePanelEvent(hal.events[0]);
    ASSERT_TRUE(event) << event.error;
    EXPECT_EQ(event.value->session, "ab-1");
    EXPECT_EQ(event.value->counter, 10u);
    // The signature covers the report as sent, without its sig member.
    EXPECT_EQ(hal.signInputs.back(),
              protocol::reportSigningInput("s1", "p1", *protocol::reportBeforeSig(hal.events[0])));
    EXPECT_EQ(hal.screens.back(), "Access granted");
}

TEST(DoorPanelRunner, FingerWhenNotAskedDoesNotTouchTheMatcher) {
    RecordingHal hal;
    // Built whole, not assigned field by field: GCC 12 at -O3 reports a false
    // -Wmaybe-uninitialized inside std::string assignment to a default-constructed config.
    const PanelConfig config{.site = "s1", .panel = "p1", .door = "d1", .sessionPrefix = "ab"};
    DoorPanelRunner runner(config, hal);
    const auto outputs = runner.fingerPlaced("good", 0);
    EXPECT_TRUE(hal.matched.empty());
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<Ignored>(outputs[0]));
}

// Two fingers enrolled: the live finger is scored against both and the better score is sent.
TEST(DoorPanelRunner, TwoTemplatesAreScoredBestOf) {
    RecordingHal hal;
    const PanelConfig config{.site = "s1", .panel = "p1", .door = "d1", .sessionPrefix = "ab"};
    DoorPanelRunner runner(config, hal);
    runner.linkReceived(genuineLink(hal, std::string(32, 'e')), 0);
    runner.handle(CardRead{"04A1B2C3"}, 0);
    protocol::Challenge challenge{protocol::Factor::finger, std::string(80, 'B'), 9000};
    challenge.templateBox2 = std::string(80, 'C');
    runner.replyReceived(genuineReply(runner, hal, challenge), 5);
    runner.fingerPlaced("second-finger", 10);
    EXPECT_EQ(hal.matched, (std::vector<std::string>{std::string(80, 'B') + "|second-finger",
                                                     std::string(80, 'C') + "|second-finger"}));
    const auto finger = protocol::parsePanelRequest(hal.requests.back());
    ASSERT_TRUE(finger) << finger.error;
    EXPECT_EQ(std::get<protocol::FingerScored>(finger.value->step).score, 99);
}

// A keypad code opens its session: sealed under the request's own fresh nonce.
TEST(DoorPanelRunner, AKeypadCodeIsSealedToItsOwnRequest) {
    RecordingHal hal;
    const PanelConfig config{.site = "s1",
                             .panel = "p1",
                             .door = "d1",
                             .sessionPrefix = "ab",
                             .keypadOnly = true,
                             .firstCounter = 3};
    DoorPanelRunner runner(config, hal);
    runner.linkReceived(genuineLink(hal, std::string(32, 'e')), 0);
    for (char digit : std::string("4711")) {
        runner.handle(KeypadDigit{digit}, 10);
    }
    const auto outputs = runner.handle(KeypadEnter{}, 20);
    EXPECT_EQ(hal.sealed, std::vector<std::string>{std::string(32, '9') + ":4711"});
    ASSERT_EQ(hal.requests.size(), 1u);
    const auto code = protocol::parsePanelRequest(hal.requests[0]);
    ASSERT_TRUE(code) << code.error;
    EXPECT_EQ(std::get<protocol::KeypadCode>(code.value->step).codeBox, std::string(80, 'A'));
    EXPECT_EQ(code.value->auth.nonce, std::string(32, '9'));
    EXPECT_EQ(code.value->auth.counter, 3u);
    for (const auto& output : outputs) {
        EXPECT_FALSE(std::holds_alternative<SendPin>(output));
    }
    EXPECT_EQ(runner.state().outstandingStep, protocol::Factor::pin);
}

// A journal store in memory that remembers what was made durable, in order.
class KeptStore final : public JournalStore {
  public:
    Loaded load() override { return {snapshot, ""}; }
    StoreStatus append(const JournalEntry& entry) override {
        snapshot.pending.push_back(entry);
        return {};
    }
    StoreStatus acknowledge(std::uint64_t seq) override {
        while (!snapshot.pending.empty() && snapshot.pending.front().seq <= seq) {
            snapshot.pending.erase(snapshot.pending.begin());
        }
        snapshot.ackedThrough = seq;
        return {};
    }
    StoreStatus saveLost(std::uint64_t lost) override {
        snapshot.lost = lost;
        return {};
    }
    JournalSnapshot snapshot;
};

ControllerCommand eventAck(std::uint64_t seq, std::uint64_t counter) {
    protocol::PanelCommand command;
    command.id = "ack-" + std::to_string(counter);
    command.type = protocol::CommandType::eventAck;
    command.seq = seq;
    command.auth = {std::string(32, 'e'), counter, std::string(32, 'c'), ""};
    return ControllerCommand{std::move(command), true};
}

std::vector<std::uint64_t> publishedSeqs(const RecordingHal& hal) {
    std::vector<std::uint64_t> out;
    for (const auto& payload : hal.events) {
        const auto event = protocol::parsePanelEvent(payload);
        EXPECT_TRUE(event) << event.error;
        out.push_back(event ? event.value->seq : 0);
    }
    return out;
}

class JournaledRunner : public ::testing::Test {
  protected:
    RecordingHal hal;
    KeptStore store;
    PanelJournal journal{JournalConfig{.capacity = 10}, store};
    const PanelConfig config{.site = "s1", .panel = "p1", .door = "d1", .sessionPrefix = "ab"};
};

// Each event is given its seq before it is signed, kept, then published; the signature covers
// the seq, and what was published is byte for byte what the journal kept.
TEST_F(JournaledRunner, SeqBeforeSignatureKeptBeforePublished) {
    ASSERT_TRUE(journal.open());
    DoorPanelRunner runner(config, hal, journal);
    runner.handle(WallClock{1'800'000'000'000}, 0);
    runner.handle(DoorPosition{true}, 10);   // forced
    runner.handle(DoorPosition{false}, 20);  // closed
    ASSERT_EQ(store.snapshot.pending.size(), 2u);
    ASSERT_EQ(hal.events.size(), 2u);
    EXPECT_EQ(publishedSeqs(hal), (std::vector<std::uint64_t>{1, 2}));
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(hal.events[i], store.snapshot.pending[i].payload);
        EXPECT_EQ(hal.signInputs[i], protocol::reportSigningInput(
                                         "s1", "p1", *protocol::reportBeforeSig(hal.events[i])));
        EXPECT_NE(hal.signInputs[i].find("\"seq\":" + std::to_string(i + 1)), std::string::npos)
            << hal.signInputs[i];
    }
    const auto first = protocol::parsePanelEvent(hal.events[0]);
    ASSERT_TRUE(first) << first.error;
    EXPECT_EQ(first.value->occurredUs, (1'800'000'000'000 + 10) * 1000);
}

// Link down: events are kept, not sent. Link up: uploaded oldest first; without ack progress the
// window is sent again after 2 s, byte-identical; the cumulative event_ack drops them.
TEST_F(JournaledRunner, OfflineKeepsUploadsOnReconnectResendsAndDropsOnAck) {
    ASSERT_TRUE(journal.open());
    DoorPanelRunner runner(config, hal, journal);
    runner.linkReceived(genuineLink(hal, std::string(32, 'e')), 0);
    runner.linkStatus(false, 0);
    for (int i = 0; i < 3; ++i) {
        runner.handle(DoorPosition{true}, 100 + i * 10);
        runner.handle(DoorPosition{false}, 105 + i * 10);
    }
    EXPECT_TRUE(hal.events.empty());
    EXPECT_EQ(runner.journal().pending(), 6u);
    EXPECT_EQ(runner.nextDeadline(), std::nullopt);  // nothing in flight: no resend timer

    runner.linkStatus(true, 1000);
    EXPECT_EQ(publishedSeqs(hal), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(runner.nextDeadline(), 3000);
    const std::vector<std::string> firstSend = hal.events;
    runner.handle(eventAck(2, 1), 1500);
    EXPECT_EQ(runner.journal().pending(), 4u);
    EXPECT_EQ(runner.nextDeadline(), 3500);
    hal.events.clear();
    runner.handle(Tick{}, 3499);
    EXPECT_TRUE(hal.events.empty());
    runner.handle(Tick{}, 3500);
    ASSERT_EQ(publishedSeqs(hal), (std::vector<std::uint64_t>{3, 4, 5, 6}));
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(hal.events[i], firstSend[i + 2]);  // same seq, counter, signature, bytes
    }
    runner.handle(eventAck(6, 2), 3600);
    EXPECT_EQ(runner.journal().pending(), 0u);
    EXPECT_EQ(store.snapshot.ackedThrough, 6u);
    EXPECT_EQ(runner.nextDeadline(), std::nullopt);
    // A forged ack (MAC did not verify) drops nothing.
    runner.handle(DoorPosition{true}, 4000);
    auto forged = eventAck(7, 3);
    forged.authentic = false;
    runner.handle(forged, 4010);
    EXPECT_EQ(runner.journal().pending(), 1u);
}

// A new controller epoch (it restarted) uploads again from the oldest unacknowledged entry.
TEST_F(JournaledRunner, ANewEpochUploadsFromTheOldestUnacknowledged) {
    ASSERT_TRUE(journal.open());
    DoorPanelRunner runner(config, hal, journal);
    runner.linkReceived(genuineLink(hal, std::string(32, 'e')), 0);
    runner.handle(DoorPosition{true}, 10);
    runner.handle(DoorPosition{false}, 20);
    ASSERT_EQ(hal.events.size(), 2u);
    hal.events.clear();
    runner.linkReceived(genuineLink(hal, std::string(32, 'f')), 100);
    EXPECT_EQ(publishedSeqs(hal), (std::vector<std::uint64_t>{1, 2}));
}

// Full: the report is refused and counted, never overwriting; journal_near_full went out at
// 90 %, once; once an ack makes room one journal_overflow {lost} is kept and sent.
TEST_F(JournaledRunner, NearFullOnceFullCountsLostAndOverflowAfterAck) {
    ASSERT_TRUE(journal.open());
    DoorPanelRunner runner(config, hal, journal);
    runner.linkReceived(genuineLink(hal, std::string(32, 'e')), 0);
    runner.linkStatus(false, 0);
    for (int i = 0; i < 6; ++i) {
        runner.handle(DoorPosition{true}, 10 + i);
        runner.handle(DoorPosition{false}, 20 + i);
    }
    // 9 ordinary reports (the 9th reaches the 90 % mark), near_full in the reserved 10th slot:
    // 3 of the 12 reports lost.
    const auto& kept = store.snapshot.pending;
    ASSERT_EQ(kept.size(), 10u);
    const auto nearFull = protocol::parsePanelEvent(kept[9].payload);
    ASSERT_TRUE(nearFull) << nearFull.error;
    EXPECT_EQ(nearFull.value->kind, protocol::DoorEventKind::journalNearFull);
    EXPECT_EQ(nearFull.value->pending, 9u);
    EXPECT_EQ(nearFull.value->seq, 10u);
    EXPECT_EQ(runner.journal().lost(), 3u);
    EXPECT_EQ(store.snapshot.lost, 3u);
    EXPECT_TRUE(runner.state().journalFull);  // the machine applies the journal_full policy
    runner.linkStatus(true, 100);
    EXPECT_EQ(hal.events.size(), 10u);
    runner.handle(eventAck(5, 1), 200);
    ASSERT_EQ(store.snapshot.pending.size(), 6u);
    const auto overflow = protocol::parsePanelEvent(store.snapshot.pending.back().payload);
    ASSERT_TRUE(overflow) << overflow.error;
    EXPECT_EQ(overflow.value->kind, protocol::DoorEventKind::journalOverflow);
    EXPECT_EQ(overflow.value->lost, 3u);
    EXPECT_EQ(overflow.value->seq, 11u);
    EXPECT_EQ(runner.journal().lost(), 0u);
    EXPECT_FALSE(runner.state().journalFull);
    EXPECT_EQ(publishedSeqs(hal).back(), 11u);
    // Counters never repeat, the notices' included.
    std::vector<std::uint64_t> counters;
    for (const auto& entry : store.snapshot.pending) {
        counters.push_back(protocol::parsePanelEvent(entry.payload).value->counter);
    }
    EXPECT_TRUE(std::is_sorted(counters.begin(), counters.end()));
    EXPECT_EQ(std::adjacent_find(counters.begin(), counters.end()), counters.end());
}
}  // namespace
}  // namespace sekimori::firmware
