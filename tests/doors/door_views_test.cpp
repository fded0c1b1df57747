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

TEST(DoorViews, ACircleGateSaysItsStateIsUnknown) {
    CircleGateConfig gate;
    gate.id = "gate-srv";
    gate.name = "Server room circle gate";
    gate.panel = "p-gate";
    gate.fromZone = "corridor";
    gate.toZone = "server-room";
    gate.plan = PlanPoint{"floor-3f", 400, 120};
    const auto json = circleGateJson(gate);
    EXPECT_EQ(json["kind"], "circle_gate");
    EXPECT_EQ(json["supervised"], false);
    EXPECT_EQ(json["lock"], "unknown");
    EXPECT_EQ(json["position"], "unknown");
    for (const char* unseen : {"forced", "held_open", "tamper", "panel_online", "last_event"}) {
        EXPECT_TRUE(json[unseen].is_null()) << unseen;
    }
    EXPECT_EQ(json["plan"]["floor"], "floor-3f");
    // The same keys as a door's row, so one table shows both.
    const auto door = doorJson(spec(), {}, {}, kT0);
    for (const auto& [key, value] : door.items()) {
        EXPECT_TRUE(json.contains(key)) << key;
    }
    EXPECT_EQ(json.size(), door.size());
}

}  // namespace
}  // namespace sekimori::doors
