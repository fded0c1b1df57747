#include "firmware/circle_gate.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sekimori::firmware::gate {
namespace {

using protocol::Challenge;
using protocol::Decision;
using protocol::Factor;
using protocol::PanelReply;

const std::string kTemplateBox = std::string(136, 'B') + "BBA=";
const std::string kEpoch = std::string(32, 'e');
const std::string kOldEpoch = std::string(32, 'd');
const std::string kCard = "0123456789ABCDEF";
// Marks a reply the genuine controller sends: the runner of a table fills in the current epoch
// and the outstanding request's counter and step, as the controller would.
const std::string kGenuine = "genuine";

GateConfig config() {
    GateConfig c;
    c.site = "s1";
    c.panel = "gate-1";
    c.gate = "server-gate";
    c.sessionPrefix = "g";
    c.replyTimeoutMs = 5000;
    c.leafMoveMs = 4000;
    c.enterMs = 10000;
    c.closeDelayMs = 1500;
    c.settleMs = 1000;
    c.cycleTimeoutMs = 60000;
    c.weightTolerancePct = 15;
    c.maxWeightG = 200000;
    c.objectThresholdG = 2000;
    c.outerFailSafe = true;
    c.innerFailSafe = false;
    return c;
}

// The gate at rest: linked, both leaves reported shut, the booth empty.
GateState ready() {
    GateState s;
    s.linkEpoch = kEpoch;
    s.outer.closed = true;
    s.inner.closed = true;
    return s;
}

std::string eventText(const protocol::PanelEvent& e) {
    std::string text = "event ";
    text.append(protocol::toString(e.kind));
    if (!e.session.empty()) {
        text.append(" ").append(e.session);
    }
    if (e.refusal) {
        text.append(" ").append(protocol::toString(*e.refusal));
    }
    if (!e.leaf.empty()) {
        text.append(" ").append(e.leaf);
    }
    if (e.presence) {
        text.append(" p=").append(std::to_string(*e.presence));
    }
    if (e.weightG) {
        text.append(" w=").append(std::to_string(*e.weightG));
    }
    if (!e.card.empty()) {  // an offline decision
        text.append(" ").append(e.card).append(" ").append(e.person.empty() ? "-" : e.person);
        text.append(" ").append(e.reason);
        if (e.degraded) {
            text.append(" degraded");
        }
    }
    return text;
}

// One line per output, so a table row states exactly what the gate does.
std::string describe(const Output& output) {
    if (const auto* send = std::get_if<SendRequest>(&output)) {
        const auto& r = send->request;
        std::string text = std::string("request ").append(r.session).append(" ");
        text.append(protocol::toString(r.side)).append(" ");
        if (const auto* card = std::get_if<protocol::CardPresented>(&r.step)) {
            return text.append("card ").append(card->cardUid);
        }
        if (const auto* finger = std::get_if<protocol::FingerScored>(&r.step)) {
            return text.append("finger ").append(std::to_string(finger->score));
        }
        return text.append("pin_box");
    }
    if (const auto* pin = std::get_if<SendPin>(&output)) {
        return std::string("pin ").append(pin->request.session).append(" ").append(pin->digits);
    }
    if (const auto* event = std::get_if<SendEvent>(&output)) {
        return eventText(event->event);
    }
    if (const auto* drive = std::get_if<DriveLeaf>(&output)) {
        return std::string("leaf ")
            .append(toString(drive->leaf))
            .append(drive->released ? " release" : " lock");
    }
    if (const auto* display = std::get_if<Display>(&output)) {
        std::string text = std::string("display ")
                               .append(toString(display->reader))
                               .append(" ")
                               .append(toString(display->screen));
        if (!display->reason.empty()) {
            text.append(" ").append(display->reason);
        }
        if (display->pinDigits > 0) {
            text.append(" ").append(std::to_string(display->pinDigits));
        }
        return text;
    }
    if (const auto* ack = std::get_if<SendAck>(&output)) {
        std::string text = std::string("ack ").append(ack->ack.command).append(" ");
        text.append(protocol::toString(ack->ack.result));
        return ack->ack.reason.empty() ? text : text.append(" ").append(ack->ack.reason);
    }
    if (const auto* journal = std::get_if<AckJournal>(&output)) {
        return std::string("journal ack ").append(std::to_string(journal->seq));
    }
    if (const auto* verify = std::get_if<VerifyOfflinePin>(&output)) {
        return std::string("verify_pin ").append(verify->person).append(" ").append(verify->digits);
    }
    if (std::holds_alternative<CacheChanged>(output)) {
        return "cache_changed";
    }
    return std::string("ignored ").append(std::get<Ignored>(output).why);
}

// --- inputs ------------------------------------------------------------------------------------
Input card(Reader reader = Reader::outer, std::string uid = kCard) {
    return CardRead{reader, std::move(uid)};
}
Input reply(std::string session, std::variant<Challenge, Decision> body,
            std::string door = "server-gate") {
    PanelReply r;
    r.session = std::move(session);
    r.door = std::move(door);
    r.body = std::move(body);
    r.auth.epoch = kGenuine;
    r.auth.nonce = std::string(32, 'c');
    return ControllerReply{std::move(r), true};
}
Input crafted(std::string session, std::variant<Challenge, Decision> body, bool authentic,
              std::string epoch, std::uint64_t counter, Factor step) {
    auto input = std::get<ControllerReply>(reply(std::move(session), std::move(body)));
    input.authentic = authentic;
    input.reply.auth.epoch = std::move(epoch);
    input.reply.auth.counter = counter;
    input.reply.step = step;
    return input;
}
Input fingerChallenge(std::string session = "g-1") {
    return reply(std::move(session), Challenge{Factor::finger, kTemplateBox, 30000});
}
Input pinChallenge(std::string session = "g-1") {
    return reply(std::move(session), Challenge{Factor::pin, "", 10000});
}
Input granted(std::string session = "g-1", int weightG = 70000) {
    return reply(std::move(session), Decision{true, "granted", 5000, weightG});
}
Input denied(std::string session, std::string code) {
    return reply(std::move(session), Decision{false, std::move(code), 0, 0});
}
Input position(Leaf leaf, bool closed) {
    return LeafPosition{leaf, closed};
}
Input crossed(Leaf leaf, bool inward) {
    return BodyCrossed{leaf, inward};
}
Input presence(int count) {
    return Presence{count};
}
Input weight(int grams) {
    return Weight{grams};
}
Input finger(int score) {
    return FingerPlaced{score};
}
Input command(protocol::CommandType type, std::uint64_t counter, std::string door = "server-gate") {
    protocol::PanelCommand c;
    c.id = std::string("c").append(std::to_string(counter));
    c.type = type;
    c.door = std::move(door);
    c.seq = 7;
    c.auth.epoch = kEpoch;
    c.auth.counter = counter;
    c.auth.nonce = std::string(32, 'f');
    return ControllerCommand{std::move(c), true};
}

// --- the interlock, checked over every step of every table ------------------------------------
// Follows what the gate drives and what the leaves report. A leaf is released only while the other
// is driven locked and reports closed, and never both outside a fire release or a power loss.
class Interlock {
  public:
    void input(const Input& in) {
        if (const auto* p = std::get_if<LeafPosition>(&in)) {
            closed_[index(p->leaf)] = p->closed;
        }
    }
    void start(const GateState& s) {
        released_[0] = s.outer.released;
        released_[1] = s.inner.released;
        closed_[0] = s.outer.closed;
        closed_[1] = s.inner.closed;
    }
    // Returns what is wrong, empty when the step kept the interlock.
    std::string step(const std::vector<Output>& outputs, const GateState& after) {
        const bool exempt = after.fireReleased || after.powerLost;
        for (const auto& output : outputs) {
            const auto* drive = std::get_if<DriveLeaf>(&output);
            if (drive == nullptr) {
                continue;
            }
            const int self = index(drive->leaf);
            const int other = 1 - self;
            if (drive->released && !exempt && (released_[other] || !closed_[other])) {
                return std::string("released the ")
                    .append(toString(drive->leaf))
                    .append(" leaf while the other was not shut");
            }
            released_[self] = drive->released;
        }
        if (exempt) {
            return {};
        }
        for (int i = 0; i < 2; ++i) {
            if (released_[i] && (released_[1 - i] || !closed_[1 - i])) {
                return "a leaf stays released while the other is not shut";
            }
        }
        return {};
    }

