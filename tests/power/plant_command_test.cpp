// What an operator may ask of the plant, and what the read-back must show before the command
// counts as done (power/plant_command.hpp).
#include "power/plant_command.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sekimori::power {
namespace {

using json = nlohmann::json;

io::ModbusDevicesConfig devices() {
    io::ModbusDevicesConfig config;
    const auto add = [&](std::string id, io::ModbusProfile profile) {
        io::ModbusDeviceConfig d;
        d.id = std::move(id);
        d.profile = profile;
        d.poll = std::chrono::milliseconds(500);
        config.devices.push_back(d);
    };
    add("gen-1", io::ModbusProfile::generator);
    add("gen-2", io::ModbusProfile::generator);  // on the bus, but not the site's generator
    add("relay-1", io::ModbusProfile::relay);
    add("pdu-1", io::ModbusProfile::pdu);
    add("meter-a", io::ModbusProfile::meter);
    return config;
}

PowerConfig power() {
    PowerConfig config;
    config.plant.emplace();
    config.plant->generator.emplace();
    config.plant->generator->device = "gen-1";
    return config;
}

TEST(PlantCommand, AGeneratorStartIsConfirmedOnlyByTheEngineState) {
    auto c = parsePlantCommand(
        json{{"device", "gen-1"}, {"command", "start"}, {"reason", "monthly test run"}}, devices(),
        power());
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->point, "start_request");
    EXPECT_EQ(c->value, 1);
    EXPECT_EQ(c->confirmPoint, "engine_state");  // never the echo of start_request
    EXPECT_EQ(c->confirmValues, (std::vector<double>{1, 2, 3, 4}));
    EXPECT_EQ(plantCommandSummary(*c), "start gen-1: monthly test run");
    // The stored action re-parses to the same command (the approval re-reads it).
    auto again = parsePlantCommand(plantCommandAction(*c), devices(), power());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->point, c->point);
    auto stop =
        parsePlantCommand(json{{"device", "gen-1"}, {"command", "stop"}, {"reason", "test done"}},
                          devices(), power());
    ASSERT_TRUE(stop);
    EXPECT_EQ(stop->value, 0);
    EXPECT_EQ(stop->confirmValues, (std::vector<double>{0, 5}));
}

TEST(PlantCommand, AnOutletIsConfirmedByReadingItsOwnCoilBack) {
    auto c = parsePlantCommand(json{{"device", "pdu-1"},
                                    {"command", "off"},
                                    {"point", "outlet_3"},
                                    {"reason", "swap the switch"}},
                               devices(), power());
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->value, 0);
    EXPECT_EQ(c->confirmPoint, "outlet_3");
    EXPECT_EQ(c->confirmValues, (std::vector<double>{0}));
    EXPECT_EQ(c->confirmWithin, std::chrono::milliseconds(2000));  // two polls and a second
    EXPECT_EQ(plantCommandAction(*c).value("point", ""), "outlet_3");
}

TEST(PlantCommand, WhatTheSiteCannotBeAskedIsRefusedByName) {
    const std::vector<std::pair<json, std::string>> refused{
        {json::array(), "JSON object"},
        {json{{"device", "gen-1"}, {"command", "start"}}, "body.reason"},
        {json{{"device", "gen-1"}, {"command", "start"}, {"reason", std::string(501, 'x')}},
         "body.reason"},
        {json{{"device", "gen-9"}, {"command", "start"}, {"reason", "r"}}, "no modbus device"},
        {json{{"device", "gen-2"}, {"command", "start"}, {"reason", "r"}}, "not the site's"},
        {json{{"device", "gen-1"}, {"command", "on"}, {"reason", "r"}}, "\"start\" or \"stop\""},
        {json{{"device", "gen-1"}, {"command", "start"}, {"point", "power"}, {"reason", "r"}},
         "body.point"},
        {json{{"device", "meter-a"}, {"command", "on"}, {"reason", "r"}}, "is a meter"},
        {json{{"device", "relay-1"}, {"command", "on"}, {"point", "coil_9"}, {"reason", "r"}},
         "'coil_9'"},
        {json{{"device", "pdu-1"}, {"command", "on"}, {"point", "load"}, {"reason", "r"}},
         "'load'"},  // a reading, not a switch
        {json{{"device", "relay-1"},
              {"command", "on"},
              {"point", "coil_1"},
              {"value", 1},
              {"reason", "r"}},
         "body.value"},
        {json{{"device", "relay-1"}, {"command", 1}, {"reason", "r"}}, "body.command"},
    };
    for (const auto& [body, says] : refused) {
        auto c = parsePlantCommand(body, devices(), power());
        ASSERT_FALSE(c) << body.dump();
        EXPECT_EQ(c.error().code, "power.bad_command");
        EXPECT_NE(c.error().message.find(says), std::string::npos)
            << body.dump() << " -> " << c.error().message;
    }
}

TEST(PlantCommand, AHubTimersCoilIsNotSwitchedByHand) {
    PowerConfig config = power();
    HubTimerConfig timer;
    timer.id = "hub-a";
    timer.relay = RelayRef{"pdu-1", 2};
    config.hubTimers.push_back(timer);
    const auto hand = parsePlantCommand(
        json{{"device", "pdu-1"}, {"command", "on"}, {"point", "outlet_2"}, {"reason", "r"}},
        devices(), config);
    ASSERT_FALSE(hand);
    EXPECT_NE(hand.error().message.find("hub timer 'hub-a'"), std::string::npos)
        << hand.error().message;
    EXPECT_TRUE(parsePlantCommand(
        json{{"device", "pdu-1"}, {"command", "on"}, {"point", "outlet_3"}, {"reason", "r"}},
        devices(), config));
}

}  // namespace
}  // namespace sekimori::power
