#include "firmware/circle_gate_runner.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "protocol/panel_link_auth.hpp"

namespace sekimori::firmware::gate {
namespace {

const std::string kEpoch = std::string(32, 'e');
const std::string kCard = "0123456789ABCDEF";
const std::string kTemplateBox = std::string(136, 'B') + "BBA=";

// 64 hex characters that depend on every byte of the input (not a MAC: a fake that a test can
// recompute and that a tampered payload does not match).
std::string fakeHex(std::string_view tag, std::string_view input, std::size_t chars) {
    std::string out;
    std::size_t h = std::hash<std::string_view>{}(input) ^ std::hash<std::string_view>{}(tag);
    static const char* digits = "0123456789abcdef";
    while (out.size() < chars) {
        h = h * 6364136223846793005ULL + 1442695040888963407ULL;
        out.push_back(digits[(h >> 60) & 0xf]);
    }
    return out;
}

class FakeHal : public CircleGateHal {
  public:
    std::string sealPin(std::string_view nonce, std::string_view digits) override {
        sealed.push_back(std::string(nonce).append(":").append(digits));
        return "c2VhbGVk";
    }
    std::string mac(std::string_view input) override { return fakeHex("mac", input, 64); }
    std::string sign(std::string_view input) override {
        signedReports.emplace_back(input);
        return fakeHex("sig", input, 128);
    }
    std::string freshNonce() override { return std::string(32, 'a'); }
    std::optional<int> matchFinger(std::string_view templateBox,
                                   std::string_view liveSample) override {
        matched.push_back(std::string(templateBox.substr(0, 4)).append("/").append(liveSample));
        return templateBox == kTemplateBox ? 40 : 85;
    }
    void publishRequest(const protocol::PanelRequest& request) override {
        requests.push_back(request);
    }
    void publishEvent(std::string_view payload) override { events.emplace_back(payload); }
    void publishAck(const protocol::PanelAck& ack) override { acks.push_back(ack); }
    void driveLeaf(Leaf leaf, bool released) override {
        leaves.push_back(std::string(toString(leaf)).append(released ? " release" : " lock"));
    }
    void display(const Display& display) override {
        screens.push_back(
            std::string(toString(display.reader)).append(" ").append(toString(display.screen)));
    }
    std::optional<std::string> offlinePinHash(std::string_view person,
                                              std::string_view digits) override {
        hashed.push_back(std::string(person));
        return fakeHex("pin", std::string(person).append(digits), 64);
    }
    void storeCache(std::string_view bytes) override { storedCache = std::string(bytes); }
    std::optional<std::string> loadCache() override { return bootCache; }

    std::vector<std::string> sealed;
    std::vector<std::string> signedReports;
    std::vector<std::string> matched;
    std::vector<protocol::PanelRequest> requests;
    std::vector<std::string> events;
    std::vector<protocol::PanelAck> acks;
    std::vector<std::string> leaves;
    std::vector<std::string> screens;
    std::vector<std::string> hashed;  // whose PIN the HAL hashed (the digits are not kept)
    std::string storedCache;
    std::optional<std::string> bootCache;
};

class MemoryStore : public JournalStore {
  public:
    Loaded load() override { return {}; }
    StoreStatus append(const JournalEntry& entry) override {
        if (failAppends) {
            return {false, "disk gone"};
        }
        kept.push_back(entry);
        return {};
    }
    StoreStatus acknowledge(std::uint64_t seq) override {
        ackedThrough = seq;
        return {};
    }
    StoreStatus saveLost(std::uint64_t count) override {
        lost = count;
        return {};
    }
    std::vector<JournalEntry> kept;
    std::uint64_t ackedThrough = 0;
    std::uint64_t lost = 0;
    bool failAppends = false;
};

GateConfig config() {
    GateConfig c;
    c.site = "s1";
    c.panel = "gate-1";
    c.gate = "server-gate";
    c.sessionPrefix = "g";
    return c;
}

struct Fixture {
    explicit Fixture(std::size_t capacity = 100) : journal(JournalConfig{capacity}, store) {
        EXPECT_TRUE(journal.open().ok);
    }
    // Linked, both leaves shut, the booth empty.
    void ready(std::int64_t now = 0) {
        runner.handle(LinkStatus{false}, now);
        runner.handle(LinkStatus{true}, now);
        protocol::PanelLink link{kEpoch, ""};
        link.mac =
            hal.mac(protocol::linkMacInput("s1", "gate-1", link, protocol::encodeBody(link)));
        runner.linkReceived(protocol::encode(link), now);
        runner.handle(LeafPosition{Leaf::outer, true}, now);
        runner.handle(LeafPosition{Leaf::inner, true}, now);
    }
    // The controller's reply to the request outstanding now, MAC'd as the controller would.
    std::string reply(std::variant<protocol::Challenge, protocol::Decision> body) {
        protocol::PanelReply r;
        r.session = runner.state().session;
        r.door = "server-gate";
        r.step = runner.state().outstandingStep;
        r.body = std::move(body);
        r.auth.epoch = kEpoch;
        r.auth.counter = runner.state().outstandingCounter;
        r.auth.nonce = std::string(32, 'c');
        r.auth.mac = hal.mac(protocol::replyMacInput("s1", "gate-1", r, protocol::encodeBody(r)));
        return protocol::encode(r);
    }
    std::string command(protocol::CommandType type, std::uint64_t counter, std::uint64_t seq = 0) {
        protocol::PanelCommand c;
        c.id = "cmd-" + std::to_string(counter);
        c.type = type;
        if (type == protocol::CommandType::gateRearm) {
            c.door = "server-gate";
        }
        c.seq = seq;
        c.auth.epoch = kEpoch;
        c.auth.counter = counter;
        c.auth.nonce = std::string(32, 'f');
        c.auth.mac = hal.mac(protocol::commandMacInput("s1", "gate-1", c, protocol::encodeBody(c)));
        return protocol::encode(c);
    }