  private:
    static int index(Leaf leaf) { return leaf == Leaf::outer ? 0 : 1; }
    bool released_[2] = {false, false};
    bool closed_[2] = {false, false};
};

struct Row {
    std::int64_t atMs;
    Input input;
    std::vector<std::string> expect;
};

// Displays are checked in the tables that are about them; elsewhere they are left out so each
// row reads as the gate's decisions.
enum class Shown { all, noDisplay };

GateState runTable(const GateConfig& c, GateState s, const std::vector<Row>& rows,
                   Shown shown = Shown::noDisplay) {
    Interlock interlock;
    interlock.start(s);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        Input input = rows[i].input;
        if (auto* r = std::get_if<ControllerReply>(&input); r && r->reply.auth.epoch == kGenuine) {
            r->reply.auth.epoch = s.linkEpoch;
            r->reply.auth.counter = s.outstandingCounter;
            r->reply.step = s.outstandingStep;
        }
        interlock.input(input);
        auto result = step(c, std::move(s), input, rows[i].atMs);
        s = std::move(result.state);
        std::vector<std::string> got;
        for (const auto& output : result.outputs) {
            if (shown == Shown::noDisplay && std::holds_alternative<Display>(output)) {
                continue;
            }
            got.push_back(describe(output));
        }
        EXPECT_EQ(got, rows[i].expect) << "row " << i << " at " << rows[i].atMs;
        EXPECT_EQ(interlock.step(result.outputs, s), "") << "row " << i;
    }
    return s;
}

// A person walks into the booth by `leaf` at t and the leaf's curtain, the sensor and the plate
// say so.
std::vector<Row> walkIn(std::int64_t t, Leaf leaf, int grams) {
    return {{t, crossed(leaf, true), {}}, {t + 100, presence(1), {}}, {t + 200, weight(grams), {}}};
}

// --- cycles ------------------------------------------------------------------------------------
TEST(CircleGate, EntryWithTheFingerTakenInsideTheBooth) {
    std::vector<Row> rows = {
        {0, card(), {"request g-1 entry card " + kCard, "display outer checking"}},
        {100,
         fingerChallenge(),
         {"leaf outer release", "event cycle_started g-1 p=0 w=0", "display outer enter"}},
        {600, position(Leaf::outer, false), {}},
        {2000, crossed(Leaf::outer, true), {}},
        {2100, presence(1), {}},
        {2200, weight(72000), {}},
        {3500, Tick{}, {"leaf outer lock"}},  // closeDelayMs after the crossing
        {5000, position(Leaf::outer, true), {"display outer busy", "display booth checking"}},
        {6000, Tick{}, {"display booth place_finger"}},  // settled: one body
        {7000, finger(90), {"request g-1 entry finger 90", "display booth checking"}},
        {7100, granted("g-1", 70000), {"leaf inner release", "display booth proceed"}},
        {7600, position(Leaf::inner, false), {}},
        {9000, crossed(Leaf::inner, false), {}},
        {9100, presence(0), {}},
        {9200, weight(0), {}},
        {10500, Tick{}, {"leaf inner lock"}},
        {12000,
         position(Leaf::inner, true),
         {"event cycle_completed g-1 p=0 w=0", "display outer idle", "display booth idle"}},
        {13000, card(), {"request g-2 entry card " + kCard, "display outer checking"}},
    };
    const auto s = runTable(config(), ready(), rows, Shown::all);
    EXPECT_EQ(s.phase, Phase::awaitingReply);
}

TEST(CircleGate, CardPinAndFingerTheFactorsOutsideFirst) {
    std::vector<Row> rows = {
        {0, card(), {"request g-1 entry card " + kCard}},
        {100, pinChallenge(), {}},
        {200, KeypadDigit{Reader::inner, '1'}, {"ignored keypad: no PIN asked for"}},
        {300, KeypadDigit{Reader::outer, '1'}, {}},
        {400, KeypadDigit{Reader::outer, '2'}, {}},
        {500, KeypadEnter{Reader::outer}, {"pin g-1 12"}},
        {600, fingerChallenge(), {"leaf outer release", "event cycle_started g-1 p=0 w=0"}},
        {700, finger(80), {"ignored finger: no finger asked for"}},  // not before the booth
    };
    const auto s = runTable(config(), ready(), rows);
    EXPECT_EQ(s.phase, Phase::openingEntry);
}

// A door whose factors end before the finger: the grant opens the entry leaf, and the booth checks
// the weight against it before the far leaf.
TEST(CircleGate, CardOnlyGrantChecksTheBoothBeforeTheFarLeaf) {
    std::vector<Row> rows = {
        {0, card(), {"request g-1 entry card " + kCard}},
        {100, granted("g-1", 70000), {"leaf outer release", "event cycle_started g-1 p=0 w=0"}},
        {600, position(Leaf::outer, false), {}},
    };
    for (auto& r : walkIn(1000, Leaf::outer, 68000)) {
        rows.push_back(r);
    }
    rows.push_back({2500, Tick{}, {"leaf outer lock"}});
    rows.push_back({3000, position(Leaf::outer, true), {}});
    rows.push_back({4000, Tick{}, {"leaf inner release"}});
    rows.push_back({4500, position(Leaf::inner, false), {}});
    rows.push_back({5000, crossed(Leaf::inner, false), {}});
    rows.push_back({5100, presence(0), {}});
    rows.push_back({5200, weight(0), {}});
    rows.push_back({6500, Tick{}, {"leaf inner lock"}});
    rows.push_back({7000, position(Leaf::inner, true), {"event cycle_completed g-1 p=0 w=0"}});
    runTable(config(), ready(), rows);
}

// The exit cycle mirrors the entry: in by the inner leaf, out by the outer one.
TEST(CircleGate, ExitCycleMirrorsTheEntry) {
    std::vector<Row> rows = {
        {0, card(Reader::inner), {"request g-1 exit card " + kCard}},
        {100, fingerChallenge(), {"leaf inner release", "event cycle_started g-1 p=0 w=0"}},
        {600, position(Leaf::inner, false), {}},
        {1000, crossed(Leaf::outer, true), {"ignored crossing: the leaf is shut"}},
        {1100, crossed(Leaf::inner, true), {}},
        {1200, presence(1), {}},
        {1300, weight(81000), {}},
        {2600, Tick{}, {"leaf inner lock"}},
        {3000, position(Leaf::inner, true), {}},
        {4000, Tick{}, {}},
        {5000, finger(77), {"request g-1 exit finger 77"}},
        {5100, granted("g-1", 80000), {"leaf outer release"}},
        {5600, position(Leaf::outer, false), {}},
        {6000, crossed(Leaf::outer, false), {}},
        {6100, presence(0), {}},
        {6200, weight(0), {}},
        {7500, Tick{}, {"leaf outer lock"}},
        {8000, position(Leaf::outer, true), {"event cycle_completed g-1 p=0 w=0"}},
    };
    runTable(config(), ready(), rows);
}

