// What GET /api/doors shows of a door and a circle gate (doors/door_views), from states the
// door step itself produces: the console's words (forced, held open) and the plan marker.
#include "doors/door_views.hpp"

#include <gtest/gtest.h>

namespace sekimori::doors {
namespace {

using Kind = protocol::DoorEventKind;
constexpr core::TimeUs kT0 = 1'700'000'000'000'000;
constexpr core::TimeUs kMs = 1000;

DoorSpec spec() {
    DoorSpec d;
    d.id = "srv-door";
    d.name = "Server room door";
    d.panel = "p-srv";
    d.fromZone = "corridor";
    d.toZone = "server-room";
    d.heldOpenMs = 30000;
    return d;
}

PanelReport report(Kind kind) {
    PanelReport r;
    r.kind = kind;
    return r;
}

DoorState after(DoorState state, const DoorInput& input, core::TimeUs at) {
    return step(spec(), std::move(state), input, at).state;
}

TEST(DoorViews, AForcedOpeningIsForcedUntilTheDoorCloses) {
    DoorState s = after({}, report(Kind::closed), kT0);
    EXPECT_EQ(doorJson(spec(), s, {}, kT0)["forced"], false);
    s = after(std::move(s), report(Kind::forced), kT0 + kMs);
    auto json = doorJson(spec(), s, PanelView{true, "1.0"}, kT0 + kMs);
    EXPECT_EQ(json["forced"], true);
    EXPECT_EQ(json["position"], "open");
    EXPECT_EQ(json["lock"], "locked");
    EXPECT_EQ(json["last_event"]["type"], "door.forced");
    s = after(std::move(s), report(Kind::closed), kT0 + 2 * kMs);
    EXPECT_EQ(doorJson(spec(), s, {}, kT0 + 2 * kMs)["forced"], false);
    // An ordinary opening afterwards is not forced.
    s = after(std::move(s), report(Kind::opened), kT0 + 3 * kMs);
    EXPECT_EQ(doorJson(spec(), s, {}, kT0 + 3 * kMs)["forced"], false);
}

TEST(DoorViews, HeldOpenPastTheLimitUntilTheDoorCloses) {
    DoorState s = after({}, report(Kind::opened), kT0);
    EXPECT_EQ(doorJson(spec(), s, {}, kT0)["held_open"], false);
    s = after(std::move(s), DoorTick{}, kT0 + 30'001 * kMs);
    EXPECT_EQ(doorJson(spec(), s, {}, kT0 + 30'001 * kMs)["held_open"], true);
    s = after(std::move(s), report(Kind::closed), kT0 + 31'000 * kMs);
    EXPECT_EQ(doorJson(spec(), s, {}, kT0 + 31'000 * kMs)["held_open"], false);
}

TEST(DoorViews, KindSupervisionAndPlan) {
    auto json = doorJson(spec(), {}, {}, kT0);
    EXPECT_EQ(json["kind"], "door");
    EXPECT_EQ(json["supervised"], true);
    EXPECT_EQ(json["position"], "unknown");  // no report yet
    EXPECT_TRUE(json["panel_online"].is_null());
    EXPECT_TRUE(json["plan"].is_null());
    json = doorJson(spec(), {}, {}, kT0, PlanPoint{"floor-3f", 310, 100.5});
    EXPECT_EQ(json["plan"], (nlohmann::json{{"floor", "floor-3f"}, {"x", 310}, {"y", 100.5}}));
}

DoorSpec gateSpec() {
    DoorSpec g;
    g.id = "gate-srv";
    g.name = "Server room circle gate";
    g.panel = "p-gate";
    g.fromZone = "corridor";
    g.toZone = "server-room";
    g.circleGate = true;
    g.camera = "cam-gate";
    g.maxWeightG = 150000;
    return g;
}

TEST(DoorViews, ACircleGateShowsItsSupervisedState) {
    const PanelView online{true, "1.4"};
    auto json = circleGateJson(gateSpec(), GateState{}, DoorState{}, online,
                               PlanPoint{"floor-3f", 400, 120});
    EXPECT_EQ(json["kind"], "circle_gate");
    EXPECT_EQ(json["supervised"], true);
    EXPECT_EQ(json["gate_state"], "idle");
    EXPECT_EQ(json["camera"], "cam-gate");
    EXPECT_TRUE(json["last_refusal"].is_null());
    EXPECT_TRUE(json["presence"].is_null());  // no reading yet
    EXPECT_EQ(json["lock"], "unknown");       // the interlock is the gate's
    EXPECT_EQ(json["panel_online"], true);
    EXPECT_EQ(json["max_weight_kg"], 150.0);
    EXPECT_EQ(json["weight_tolerance_pct"], 15);
    EXPECT_EQ(json["outer_fail_safe"], true);
    EXPECT_EQ(json["inner_fail_safe"], false);
    EXPECT_EQ(json["plan"]["floor"], "floor-3f");
    // Every key of a door's row, so one table shows both.
    const auto door = doorJson(spec(), {}, {}, kT0);
    for (const auto& [key, value] : door.items()) {
        EXPECT_TRUE(json.contains(key)) << key;
    }
}

TEST(DoorViews, AGatesStateIsTheSupervisionsUnlessItsPanelIsOffline) {
    const struct {
        const char* name;
        GateState gate;
        PanelView panel;
        const char* expected;
    } rows[] = {
        {"idle", GateState{}, {true, ""}, "idle"},
        {"no status yet", GateState{}, {std::nullopt, ""}, "idle"},
        {"offline panel", GateState{}, {false, ""}, "offline"},
        {"cycling",
         [] {
             GateState s;
             s.cycling = true;
             return s;
         }(),
         {true, ""},
         "cycling"},
        {"refused",
         [] {
             GateState s;
             s.refused = true;
             return s;
         }(),
         {true, ""},
         "refused"},
        {"fire",
         [] {
             GateState s;
             s.fireReleased = true;
             s.refused = true;
             return s;
         }(),
         {true, ""},
         "fire_released"},
        {"rearm",
         [] {
             GateState s;
             s.awaitingRearm = true;
             return s;
         }(),
         {true, ""},
         "awaiting_rearm"},
        {"power",
         [] {
             GateState s;
             s.powerLost = true;
             s.fireReleased = true;
             return s;
         }(),
         {true, ""},
         "power_lost"},
        {"offline wins",
         [] {
             GateState s;
             s.powerLost = true;
             return s;
         }(),
         {false, ""},
         "offline"},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(circleGateJson(gateSpec(), row.gate, DoorState{}, row.panel)["gate_state"],
                  row.expected)
            << row.name;
    }
}

TEST(DoorViews, ARefusedCycleShowsItsReadingsAndTheCameraReference) {
    GateState gate;
    gate.refused = true;
    gate.presence = 2;
    gate.weightG = 141000;
    gate.cyclesRefused = 1;
    gate.lastRefusal =
        GateRefusalSeen{"tailgate", "s1", "entry", 2, 141000, "", "alice", "Alice Sato", kT0};
    gate.lastEventType = "gate.cycle_refused";
    gate.lastEventUs = kT0;
    const auto json = circleGateJson(gateSpec(), gate, DoorState{}, PanelView{true, ""});
    const auto& r = json["last_refusal"];
    EXPECT_EQ(r["refusal"], "tailgate");
    EXPECT_EQ(r["presence"], 2);
    EXPECT_EQ(r["weight_g"], 141000);
    EXPECT_EQ(r["person_name"], "Alice Sato");
    EXPECT_EQ(r["camera"], "cam-gate");
    EXPECT_EQ(r["time_us"], kT0);
    EXPECT_EQ(json["presence"], 2);
    EXPECT_EQ(json["cycles_refused"], 1);
    EXPECT_EQ(json["last_event"]["type"], "gate.cycle_refused");
    // A gate without a camera says so with null, never a made-up id.
    DoorSpec noCamera = gateSpec();
    noCamera.camera.clear();
    const auto bare = circleGateJson(noCamera, gate, DoorState{}, PanelView{true, ""});
    EXPECT_TRUE(bare["camera"].is_null());
    EXPECT_TRUE(bare["last_refusal"]["camera"].is_null());
}

}  // namespace
}  // namespace sekimori::doors