    FakeHal hal;
    MemoryStore store;
    PanelJournal journal;
    CircleGateRunner runner{config(), hal, journal};
};

// Offline at the gate: the cache commands are applied and stored through the HAL, the PIN typed
// offline is hashed by the HAL (never sealed for a controller), and a restarted gate reads the
// cache back.
TEST(CircleGateRunner, OfflineTheCacheIsKeptAndThePinHashedByTheHal) {
    Fixture f;
    f.ready();
    const auto send = [&](protocol::PanelCommand c, std::uint64_t counter) {
        c.id = "cmd-" + std::to_string(counter);
        c.auth.epoch = kEpoch;
        c.auth.counter = counter;
        c.auth.nonce = std::string(32, 'f');
        c.auth.mac =
            f.hal.mac(protocol::commandMacInput("s1", "gate-1", c, protocol::encodeBody(c)));
        return f.runner.commandReceived(protocol::encode(c), 10);
    };
    protocol::PanelCommand put;
    put.type = protocol::CommandType::cachePut;
    put.version = 1;
    protocol::CacheEntry aiko;
    aiko.card = kCard;
    aiko.person = "aiko";
    for (int day = 0; day < 7; ++day) {
        aiko.entryWindows.push_back({day, 0, 1440});
    }
    aiko.pinHash = fakeHex("pin", "aiko47", 64);
    aiko.templateBox = kTemplateBox;
    aiko.weightG = 70000;
    put.entries = {aiko};
    send(put, 50);
    protocol::PanelCommand sync;
    sync.type = protocol::CommandType::cacheSync;
    sync.version = 1;
    sync.policy = protocol::OfflinePolicy{};
    sync.policy->door = "server-gate";
    sync.policy->entryFactors = {protocol::Factor::card, protocol::Factor::pin,
                                 protocol::Factor::finger};
    send(sync, 51);
    ASSERT_EQ(f.hal.acks.size(), 2u);
    EXPECT_EQ(f.hal.acks[1].result, protocol::AckResult::done);
    ASSERT_FALSE(f.hal.storedCache.empty());
    EXPECT_EQ(f.hal.storedCache, f.runner.state().cache.encode());

    f.runner.handle(WallClock{1'796'000'000'000}, 20);
    f.runner.handle(LinkStatus{false}, 30);
    f.runner.handle(CardRead{Reader::outer, kCard}, 100);
    f.runner.handle(KeypadDigit{Reader::outer, '4'}, 110);
    f.runner.handle(KeypadDigit{Reader::outer, '7'}, 120);
    const auto out = f.runner.handle(KeypadEnter{Reader::outer}, 130);
    EXPECT_EQ(f.hal.hashed, std::vector<std::string>{"aiko"});
    EXPECT_TRUE(f.hal.sealed.empty());  // nothing went to a controller
    for (const auto& o : out) {
        if (const auto* verify = std::get_if<VerifyOfflinePin>(&o)) {
            EXPECT_TRUE(verify->digits.empty());  // wiped once hashed
        }
    }
    EXPECT_EQ(f.hal.leaves, std::vector<std::string>{"outer release"});  // in to the finger

    Fixture rebooted;
    rebooted.hal.bootCache = f.hal.storedCache;
    CircleGateRunner again{config(), rebooted.hal, rebooted.journal};
    EXPECT_NE(again.state().cache.find(kCard), nullptr);
    EXPECT_EQ(again.state().cache.version(), 1u);
}

TEST(CircleGateRunner, CardRequestCarriesAFreshNonceAndItsMac) {
    Fixture f;
    f.ready();
    f.runner.handle(CardRead{Reader::outer, kCard}, 100);
    ASSERT_EQ(f.hal.requests.size(), 1u);
    const auto& request = f.hal.requests[0];
    EXPECT_EQ(request.door, "server-gate");
    EXPECT_EQ(request.auth.nonce, std::string(32, 'a'));
    EXPECT_EQ(request.auth.epoch, kEpoch);
    EXPECT_EQ(request.auth.mac, f.hal.mac(protocol::requestMacInput(
                                    "s1", "gate-1", request, protocol::encodeBody(request))));
    EXPECT_EQ(f.hal.screens.back(), "outer checking");
}

TEST(CircleGateRunner, AWholeCycleThroughTheHalWithEveryEventJournaledAndUploaded) {
    Fixture f;
    f.ready();
    f.runner.handle(WallClock{1'700'000'000'000}, 0);
    f.runner.handle(CardRead{Reader::outer, kCard}, 100);
    auto out =
        f.runner.replyReceived(f.reply(protocol::Challenge{protocol::Factor::finger, kTemplateBox,
                                                           30000, std::string(136, 'C') + "CCA="}),
                               200);
    EXPECT_EQ(f.hal.leaves, (std::vector<std::string>{"outer release"}));
    ASSERT_EQ(f.hal.events.size(), 1u);  // cycle_started, online: published at once
    auto started = protocol::parsePanelEvent(f.hal.events[0]);
    ASSERT_TRUE(started) << started.error << " " << f.hal.events[0];
    EXPECT_EQ(started.value->kind, protocol::DoorEventKind::cycleStarted);
    EXPECT_EQ(started.value->seq, 1u);
    EXPECT_EQ(started.value->occurredUs, (1'700'000'000'000 + 200) * 1000);
    EXPECT_EQ(started.value->sig.size(), 128u);
    ASSERT_EQ(f.store.kept.size(), 1u);
    EXPECT_EQ(f.store.kept[0].payload, f.hal.events[0]);  // a resend is byte-identical

    f.runner.handle(LeafPosition{Leaf::outer, false}, 600);
    f.runner.handle(BodyCrossed{Leaf::outer, true}, 1000);
    f.runner.handle(Presence{1}, 1100);
    f.runner.handle(Weight{71000}, 1200);
    f.runner.handle(Tick{}, 2500);
    f.runner.handle(LeafPosition{Leaf::outer, true}, 3000);
    f.runner.handle(Tick{}, 4000);
    EXPECT_EQ(f.hal.screens.back(), "booth place_finger");
    f.runner.fingerPlaced("live", 4500);
    // Both templates scored, the better one sent.
    EXPECT_EQ(f.hal.matched, (std::vector<std::string>{"BBBB/live", "CCCC/live"}));
    ASSERT_EQ(f.hal.requests.size(), 2u);
    EXPECT_EQ(std::get<protocol::FingerScored>(f.hal.requests[1].step).score, 85);
    EXPECT_EQ(f.hal.requests[1].auth.nonce, std::string(32, 'c'));  // the challenge's
    f.runner.replyReceived(f.reply(protocol::Decision{true, "granted", 5000, 70000}), 4600);
    f.runner.handle(LeafPosition{Leaf::inner, false}, 5000);
    f.runner.handle(BodyCrossed{Leaf::inner, false}, 5500);
    f.runner.handle(Presence{0}, 5600);
    f.runner.handle(Weight{0}, 5700);
    f.runner.handle(Tick{}, 7000);
    f.runner.handle(LeafPosition{Leaf::inner, true}, 7500);
    EXPECT_EQ(f.hal.leaves, (std::vector<std::string>{"outer release", "outer lock",
                                                      "inner release", "inner lock"}));
    // No ack came: the journal resent the window (byte for byte) every kResendAfterMs.
    for (const auto& payload : f.hal.events) {
        auto event = protocol::parsePanelEvent(payload);
        ASSERT_TRUE(event) << event.error;
        ASSERT_LE(event.value->seq, 2u);
        EXPECT_EQ(payload, f.store.kept[event.value->seq - 1].payload);
    }
    auto completed = protocol::parsePanelEvent(f.hal.events.back());
    ASSERT_TRUE(completed) << completed.error;
    EXPECT_EQ(completed.value->kind, protocol::DoorEventKind::cycleCompleted);
    EXPECT_EQ(completed.value->seq, 2u);
    EXPECT_EQ(completed.value->session, "g-1");
    // Waiting for the ack: the runner's deadline is the journal's resend.
    const auto next = f.runner.nextDeadline();
    ASSERT_TRUE(next.has_value());
    EXPECT_GT(*next, 7500);
    EXPECT_LE(*next, 7500 + kResendAfterMs);
}

TEST(CircleGateRunner, EventsWaitInTheJournalWhileOfflineAndGoOutOnReconnect) {
    Fixture f;
    f.ready();
    f.runner.handle(LinkStatus{false}, 10);
    f.runner.handle(FireInput{true}, 20);
    f.runner.handle(FireInput{false}, 30);
    f.runner.handle(RearmKey{}, 40);
    EXPECT_TRUE(f.hal.events.empty());
    EXPECT_EQ(f.journal.pending(), 3u);
    EXPECT_EQ(f.hal.leaves, (std::vector<std::string>{"outer release", "inner release",
                                                      "outer lock", "inner lock"}));
    f.runner.handle(LinkStatus{true}, 50);
    ASSERT_EQ(f.hal.events.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        auto event = protocol::parsePanelEvent(f.hal.events[i]);
        ASSERT_TRUE(event) << event.error;
        EXPECT_EQ(event.value->seq, i + 1);
    }
    // The controller stored the first two: event_ack {2}; nothing is answered, the journal drops
    // them.
    auto out = f.runner.commandReceived(f.command(protocol::CommandType::eventAck, 1, 2), 60);
    EXPECT_TRUE(f.hal.acks.empty());
    EXPECT_EQ(f.store.ackedThrough, 2u);
    EXPECT_EQ(f.journal.pending(), 1u);
}

TEST(CircleGateRunner, ThePinIsSealedAndNeverReturnedInClear) {
    Fixture f;
    f.ready();
    f.runner.handle(CardRead{Reader::outer, kCard}, 100);
    f.runner.replyReceived(f.reply(protocol::Challenge{protocol::Factor::pin, "", 10000}), 200);
    f.runner.handle(KeypadDigit{Reader::outer, '4'}, 300);
    f.runner.handle(KeypadDigit{Reader::outer, '2'}, 400);
    const auto out = f.runner.handle(KeypadEnter{Reader::outer}, 500);
    EXPECT_EQ(f.hal.sealed, (std::vector<std::string>{std::string(32, 'c') + ":42"}));
    for (const auto& o : out) {
        EXPECT_FALSE(std::holds_alternative<SendPin>(o));
    }
    ASSERT_EQ(f.hal.requests.size(), 2u);
    EXPECT_EQ(std::get<protocol::PinEntered>(f.hal.requests[1].step).pinBox, "c2VhbGVk");
}

TEST(CircleGateRunner, ARearmCommandIsAckedWithItsMac) {
    Fixture f;
    f.ready();
    f.runner.commandReceived(f.command(protocol::CommandType::gateRearm, 1), 10);
    ASSERT_EQ(f.hal.acks.size(), 1u);
    const auto& ack = f.hal.acks[0];
    EXPECT_EQ(ack.result, protocol::AckResult::done);
    EXPECT_EQ(ack.auth.mac,
              f.hal.mac(protocol::ackMacInput("s1", "gate-1", ack, protocol::encodeBody(ack))));
    ASSERT_EQ(f.hal.events.size(), 1u);
    EXPECT_NE(f.hal.events[0].find("gate_rearmed"), std::string::npos);
}

TEST(CircleGateRunner, TamperedAndMalformedPayloadsAreIgnored) {
    Fixture f;
    f.ready();
    f.runner.handle(CardRead{Reader::outer, kCard}, 100);
    auto genuine = f.reply(protocol::Decision{true, "granted", 5000, 70000});
    auto tampered = genuine;
    tampered[tampered.find("\"granted\"") + 1] = 'G';
    auto out = f.runner.replyReceived("{not json", 150);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<Ignored>(out[0]));
    out = f.runner.replyReceived(tampered, 160);
    EXPECT_TRUE(f.hal.leaves.empty());
    f.runner.replyReceived(genuine, 170);
    EXPECT_EQ(f.hal.leaves, (std::vector<std::string>{"outer release"}));
}

TEST(CircleGateRunner, AFullJournalLosesNoEventSilently) {
    Fixture f(3);  // two ordinary reports, one slot reserved for the near-full notice
    f.ready();
    f.runner.handle(LinkStatus{false}, 1);
    f.runner.handle(RearmKey{}, 10);
    f.runner.handle(RearmKey{}, 20);
    f.runner.handle(RearmKey{}, 30);  // no room: counted
    EXPECT_EQ(f.journal.lost(), 1u);
    f.runner.handle(LinkStatus{true}, 40);
    const auto pendingBefore = f.journal.lastSeq();
    f.runner.commandReceived(f.command(protocol::CommandType::eventAck, 1, pendingBefore), 50);
    // Room again: the overflow report is kept and sent.
    ASSERT_FALSE(f.hal.events.empty());
    EXPECT_NE(f.hal.events.back().find("journal_overflow"), std::string::npos)
        << f.hal.events.back();
}

}  // namespace
}  // namespace sekimori::firmware::gate