TEST(CircleGate, FreeExitByTheButtonWhenConfigured) {
    auto c = config();
    EXPECT_EQ(describe(step(c, ready(), ExitRequest{}, 0).outputs.at(0)),
              "ignored exit: this gate has no free exit");
    c.freeExit = true;
    std::vector<Row> rows = {
        {0, ExitRequest{}, {"leaf inner release", "event cycle_started g-1 p=0 w=0"}},
        {500, position(Leaf::inner, false), {}},
    };
    for (auto& r : walkIn(1000, Leaf::inner, 90000)) {
        rows.push_back(r);
    }
    rows.push_back({2500, Tick{}, {"leaf inner lock"}});
    rows.push_back({3000, position(Leaf::inner, true), {}});
    rows.push_back({4000, Tick{}, {"leaf outer release"}});  // one body, under the maximum
    runTable(c, ready(), rows);
}

// --- what the gate refuses before a cycle --------------------------------------------------------
TEST(CircleGate, NoCycleStartsUnlessBothLeavesAreShutAndTheBoothIsEmpty) {
    const auto c = config();
    GateState unknown;  // nothing reported yet
    unknown.linkEpoch = kEpoch;
    runTable(c, unknown, {{0, card(), {"display outer busy", "ignored gate: a leaf is not shut"}}},
             Shown::all);
    auto occupied = ready();
    occupied.presence = 1;
    runTable(c, occupied,
             {{0, card(), {"display outer busy", "ignored gate: the booth is not empty"}}},
             Shown::all);
    runTable(c, ready(),
             {{0, card(Reader::booth), {"ignored card: the booth reader takes fingers"}},
              {10, card(), {"request g-1 entry card " + kCard}},
              {20, card(Reader::inner), {"ignored gate: a cycle is running"}},
              // The same reader again starts over, as at a door.
              {30, card(), {"request g-2 entry card " + kCard}}});
    // Somebody walked in while the reply was on its way: the leaf does not open.
    runTable(c, ready(),
             {{0, card(), {"request g-1 entry card " + kCard, "display outer checking"}},
              {50, presence(1), {}},
              {100, granted(), {"display outer busy"}}},
             Shown::all);
}

TEST(CircleGate, DeniedOutsideNoCycleAndNoRefusal) {
    auto s = ready();
    s.commands.denied.add(kCard);
    runTable(config(), s, {{0, card(), {"display outer denied revoked"}}}, Shown::all);
    runTable(config(), ready(),
             {{0, card(), {"request g-1 entry card " + kCard, "display outer checking"}},
              {100, denied("g-1", "no_access"), {"display outer denied no_access"}}},
             Shown::all);
    runTable(config(), ready(),
             {{0, card(), {"request g-1 entry card " + kCard}},
              {5000, Tick{}, {}}});  // controller_error, outside: nothing to undo
    GateState unlinked = ready();
    unlinked.linkEpoch.clear();
    runTable(config(), unlinked, {{0, card(), {"display outer denied controller_error"}}},
             Shown::all);
}

// --- refusals ----------------------------------------------------------------------------------
// Up to the person standing in the booth with the entry leaf open and `grams` on the plate.
std::vector<Row> intoBooth(int grams, bool decided = false) {
    std::vector<Row> rows = {
        {0, card(), {"request g-1 entry card " + kCard}},
        {100,
         decided ? granted("g-1", 70000) : fingerChallenge(),
         {"leaf outer release", "event cycle_started g-1 p=0 w=0"}},
        {600, position(Leaf::outer, false), {}},
    };
    for (auto& r : walkIn(1000, Leaf::outer, grams)) {
        rows.push_back(r);
    }
    return rows;
}
// ... and the entry leaf shut behind them (settling until 4000).
std::vector<Row> shutIn(int grams, bool decided = false) {
    auto rows = intoBooth(grams, decided);
    rows.push_back({2500, Tick{}, {"leaf outer lock"}});
    rows.push_back({3000, position(Leaf::outer, true), {}});
    return rows;
}
void append(std::vector<Row>& rows, std::vector<Row> more) {
    for (auto& r : more) {
        rows.push_back(std::move(r));
    }
}
// The return after a refusal with the entry leaf open: the booth empties, the leaf shuts, idle.
std::vector<Row> goBackOut(std::int64_t t) {
    return {{t, presence(0), {}},
            {t + 100, weight(0), {}},
            {t + 1500, Tick{}, {"leaf outer lock"}},
            {t + 2000, position(Leaf::outer, true), {}}};
}

TEST(CircleGate, TailgateSecondBodyThroughTheOpenEntryLeaf) {
    auto rows = intoBooth(70000);
    append(rows,
           {{1500, crossed(Leaf::outer, true), {"event cycle_refused g-1 tailgate p=1 w=70000"}},
            {1600, presence(2), {}},
            {3000, Tick{}, {}},  // the leaf stays open while anybody is inside
            {3100, presence(1), {}},
            {3200, crossed(Leaf::outer, false), {"ignored crossing: not part of the cycle"}}});
    append(rows, goBackOut(4000));
    const auto s = runTable(config(), ready(), rows);
    EXPECT_EQ(s.phase, Phase::idle);
    EXPECT_FALSE(s.inner.released);
}

TEST(CircleGate, TailgateWhileTheEntryLeafIsClosing) {
    auto rows = intoBooth(70000);
    append(rows, {{2500, Tick{}, {"leaf outer lock"}},
                  {2700,
                   crossed(Leaf::outer, true),
                   {"event cycle_refused g-1 tailgate p=1 w=70000", "leaf outer release"}}});
    append(rows, goBackOut(3000));
    runTable(config(), ready(), rows);
}

TEST(CircleGate, TwoBodiesCountedInTheShutBooth) {
    // One crossing counted, but the sensor sees two as the booth settles: refused at once.
    auto rows = shutIn(140000);
    append(rows, {{3500,
                   presence(2),
                   {"event cycle_refused g-1 two_bodies p=2 w=140000", "leaf outer release"}},
                  {4000, Tick{}, {}},
                  {4500, position(Leaf::outer, false), {}}});
    append(rows, goBackOut(5000));
    runTable(config(), ready(), rows);
    // Counted later, while the finger is asked for: refused at once.
    auto later = shutIn(70000);
    append(later, {{4000, Tick{}, {}},
                   {4500,
                    presence(2),
                    {"event cycle_refused g-1 two_bodies p=2 w=70000", "leaf outer release"}}});
    runTable(config(), ready(), later);
}

