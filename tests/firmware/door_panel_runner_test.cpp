#include "firmware/door_panel_runner.hpp"

#include <gtest/gtest.h>

#include "protocol/panel_link_auth.hpp"

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

}  // namespace
}  // namespace sekimori::firmware
