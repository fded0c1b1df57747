#include "core/event_bus.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/core_event_types.hpp"

using namespace sekimori::core;

namespace {

inline constexpr EventType kDoorOpened{"door.opened"};
inline constexpr EventType kDoorClosed{"door.closed"};
inline constexpr EventType kDoorbellRang{"doorbell.rang"};
inline constexpr EventType kAccessGranted{"access.granted"};

RecordedEvent recorded(std::uint64_t seq, EventType type) {
    RecordedEvent e;
    e.seq = seq;
    e.event.type = type;
    return e;
}

struct Tick {
    int n = 0;
};

}  // namespace

TEST(EventType, NamesAndConversions) {
    static_assert(kDoorOpened.domain() == "door");
    static_assert(kDoorOpened == std::string_view("door.opened"));
    static_assert(!(kDoorOpened == kDoorClosed));
    const std::string asString = kAccessGranted;
    EXPECT_EQ(asString, "access.granted");
    const Event event{0, kAccessGranted, "door:a", "", "{}"};
    EXPECT_EQ(event.type, "access.granted");
    EXPECT_TRUE(event.type == kAccessGranted);
    EXPECT_FALSE(event.type == kDoorOpened);
    EXPECT_EQ(EventType("telemetry.quality_lost").domain(), "telemetry");
}

TEST(EventType, NameRules) {
    EXPECT_TRUE(isValidEventTypeName("door.opened"));
    EXPECT_TRUE(isValidEventTypeName("health.panel.rate_2"));
    EXPECT_FALSE(isValidEventTypeName(""));
    EXPECT_FALSE(isValidEventTypeName("door"));
    EXPECT_FALSE(isValidEventTypeName(".opened"));
    EXPECT_FALSE(isValidEventTypeName("door."));
    EXPECT_FALSE(isValidEventTypeName("door..opened"));
    EXPECT_FALSE(isValidEventTypeName("Door.opened"));
    EXPECT_FALSE(isValidEventTypeName("door.held-open"));
    EXPECT_FALSE(isValidEventTypeName("door opened"));
}

TEST(EventBus, PrefixSubscribersSeeOnlyTheirTypes) {
    EventBus bus;
    std::vector<std::uint64_t> doors, everything, access;
    auto t1 = bus.subscribe("door.", [&](const RecordedEvent& e) { doors.push_back(e.seq); });
    auto t2 = bus.subscribe("", [&](const RecordedEvent& e) { everything.push_back(e.seq); });
    auto t3 = bus.subscribe(std::string("access."),
                            [&](const RecordedEvent& e) { access.push_back(e.seq); });
    bus.publish(recorded(1, kDoorOpened));
    bus.publish(recorded(2, kAccessGranted));
    bus.publish(recorded(3, kDoorbellRang));  // "door." is a domain, not any word starting so
    bus.publish(recorded(4, kDoorClosed));
    EXPECT_EQ(doors, (std::vector<std::uint64_t>{1, 4}));
    EXPECT_EQ(access, (std::vector<std::uint64_t>{2}));
    EXPECT_EQ(everything, (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST(EventBus, ExactTypeSubscriberSeesOnlyThatType) {
    EventBus bus;
    std::vector<std::uint64_t> opened;
    auto t = bus.subscribe(kDoorOpened, [&](const RecordedEvent& e) { opened.push_back(e.seq); });
    bus.publish(recorded(1, kDoorOpened));
    bus.publish(recorded(2, kDoorClosed));
    bus.publish(recorded(3, EventType("door.opened_twice")));
    EXPECT_EQ(opened, (std::vector<std::uint64_t>{1}));
}

TEST(EventBus, TypedAndPrefixSubscribersRunInSubscriptionOrder) {
    EventBus bus;
    std::string order;
    auto a = bus.subscribe("door.", [&](const RecordedEvent&) { order += "a"; });
    auto b = bus.subscribe<RecordedEvent>([&](const RecordedEvent&) { order += "b"; });
    auto c = bus.subscribe(kDoorOpened, [&](const RecordedEvent&) { order += "c"; });
    bus.publish(recorded(1, kDoorOpened));
    EXPECT_EQ(order, "abc");
}

TEST(EventBus, DroppingTheTokenUnsubscribes) {
    EventBus bus;
    int seen = 0;
    auto token = bus.subscribe("", [&](const RecordedEvent&) { ++seen; });
    bus.publish(recorded(1, kDoorOpened));
    token.reset();
    bus.publish(recorded(2, kDoorOpened));
    EXPECT_EQ(seen, 1);
}

TEST(EventBus, AHandlerMayUnsubscribeAnotherOrSubscribeDuringPublish) {
    EventBus bus;
    int first = 0, second = 0, late = 0;
    EventBus::Token secondToken;
    EventBus::Token lateToken;
    auto firstToken = bus.subscribe("door.", [&](const RecordedEvent&) {
        ++first;
        secondToken.reset();  // already collected for this publish: it still runs once
        lateToken = bus.subscribe("door.", [&](const RecordedEvent&) { ++late; });
    });
    secondToken = bus.subscribe("door.", [&](const RecordedEvent&) { ++second; });
    bus.publish(recorded(1, kDoorOpened));
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 1);
    EXPECT_EQ(late, 0);  // subscribed after this publish started
    bus.publish(recorded(2, kDoorOpened));
    EXPECT_EQ(second, 1);
    EXPECT_EQ(late, 1);
}

TEST(EventBus, OtherMessageTypesStayTyped) {
    EventBus bus;
    int ticks = 0, recordedSeen = 0;
    auto t1 = bus.subscribe<Tick>([&](const Tick& t) { ticks += t.n; });
    auto t2 = bus.subscribe("", [&](const RecordedEvent&) { ++recordedSeen; });
    bus.publish(Tick{3});
    bus.publish(Tick{4});
    EXPECT_EQ(ticks, 7);
    EXPECT_EQ(recordedSeen, 0);
    bus.publish(recorded(1, kDaemonStarted));
    EXPECT_EQ(recordedSeen, 1);
    EXPECT_EQ(ticks, 7);
}