TEST(CircleGate, PiggybackAndUnderweightAgainstTheGrantedWeight) {
    // 70 kg granted +- 15 %: 59.5 .. 80.5 kg.
    auto heavy = shutIn(95000);
    append(heavy, {{4000, Tick{}, {}},
                   {5000, finger(90), {"request g-1 entry finger 90"}},
                   {5100,
                    granted("g-1", 70000),
                    {"event cycle_refused g-1 piggyback p=1 w=95000", "leaf outer release"}}});
    runTable(config(), ready(), heavy);
    auto light = shutIn(50000);
    append(light, {{4000, Tick{}, {}},
                   {5000, finger(90), {"request g-1 entry finger 90"}},
                   {5100,
                    granted("g-1", 70000),
                    {"event cycle_refused g-1 underweight p=1 w=50000", "leaf outer release"}}});
    runTable(config(), ready(), light);
    // The edges of the band pass.
    for (const int grams : {59500, 80500}) {
        auto edge = shutIn(grams);
        append(edge, {{4000, Tick{}, {}},
                      {5000, finger(90), {"request g-1 entry finger 90"}},
                      {5100, granted("g-1", 70000), {"leaf inner release"}}});
        runTable(config(), ready(), edge);
    }
    // No weight enrolled: only the gate's maximum applies, checked before the finger.
    auto none = shutIn(120000);
    append(none, {{4000, Tick{}, {}},
                  {5000, finger(90), {"request g-1 entry finger 90"}},
                  {5100, granted("g-1", 0), {"leaf inner release"}}});
    runTable(config(), ready(), none);
    auto overMax = shutIn(210000);
    append(
        overMax,
        {{4000, Tick{}, {"event cycle_refused g-1 piggyback p=1 w=210000", "leaf outer release"}}});
    runTable(config(), ready(), overMax);
    // Card only: the grant's weight is checked when the booth settles.
    auto decided = shutIn(95000, true);
    append(
        decided,
        {{4000, Tick{}, {"event cycle_refused g-1 piggyback p=1 w=95000", "leaf outer release"}}});
    runTable(config(), ready(), decided);
}

TEST(CircleGate, ReturnedTurnsBackNeverEntersOrPressesGoBack) {
    // Steps in and back out while the entry leaf is still open.
    auto back = intoBooth(70000);
    append(back,
           {{1500, crossed(Leaf::outer, false), {"event cycle_refused g-1 returned p=1 w=70000"}}});
    append(back, goBackOut(1600));
    auto s = runTable(config(), ready(), back);
    EXPECT_EQ(s.phase, Phase::idle);
    // Never steps in: after enterMs the cycle is undone.
    runTable(config(), ready(),
             {{0, card(), {"request g-1 entry card " + kCard}},
              {100, fingerChallenge(), {"leaf outer release", "event cycle_started g-1 p=0 w=0"}},
              {600, position(Leaf::outer, false), {}},
              {10600, Tick{}, {"event cycle_refused g-1 returned p=0 w=0"}},
              {12100, Tick{}, {"leaf outer lock"}},
              {12500, position(Leaf::outer, true), {}}});
    // The go-back button in the shut booth.
    auto button = shutIn(70000);
    append(button, {{4000, Tick{}, {}},
                    {4500,
                     ReturnButton{},
                     {"event cycle_refused g-1 returned p=1 w=70000", "leaf outer release"}},
                    {4600, ReturnButton{}, {"ignored return: no cycle to give up"}}});
    runTable(config(), ready(), button);
    // Both leaves shut and the sensor sees nobody: the person is not in the booth.
    auto empty = shutIn(70000);
    append(
        empty,
        {{3500, presence(0), {}},
         {4000, Tick{}, {"event cycle_refused g-1 returned p=0 w=70000", "leaf outer release"}}});
    runTable(config(), ready(), empty);
}

TEST(CircleGate, LingerPastTheCycleTimeOut) {
    auto rows = shutIn(70000);
    append(rows,
           {{4000, Tick{}, {}},
            {62999, Tick{}, {}},
            {63000, Tick{}, {"event cycle_refused g-1 linger p=1 w=70000", "leaf outer release"}}});
    auto s = runTable(config(), ready(), rows);
    EXPECT_EQ(s.phase, Phase::returnOpening);
    // Lingering with the far leaf open: it shuts first, then the entry leaf lets them out.
    auto far = shutIn(70000, true);
    append(far, {{4000, Tick{}, {"leaf inner release"}},
                 {4500, position(Leaf::inner, false), {}},
                 {63000, Tick{}, {"event cycle_refused g-1 linger p=1 w=70000", "leaf inner lock"}},
                 {63100, ReturnButton{}, {"ignored return: no cycle to give up"}},
                 {64000, position(Leaf::inner, true), {"leaf outer release"}},
                 {64500, position(Leaf::outer, false), {}}});
    append(far, goBackOut(65000));
    runTable(config(), ready(), far);
}

TEST(CircleGate, DoorStuckEntryLeafDoesNotClose) {
    auto rows = intoBooth(70000);
    append(rows,
           {{2500, Tick{}, {"leaf outer lock"}},
            {6500,
             Tick{},
             {"event gate_door_stuck outer p=1 w=70000",
              "event cycle_refused g-1 door_stuck outer p=1 w=70000", "leaf outer release"}}});
    append(rows, goBackOut(7000));
    auto s = runTable(config(), ready(), rows);
    EXPECT_EQ(s.phase, Phase::idle);
}

TEST(CircleGate, DoorStuckFarLeafDoesNotOpenAndTheEntryLeafDoesNotOpenForTheReturn) {
    auto rows = shutIn(70000, true);
    append(rows, {{4000, Tick{}, {"leaf inner release"}},
                  {8000,
                   Tick{},
                   {"event gate_door_stuck inner p=1 w=70000",
                    "event cycle_refused g-1 door_stuck inner p=1 w=70000", "leaf inner lock",
                    "leaf outer release"}},
                  // The entry leaf is stuck too: reported; the person waits, nothing else moves.
                  {12000, Tick{}, {"event gate_door_stuck outer p=1 w=70000"}},
                  {13000, Tick{}, {}},
                  {14000, position(Leaf::outer, false), {}}});
    append(rows, goBackOut(15000));
    runTable(config(), ready(), rows);
}

TEST(CircleGate, DoorStuckEntryLeafDoesNotOpenNobodyInside) {
    runTable(config(), ready(),
             {{0, card(), {"request g-1 entry card " + kCard}},
              {100, fingerChallenge(), {"leaf outer release", "event cycle_started g-1 p=0 w=0"}},
              {4100,
               Tick{},
               {"event gate_door_stuck outer p=0 w=0",
                "event cycle_refused g-1 door_stuck outer p=0 w=0", "leaf outer lock"}},
              {4200, card(), {"request g-2 entry card " + kCard}}});
}

TEST(CircleGate, DoorStuckFarLeafOpenAfterThePersonLeft) {
    auto rows = shutIn(70000, true);
    append(rows, {{4000, Tick{}, {"leaf inner release"}},
                  {4500, position(Leaf::inner, false), {}},
                  {5000, crossed(Leaf::inner, false), {}},
                  {5100, presence(0), {}},
                  {5200, weight(0), {}},
                  {6500, Tick{}, {"leaf inner lock"}},
                  {10500,
                   Tick{},
                   {"event gate_door_stuck inner p=0 w=0", "event cycle_completed g-1 p=0 w=0"}},
                  // No cycle while a leaf is not shut.
                  {11000, card(), {"ignored gate: a leaf is not shut"}},
                  {12000, position(Leaf::inner, true), {}},
                  {12100, card(), {"request g-2 entry card " + kCard}}});
    runTable(config(), ready(), rows);
}

