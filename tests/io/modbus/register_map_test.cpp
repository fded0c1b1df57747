#include "io/modbus/register_map.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "tests/io/modbus/point_spec.hpp"

namespace sekimori::io::modbus {
namespace {

using test::point;

TEST(ModbusReadPlan, ContiguousPointsOfOneTableShareARead) {
    const std::vector<PointSpec> points{point("b", Table::holding, 1, ValueType::f32),
                                        point("in", Table::input, 0), point("a", Table::holding, 0),
                                        point("c", Table::holding, 3),
                                        point("far", Table::holding, 10)};
    const auto plan = planReads(points);
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->size(), 3U);
    EXPECT_EQ((*plan)[0].table, Table::holding);
    EXPECT_EQ((*plan)[0].count, 4);
    EXPECT_EQ((*plan)[0].start, 0);
    EXPECT_EQ((*plan)[0].points, (std::vector<std::size_t>{2, 0, 3}));
    EXPECT_EQ((*plan)[1].start, 10);  // a gap: the registers between may not exist
    EXPECT_EQ((*plan)[1].count, 1);
    EXPECT_EQ((*plan)[2].table, Table::input);
}

TEST(ModbusReadPlan, AReadNeverPassesTheProtocolLimitNorSplitsAValue) {
    std::vector<PointSpec> points;
    for (int i = 0; i < 124; ++i) {
        points.push_back(point(std::string("r").append(std::to_string(i)), Table::holding, i));
    }
    points.push_back(point("f", Table::holding, 124, ValueType::f32));  // 124..125
    auto plan = planReads(points);
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->size(), 2U);
    EXPECT_EQ((*plan)[0].count, 124);
    EXPECT_EQ((*plan)[1].start, 124);
    EXPECT_EQ((*plan)[1].count, 2);
    std::vector<PointSpec> bits;
    for (int i = 0; i < 2001; ++i) {
        bits.push_back(
            point(std::string("c").append(std::to_string(i)), Table::coil, i, ValueType::boolean));
    }
    plan = planReads(bits);
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->size(), 2U);
    EXPECT_EQ((*plan)[0].count, kMaxReadBits);
}

TEST(ModbusReadPlan, APointThatCannotBeReadIsRefusedByName) {
    for (const auto& bad : {point("x", Table::holding, 0, ValueType::boolean),
                            point("x", Table::coil, 0, ValueType::u16),
                            point("x", Table::holding, 65535, ValueType::f32),
                            point("x", Table::input, -1), point("", Table::input, 0)}) {
        const auto plan = planReads({bad});
        ASSERT_FALSE(plan);
        EXPECT_EQ(plan.error().code, "modbus.bad_point");
    }
    EXPECT_TRUE(planReads({point("x", Table::holding, 65534, ValueType::f32)}));
}

TEST(ModbusDecode, TypesScalesAndWordOrders) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(230.5F);
    const auto hi = static_cast<std::uint16_t>(bits >> 16);
    const auto lo = static_cast<std::uint16_t>(bits & 0xFFFF);
    const std::vector<std::uint16_t> words{hi, lo, lo, hi, 0xFFFB, 0x0001, 0x0002, 0xFFFF, 0xFFFE};
    const ReadBatch batch{Table::holding, 100, 9, {}};
    PointSpec f = point("f", Table::holding, 100, ValueType::f32);
    EXPECT_DOUBLE_EQ(decodePoint(f, batch, words), 230.5);
    f.address = 102;
    f.words = WordOrder::lowFirst;
    EXPECT_DOUBLE_EQ(decodePoint(f, batch, words), 230.5);
    PointSpec s = point("s", Table::holding, 104, ValueType::s16);
    s.scale = 0.1;
    EXPECT_DOUBLE_EQ(decodePoint(s, batch, words), -0.5);
    EXPECT_DOUBLE_EQ(decodePoint(point("u", Table::holding, 104), batch, words), 65531.0);
    EXPECT_DOUBLE_EQ(decodePoint(point("u32", Table::holding, 105, ValueType::u32), batch, words),
                     65538.0);
    EXPECT_DOUBLE_EQ(decodePoint(point("s32", Table::holding, 107, ValueType::s32), batch, words),
                     -2.0);
    const ReadBatch coils{Table::coil, 0, 2, {}};
    const std::vector<std::uint16_t> bitsRead{0, 1};
    EXPECT_DOUBLE_EQ(decodePoint(point("c", Table::coil, 1, ValueType::boolean), coils, bitsRead),
                     1.0);
}

// A write's words read back through decodePoint give the value written, for every type and order.
TEST(ModbusEncode, WhatIsWrittenDecodesToTheSameValue) {
    struct Case {
        PointSpec spec;
        double value;
    };
    PointSpec low = point("f", Table::holding, 0, ValueType::f32);
    low.words = WordOrder::lowFirst;
    const std::vector<Case> cases{{point("u", Table::holding, 0, ValueType::u16, 0.1), 45.6},
                                  {point("s", Table::holding, 0, ValueType::s16, 0.1), -12.5},
                                  {point("u32", Table::holding, 0, ValueType::u32, 0.1), 400000.5},
                                  {point("s32", Table::holding, 0, ValueType::s32, 0.001), -380.25},
                                  {point("f", Table::holding, 0, ValueType::f32), 230.5},
                                  {low, -1.75},
                                  {point("c", Table::coil, 0, ValueType::boolean), 1}};
    for (const auto& c : cases) {
        const auto words = encodePoint(c.spec, c.value);
        ASSERT_TRUE(words) << c.spec.id << ": " << words.error().message;
        const ReadBatch batch{c.spec.table, 0, static_cast<int>(words->size()), {}};
        EXPECT_DOUBLE_EQ(decodePoint(c.spec, batch, *words), c.value) << c.spec.id;
    }
}

TEST(ModbusEncode, AValueTheRegisterCannotHoldIsRefusedByName) {
    for (const auto& [spec, value] : std::vector<std::pair<PointSpec, double>>{
             {point("u", Table::holding, 0), -1},
             {point("u", Table::holding, 0), 65536},
             {point("s", Table::holding, 0, ValueType::s16, 0.1), 3276.8},
             {point("c", Table::coil, 0, ValueType::boolean), 2},
             {point("nan", Table::holding, 0), std::nan("")}}) {
        const auto words = encodePoint(spec, value);
        ASSERT_FALSE(words) << spec.id << " " << value;
        EXPECT_NE(words.error().message.find("'" + spec.id + "'"), std::string::npos);
    }
}

}  // namespace
}  // namespace sekimori::io::modbus