TEST(CircleGate, ControllerLostWhileThePersonIsInTheBooth) {
    // No reply to the finger.
    auto silent = shutIn(70000);
    append(silent,
           {{4000, Tick{}, {}},
            {5000, finger(90), {"request g-1 entry finger 90"}},
            {9999, Tick{}, {}},
            {10000,
             Tick{},
             {"event cycle_refused g-1 controller_lost p=1 w=70000", "leaf outer release"}},
            // The decision arrives late: stale.
            {10100, granted("g-1"), {"ignored reply: does not answer the outstanding request"}}});
    runTable(config(), ready(), silent);
    // The link drops while the finger is asked for.
    auto dropped = shutIn(70000);
    append(dropped,
           {{4000, Tick{}, {}},
            {4500,
             LinkStatus{false},
             {"event cycle_refused g-1 controller_lost p=1 w=70000", "leaf outer release"}},
            {4600, LinkStatus{false}, {"ignored link: status unchanged"}}});
    runTable(config(), ready(), dropped);
    // The controller restarted (new epoch): it holds no session.
    auto restarted = shutIn(70000);
    append(restarted,
           {{4000, Tick{}, {}},
            {4500,
             LinkAnnounced{protocol::PanelLink{kOldEpoch, std::string(64, 'a')}, true},
             {"event cycle_refused g-1 controller_lost p=1 w=70000", "leaf outer release"}}});
    runTable(config(), ready(), restarted);
    // A granted card-only cycle needs no controller any more: it goes on.
    auto decided = shutIn(70000, true);
    append(decided, {{3500, LinkStatus{false}, {}}, {4000, Tick{}, {"leaf inner release"}}});
    runTable(config(), ready(), decided);
}

TEST(CircleGate, DeniedInsideTheBooth) {
    auto rows = shutIn(70000);
    append(rows, {{4000, Tick{}, {}},
                  {5000, finger(20), {"request g-1 entry finger 20"}},
                  {5100,
                   denied("g-1", "finger_mismatch"),
                   {"event cycle_refused g-1 denied p=1 w=70000", "display booth refused denied",
                    "display outer refused denied", "leaf outer release"}}});
    // The displays of the last row too.
    auto s = ready();
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
        s = runTable(config(), std::move(s), {rows[i]});
    }
    runTable(config(), std::move(s), {rows.back()}, Shown::all);
}

TEST(CircleGate, StaleRepliesAreIgnored) {
    auto rows = shutIn(70000);
    append(rows, {{4000, Tick{}, {}}, {5000, finger(90), {"request g-1 entry finger 90"}}});
    auto s = runTable(config(), ready(), rows);
    const auto counter = s.outstandingCounter;
    runTable(config(), s,
             {{5100,
               crafted("g-1", Decision{true, "granted", 5000, 70000}, false, kEpoch, counter,
                       Factor::finger),
               {"ignored reply: bad MAC"}},
              {5110,
               crafted("g-1", Decision{true, "granted", 5000, 70000}, true, kOldEpoch, counter,
                       Factor::finger),
               {"ignored reply: stale epoch"}},
              {5120,
               crafted("g-0", Decision{true, "granted", 5000, 70000}, true, kEpoch, counter,
                       Factor::finger),
               {"ignored reply: stale session"}},
              {5130,
               crafted("g-1", Decision{true, "granted", 5000, 70000}, true, kEpoch, counter - 1,
                       Factor::card),
               {"ignored reply: does not answer the outstanding request"}},
              {5140,
               reply("g-1", Decision{true, "granted", 5000, 70000}, "other-door"),
               {"ignored reply: for another door"}},
              {5150, granted("g-1"), {"leaf inner release"}}});
}

// --- fire, power, re-arm ------------------------------------------------------------------------
TEST(CircleGate, FireReleasesBothLeavesAndStaysReleasedUntilARearm) {
    auto rows = shutIn(70000);
    append(rows,
           {{4000, Tick{}, {}},
            {4500,
             FireInput{true},
             {"leaf outer release", "leaf inner release", "event gate_fire_released p=1 w=70000"}},
            {4600, card(), {"ignored gate: released for fire"}},
            {4700, RearmKey{}, {"ignored rearm: fire input still active"}},
            {4800,
             command(protocol::CommandType::gateRearm, 1),
             {"ack c1 refused fire input still active"}},
            {5000, position(Leaf::outer, false), {}},
            {5100, position(Leaf::inner, false), {}},
            {9000, Tick{}, {}},  // no time-out, no stuck leaf while released for fire
            {20000, FireInput{false}, {"event gate_fire_cleared p=1 w=70000"}},
            {20100, card(), {"ignored gate: released for fire"}},
            {30000,
             RearmKey{},
             {"leaf outer lock", "leaf inner lock", "event gate_rearmed p=1 w=70000"}},
            {30500, position(Leaf::outer, true), {}},
            {30600, position(Leaf::inner, true), {}},
            {30700, presence(0), {}},
            {30800, weight(0), {}},
            {30900, card(), {"request g-2 entry card " + kCard}}});
    runTable(config(), ready(), rows);
    // The guard's command re-arms as the key switch does.
    runTable(config(), ready(),
             {{0,
               FireInput{true},
               {"leaf outer release", "leaf inner release", "event gate_fire_released p=0 w=0"}},
              {100, FireInput{true}, {"ignored fire: unchanged"}},
              {1000, FireInput{false}, {"event gate_fire_cleared p=0 w=0"}},
              {2000,
               command(protocol::CommandType::gateRearm, 1, "other-gate"),
               {"ack c1 refused not this panel's door"}},
              {2100,
               command(protocol::CommandType::gateRearm, 2),
               {"leaf outer lock", "leaf inner lock", "event gate_rearmed p=0 w=0", "ack c2 done"}},
              {2200, command(protocol::CommandType::gateRearm, 2), {"ignored command: replay"}}});
}

TEST(CircleGate, RearmAfterARefusedCycleClearsItsAlarmAndMovesNothing) {
    runTable(config(), ready(), {{0, RearmKey{}, {"event gate_rearmed p=0 w=0"}}});
}

TEST(CircleGate, PowerLossFailSafeOuterFailSecureInner) {
    auto rows = intoBooth(70000);
    append(
        rows,
        {{1500,
          PowerInput{false},
          {"leaf outer release", "leaf inner lock", "event gate_power_lost p=1 w=70000"}},
         {1600, PowerInput{false}, {"ignored power: unchanged"}},
         {1700, card(), {"ignored gate: power lost"}},
         {9000, Tick{}, {}},
         {10000, PowerInput{true}, {"leaf outer lock", "event gate_power_restored p=1 w=70000"}}});
    const auto s = runTable(config(), ready(), rows);
    EXPECT_EQ(s.phase, Phase::idle);
}

TEST(CircleGate, PowerLossBothFailSecureAndBothFailSafe) {
    auto c = config();
    c.outerFailSafe = false;
    runTable(c, ready(),
             {{0,
               PowerInput{false},
               {"leaf outer lock", "leaf inner lock", "event gate_power_lost p=0 w=0"}},
              {1000, PowerInput{true}, {"event gate_power_restored p=0 w=0"}}});
    c.outerFailSafe = true;
    c.innerFailSafe = true;
    runTable(c, ready(),
             {{0,
               PowerInput{false},
               {"leaf outer release", "leaf inner release", "event gate_power_lost p=0 w=0"}},
              {1000,
               PowerInput{true},
               {"leaf outer lock", "leaf inner lock", "event gate_power_restored p=0 w=0"}}});
}

// --- the idle booth ------------------------------------------------------------------------------
TEST(CircleGate, ObjectLeftWeightWithNobodyInTheIdleBooth) {
    runTable(config(), ready(),
             {{0, weight(500), {}},  // under the threshold: plate noise
              {2000, Tick{}, {}},
              {3000, weight(6000), {}},
              {3999, Tick{}, {}},
              {4000, Tick{}, {"event gate_object_left p=0 w=6000"}},
              {5000, Tick{}, {}},
              {6000, card(), {"ignored gate: the booth is not empty"}},
              {7000, weight(0), {}},
              {7100, card(), {"request g-1 entry card " + kCard}}});
    // Left behind after a completed cycle.
    auto rows = shutIn(78000, true);
    append(rows, {{4000, Tick{}, {"leaf inner release"}},
                  {4500, position(Leaf::inner, false), {}},
                  {5000, crossed(Leaf::inner, false), {}},
                  {5100, presence(0), {}},
                  {5200, weight(8000), {}},
                  {6500, Tick{}, {"leaf inner lock"}},
                  {7000, position(Leaf::inner, true), {"event cycle_completed g-1 p=0 w=8000"}},
                  {8000, Tick{}, {"event gate_object_left p=0 w=8000"}}});
    runTable(config(), ready(), rows);
}

TEST(CircleGate, ForcedLeafRelocksTheOtherOne) {
    auto rows = shutIn(70000, true);
    append(rows, {{4000, Tick{}, {"leaf inner release"}},
                  {4200, position(Leaf::outer, false), {"event forced", "leaf inner lock"}}});
    runTable(config(), ready(), rows);
}

TEST(CircleGate, CommandsAtAGate) {
    runTable(config(), ready(),
             {{0,
               command(protocol::CommandType::unlock, 1),
               {"ack c1 refused circle gate: leaves open only in a cycle"}},
              {10, command(protocol::CommandType::lock, 2), {"ack c2 done"}},
              {20, command(protocol::CommandType::eventAck, 3), {"journal ack 7"}}});
}

TEST(CircleGate, NextDeadlineFollowsThePhase) {
    const auto c = config();
    auto s = ready();
    EXPECT_EQ(nextDeadline(c, s), std::nullopt);
    s = step(c, s, card(), 1000).state;
    EXPECT_EQ(nextDeadline(c, s), 6000);
    s.weightG = 0;
    auto idle = ready();
    idle = step(c, idle, weight(5000), 100).state;
    EXPECT_EQ(nextDeadline(c, idle), 1100);
}

// What the world most often does next: the person and the controller play the cycle (a leaf goes
// where it is driven, the person steps in and out, the controller answers what was asked).
template <typename Pick>
Input sensible(const GateConfig& c, const GateState& s, Pick& pick) {
    const Leaf entry = s.side == protocol::DoorSide::entry ? Leaf::outer : Leaf::inner;
    const Leaf far = entry == Leaf::outer ? Leaf::inner : Leaf::outer;
    for (const Leaf leaf : {Leaf::outer, Leaf::inner}) {
        const auto& l = leaf == Leaf::outer ? s.outer : s.inner;
        if (l.closed == l.released && pick(5) != 0) {
            return LeafPosition{leaf, !l.released};
        }
    }
    const bool inside = s.entriesCounted > 0 && !s.farCrossed;
    if (s.presence != (inside ? 1 : 0) && pick(2) == 0) {
        return Presence{inside ? 1 : 0};
    }
    if (s.weightG / 70000 != s.presence && pick(2) == 0) {
        return Weight{s.presence * 70000 + pick(3000)};
    }
    const auto answer = [&](std::variant<Challenge, Decision> body) {
        PanelReply reply;
        reply.session = s.session;
        reply.door = c.gate;
        reply.body = std::move(body);
        reply.auth.epoch = s.linkEpoch;
        reply.auth.counter = s.outstandingCounter;
        reply.step = s.outstandingStep;
        return Input{ControllerReply{std::move(reply), true}};
    };
    switch (s.phase) {
        case Phase::idle:
            return CardRead{pick(2) == 0 ? Reader::outer : Reader::inner, kCard};
        case Phase::awaitingReply:
            if (pick(4) == 0) {
                return answer(Challenge{Factor::pin, "", 10000});
            }
            if (pick(3) == 0) {
                return answer(Decision{true, "granted", 5000, 70000});
            }
            return answer(Challenge{Factor::finger, kTemplateBox, 30000});
        case Phase::awaitingPin:
            return pick(3) == 0 ? Input{KeypadEnter{Reader::outer}}
                                : Input{KeypadDigit{Reader::outer, '4'}};
        case Phase::awaitingEntry:
            return BodyCrossed{entry, pick(8) != 0};
        case Phase::awaitingFinger:
            return FingerPlaced{60 + pick(40)};
        case Phase::awaitingDecision:
            if (pick(5) == 0) {
                return answer(Decision{false, "finger_mismatch", 0, 0});
            }
            return answer(Decision{true, "granted", 5000, 70000});
        case Phase::awaitingExit:
            return BodyCrossed{far, false};
        case Phase::returnAwaitingLeave:
            return Presence{0};
        default:
            return Tick{};
    }
}

// --- the interlock over a random run -----------------------------------------------------------
// A world of random inputs (the leaves mostly follow their drive, sometimes stick or are forced;
// bodies, the plate, fire, power, the controller's genuine answers and stale ones at random),
// thousands of steps per seed: the interlock holds at every step.
TEST(CircleGate, InterlockHoldsOverARandomRun) {
    auto c = config();
    for (const unsigned seed : {1u, 2u, 3u, 42u, 1234u, 99991u}) {
        std::mt19937 rng(seed);
        const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        c.outerFailSafe = pick(2) == 0;
        c.innerFailSafe = pick(2) == 0;
        c.freeExit = pick(2) == 0;
        GateState s = ready();
        Interlock interlock;
        interlock.start(s);
        std::int64_t now = 0;
        int cyclesCompleted = 0;
        std::vector<int> phasesSeen(static_cast<int>(Phase::returnClosing) + 1, 0);
        for (int i = 0; i < 8000; ++i) {
            now += 1 + pick(1200);
            Input input = Tick{};
            const int r = pick(100);
            if (r < 55) {
                input = sensible(c, s, pick);
            } else if (r < 62) {
                // A leaf goes where it is driven (or, now and then, does not).
                const Leaf leaf = pick(2) == 0 ? Leaf::outer : Leaf::inner;
                const auto& l = leaf == Leaf::outer ? s.outer : s.inner;
                input = LeafPosition{leaf, pick(10) == 0 ? l.released : !l.released};
            } else if (r < 68) {
                input = BodyCrossed{pick(2) == 0 ? Leaf::outer : Leaf::inner, pick(3) != 0};
            } else if (r < 72) {
                // Mostly what a lone person walking the cycle makes the sensor say.
                const bool inside = s.entriesCounted > 0 && !s.farCrossed;
                input = Presence{pick(5) == 0 ? pick(4) : (inside ? 1 : 0)};
            } else if (r < 75) {
                input = Weight{pick(5) == 0 ? pick(4) * 40000 + pick(30000)
                                            : s.presence * 70000 + pick(3000)};
            } else if (r < 80) {
                input = CardRead{static_cast<Reader>(pick(3)), kCard};
            } else if (r < 88) {
                PanelReply reply;
                reply.session = pick(8) == 0 ? "g-0" : s.session;
                reply.door = c.gate;
                const int body = pick(4);
                if (body == 0) {
                    reply.body = Challenge{Factor::finger, kTemplateBox, 30000};
                } else if (body == 1) {
                    reply.body = Challenge{Factor::pin, "", 10000};
                } else {
                    reply.body = Decision{body == 2, body == 2 ? "granted" : "no_access", 5000,
                                          pick(2) * 70000};
                }
                reply.auth.epoch = pick(10) == 0 ? kOldEpoch : s.linkEpoch;
                reply.auth.counter = pick(6) == 0 ? s.outstandingCounter + 1 : s.outstandingCounter;
                reply.step = s.outstandingStep;
                input = ControllerReply{std::move(reply), pick(10) != 0};
            } else if (r < 91) {
                input = FingerPlaced{pick(101)};
            } else if (r < 93) {
                input = FireInput{pick(3) == 0};
            } else if (r < 94) {
                input = PowerInput{pick(4) != 0};
            } else if (r < 95) {
                input = RearmKey{};
            } else if (r < 96) {
                input = ReturnButton{};
            } else if (r < 98) {
                input = ExitRequest{};
            } else if (r < 99) {
                input = LinkStatus{pick(3) != 0};
            } else if (r < 99) {
                input = KeypadDigit{Reader::outer, static_cast<char>('0' + pick(10))};
            } else if (r < 100) {
                input = KeypadEnter{Reader::outer};
            }
            interlock.input(input);
            auto result = step(c, std::move(s), input, now);
            s = std::move(result.state);
            for (const auto& output : result.outputs) {
                if (const auto* e = std::get_if<SendEvent>(&output);
                    e && e->event.kind == protocol::DoorEventKind::cycleCompleted) {
                    ++cyclesCompleted;
                }
            }
            phasesSeen[static_cast<int>(s.phase)] += 1;
            const auto broken = interlock.step(result.outputs, s);
            std::string said;
            for (const auto& o : result.outputs) {
                said.append(describe(o)).append("; ");
            }
            ASSERT_EQ(broken, "") << "seed " << seed << " step " << i << " at " << now << " input "
                                  << input.index() << " phase " << toString(s.phase) << " outputs "
                                  << said;
            // Time-outs are honoured: nothing pending lies in the past after a step.
            if (auto next = nextDeadline(c, s)) {
                ASSERT_GT(*next, now)
                    << "seed " << seed << " step " << i << " phase " << toString(s.phase)
                    << " input " << input.index() << " phase deadline " << s.phaseDeadlineMs
                    << " cycle " << s.cycleDeadlineMs << " object " << s.objectSinceMs;
            }
        }
        // The run went deep enough to mean something.
        EXPECT_GT(phasesSeen[static_cast<int>(Phase::awaitingExit)] +
                      phasesSeen[static_cast<int>(Phase::closingFar)],
                  0)
            << "seed " << seed;
        EXPECT_GT(phasesSeen[static_cast<int>(Phase::returnAwaitingLeave)], 0) << "seed " << seed;
        EXPECT_GT(cyclesCompleted, 0) << "seed " << seed;
    }
}

// --- offline (docs/circle-gates.md, "Offline") ---------------------------------------------------

// Monday 2026-11-30 09:00 at the site (UTC+9).
constexpr std::int64_t kMonday0900Jst = 1'795'996'800'000;
const std::string kPinHash = std::string(64, 'a');
const std::string kCachedCard = "04A1B2C3";

GateConfig offlineConfig() {
    auto c = config();
    c.utcOffsetMinutes = 540;
    return c;
}
protocol::PanelCommand cacheCommand(protocol::CommandType type, std::uint64_t version) {
    protocol::PanelCommand c;
    c.type = type;
    c.version = version;
    return c;
}
protocol::CacheEntry cachedAiko() {
    protocol::CacheEntry e;
    e.card = kCachedCard;
    e.person = "aiko";
    for (int day = 0; day < 5; ++day) {
        e.entryWindows.push_back({day, 8 * 60, 18 * 60});
    }
    e.pinHash = kPinHash;
    e.templateBox = kTemplateBox;
    e.weightG = 70000;
    return e;
}
// Linked, the wall clock set at 0, Aiko cached (70 kg) and synced fresh at 0 for card, PIN and
// finger on entry.
GateState offlineReady() {
    GateState s = ready();
    s = step(offlineConfig(), std::move(s), WallClock{kMonday0900Jst}, 0).state;
    auto put = cacheCommand(protocol::CommandType::cachePut, 1);
    put.entries = {cachedAiko()};
    s.cache.apply(put, 0);
    auto sync = cacheCommand(protocol::CommandType::cacheSync, 1);
    protocol::OfflinePolicy policy;
    policy.door = "server-gate";
    policy.entryFactors = {Factor::card, Factor::pin, Factor::finger};
    policy.unlockMs = 4000;
    policy.stalenessMs = 600'000;
    sync.policy = policy;
    s.cache.apply(sync, 0);
    return s;
}
// Aiko at the outer reader with the link down, her PIN accepted by the cache at 300.
std::vector<Row> offlineAtTheReader(std::int64_t t) {
    return {{t, LinkStatus{false}, {}},
            {t + 100, card(Reader::outer, kCachedCard), {}},
            {t + 200, KeypadDigit{Reader::outer, '4'}, {}},
            {t + 250, KeypadEnter{Reader::outer}, {"verify_pin aiko 4"}},
            {t + 300,
             OfflinePinResult{kPinHash},
             {"leaf outer release", "event cycle_started g-1 p=0 w=0"}}};
}
// ... then in the booth with `grams` on the plate, the entry leaf shut (settling until 4300).
std::vector<Row> offlineShutIn(int grams) {
    auto rows = offlineAtTheReader(0);
    rows.push_back({600, position(Leaf::outer, false), {}});
    append(rows, walkIn(1000, Leaf::outer, grams));
    rows.push_back({2500, Tick{}, {"leaf outer lock"}});
    rows.push_back({3300, position(Leaf::outer, true), {}});
    return rows;
}

TEST(CircleGateOffline, TheCacheDecidesPinOutsideFingerInsideWeightAgainstTheEnrolled) {
    auto rows = offlineShutIn(72000);
    append(rows, {{4300, Tick{}, {}},  // settled: one body; the finger is asked for
                  {5000,
                   finger(90),
                   {"event offline_granted g-1 04A1B2C3 aiko granted", "leaf inner release"}},
                  {5500, position(Leaf::inner, false), {}},
                  {6000, crossed(Leaf::inner, false), {}},
                  {6100, presence(0), {}},
                  {6200, weight(0), {}},
                  {7500, Tick{}, {"leaf inner lock"}},
                  {8000, position(Leaf::inner, true), {"event cycle_completed g-1 p=0 w=0"}}});
    const auto s = runTable(offlineConfig(), offlineReady(), rows);
    EXPECT_EQ(s.phase, Phase::idle);
    EXPECT_FALSE(s.offline);
}

TEST(CircleGateOffline, AnOfflineGrantStillChecksThePlate) {
    auto rows = offlineShutIn(95000);  // 70 kg enrolled, 15 %: someone rides along
    append(rows, {{4300, Tick{}, {}},
                  {5000,
                   finger(90),
                   {"event offline_granted g-1 04A1B2C3 aiko granted",
                    "event cycle_refused g-1 piggyback p=1 w=95000", "leaf outer release"}}});
    const auto s = runTable(offlineConfig(), offlineReady(), rows);
    EXPECT_FALSE(s.inner.released);
}

TEST(CircleGateOffline, RefusedByTheCacheOutsideOrInside) {
    // A wrong finger in the booth: refused, back out by the entry leaf.
    auto wrongFinger = offlineShutIn(70000);
    append(wrongFinger, {{4300, Tick{}, {}},
                         {5000,
                          finger(20),
                          {"event offline_denied g-1 04A1B2C3 aiko finger_mismatch",
                           "event cycle_refused g-1 denied p=1 w=70000", "leaf outer release"}}});
    runTable(offlineConfig(), offlineReady(), wrongFinger);
    // A wrong PIN outside: denied at the reader, no leaf moves.
    runTable(offlineConfig(), offlineReady(),
             {{0, LinkStatus{false}, {}},
              {100, card(Reader::outer, kCachedCard), {}},
              {200, KeypadDigit{Reader::outer, '9'}, {}},
              {250, KeypadEnter{Reader::outer}, {"verify_pin aiko 9"}},
              {300,
               OfflinePinResult{std::string(64, 'b')},
               {"event offline_denied g-1 04A1B2C3 aiko wrong_pin"}},
              {400, OfflinePinResult{kPinHash}, {"ignored offline pin: no PIN being checked"}}});
    // A card the controller revoked: refused by the deny list; an unknown card by the cache.
    auto revoked = offlineReady();
    revoked.commands.denied.add(kCachedCard);
    runTable(offlineConfig(), revoked,
             {{0, LinkStatus{false}, {}},
              {100,
               card(Reader::outer, kCachedCard),
               {"event offline_denied g-1 04A1B2C3 aiko revoked"}},
              {200,
               card(Reader::outer, "04C0FFEE"),
               {"event offline_denied g-2 04C0FFEE - unknown_card"}}});
    // No PIN in time.
    runTable(offlineConfig(), offlineReady(),
             {{0, LinkStatus{false}, {}},
              {100, card(Reader::outer, kCachedCard), {}},
              {20'100, Tick{}, {"event offline_denied g-1 04A1B2C3 aiko timeout"}}});
}

TEST(CircleGateOffline, PastTheStalenessBoundTheDegradedModeApplies) {
    runTable(offlineConfig(), offlineReady(),
             {{0, LinkStatus{false}, {}},
              {600'001,
               card(Reader::outer, kCachedCard),
               {"event offline_denied g-1 04A1B2C3 aiko offline_degraded degraded"}}});
}

// Without a synced policy or a wall clock the gate cannot decide alone: as before, the person
// outside is denied controller_error and the one in the booth goes back (controller_lost).
TEST(CircleGateOffline, NoCacheNoOfflineDecision) {
    auto noClock = offlineReady();
    noClock.wallClockKnown = false;
    runTable(offlineConfig(), noClock,
             {{0, LinkStatus{false}, {}},
              {100, card(Reader::outer, kCachedCard), {"display outer denied controller_error"}}},
             Shown::all);
    auto inBooth = shutIn(70000);
    append(inBooth,
           {{4000, Tick{}, {}},
            {4500,
             LinkStatus{false},
             {"event cycle_refused g-1 controller_lost p=1 w=70000", "leaf outer release"}}});
    auto noPolicy = ready();
    noPolicy = step(offlineConfig(), std::move(noPolicy), WallClock{kMonday0900Jst}, 0).state;
    runTable(offlineConfig(), std::move(noPolicy), inBooth);
}

TEST(CircleGateOffline, ControllerLostInTheBoothTheCacheTakesTheFinger) {
    // Card and PIN accepted online, the finger asked for; the finger's request gets no answer:
    // the cache checks the card again and the finger decides (the PIN the controller accepted
    // stands).
    const auto online = [](int grams) {
        std::vector<Row> rows = {
            {0, card(Reader::outer, kCachedCard), {"request g-1 entry card " + kCachedCard}},
            {100, pinChallenge(), {}},
            {200, KeypadDigit{Reader::outer, '4'}, {}},
            {300, KeypadEnter{Reader::outer}, {"pin g-1 4"}},
            {400, fingerChallenge(), {"leaf outer release", "event cycle_started g-1 p=0 w=0"}},
            {600, position(Leaf::outer, false), {}},
        };
        append(rows, walkIn(1000, Leaf::outer, grams));
        rows.push_back({2500, Tick{}, {"leaf outer lock"}});
        rows.push_back({3000, position(Leaf::outer, true), {}});
        rows.push_back({4000, Tick{}, {}});
        return rows;
    };
    auto silent = online(70000);
    append(silent,
           {{5000, finger(90), {"request g-1 entry finger 90"}},
            {10'000,
             Tick{},
             {"event offline_granted g-1 04A1B2C3 aiko granted", "leaf inner release"}},
            // The decision arrives late: it answers nothing now, but the controller is
            // there again (online from the next card).
            {10'100, granted("g-1"), {"ignored reply: does not answer the outstanding request"}}});
    const auto s = runTable(offlineConfig(), offlineReady(), silent);
    EXPECT_FALSE(s.controllerSilent);
    // The link drops while the finger is asked for: the finger is taken from the cache.
    auto dropped = online(70000);
    append(dropped, {{4500, LinkStatus{false}, {}},
                     {5000,
                      finger(90),
                      {"event offline_granted g-1 04A1B2C3 aiko granted", "leaf inner release"}}});
    runTable(offlineConfig(), offlineReady(), dropped);
    // The card was revoked after it was read online: the cache's deny list refuses it, the
    // person goes back.
    auto inside = runTable(offlineConfig(), offlineReady(), online(70000));
    inside.commands.denied.add(kCachedCard);
    runTable(offlineConfig(), std::move(inside),
             {{4500,
               LinkStatus{false},
               {"event offline_denied g-1 04A1B2C3 aiko revoked",
                "event cycle_refused g-1 denied p=1 w=70000", "leaf outer release"}}});
}

TEST(CircleGateOffline, CacheCommandsAreAppliedAndAcknowledged) {
    auto put = cacheCommand(protocol::CommandType::cachePut, 1);
    put.entries = {cachedAiko()};
    auto gap = cacheCommand(protocol::CommandType::cachePut, 3);
    gap.entries = {cachedAiko()};
    auto sync = cacheCommand(protocol::CommandType::cacheSync, 1);
    sync.policy = protocol::OfflinePolicy{};
    sync.policy->door = "server-gate";
    sync.policy->entryFactors = {Factor::card, Factor::pin, Factor::finger};
    const auto authentic = [](protocol::PanelCommand c, std::uint64_t counter) {
        auto input = std::get<ControllerCommand>(command(c.type, counter));
        c.id = input.command.id;
        c.auth = input.command.auth;
        input.command = std::move(c);
        return Input{std::move(input)};
    };
    const auto s =
        runTable(offlineConfig(), ready(),
                 {{0, authentic(put, 1), {"cache_changed", "ack c1 done"}},
                  {10, authentic(gap, 2), {"ack c2 refused cache version 3 does not follow 1"}},
                  {20, authentic(sync, 3), {"cache_changed", "ack c3 done"}}});
    EXPECT_EQ(s.cache.version(), 1U);
    EXPECT_TRUE(s.cache.fresh(20));
    // Stored and read back at boot: the same entries, stale until the next sync.
    auto booted = step(offlineConfig(), ready(), CacheRestored{s.cache.encode()}, 0).state;
    EXPECT_NE(booted.cache.find(kCachedCard), nullptr);
    EXPECT_FALSE(booted.cache.fresh(0));
    EXPECT_EQ(describe(step(offlineConfig(), ready(), CacheRestored{"{"}, 0).outputs.at(0))
                  .rfind("ignored cache: ", 0),
              0U);
}

TEST(CircleGate, DisplayTextInWords) {
    EXPECT_EQ(displayText(Display{Reader::booth, Screen::placeFinger}), "Place finger");
    EXPECT_EQ(displayText(Display{Reader::outer, Screen::enterPin, {}, 3}), "Enter PIN ***");
    EXPECT_EQ(displayText(Display{Reader::booth, Screen::refused, "tailgate"}), "Please go back");
    EXPECT_EQ(displayText(Display{Reader::outer, Screen::fireRelease}), "Fire: gate released");
}

}  // namespace
}  // namespace sekimori::firmware::gate
