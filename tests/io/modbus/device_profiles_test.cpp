#include "io/modbus/device_profiles.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sekimori::io::modbus {
namespace {

std::string typeName(ValueType type) {
    switch (type) {
        case ValueType::boolean:
            return "boolean";
        case ValueType::u16:
            return "u16";
        case ValueType::s16:
            return "s16";
        case ValueType::u32:
            return "u32";
        case ValueType::s32:
            return "s32";
        case ValueType::f32:
            return "f32";
    }
    return "?";
}

// The cells of every table row of docs/modbus/<profile>.md that names a point ("| `id` |").
std::vector<std::vector<std::string>> documentedRows(std::string_view profile) {
    std::ifstream in(std::string(SEKIMORI_SOURCE_DIR) + "/docs/modbus/" + std::string(profile) +
                     ".md");
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("| `", 0) != 0) {
            continue;
        }
        std::vector<std::string> cells;
        std::stringstream cellsIn(line.substr(1));
        std::string cell;
        while (std::getline(cellsIn, cell, '|')) {
            const auto first = cell.find_first_not_of(" `");
            const auto last = cell.find_last_not_of(" `");
            cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
        }
        rows.push_back(cells);
    }
    return rows;
}

std::string scaleText(double scale) {
    std::ostringstream out;
    out << scale;
    return out.str();
}

TEST(ModbusProfiles, EveryProfilesPageListsItsPointsAsTheCodeHasThem) {
    for (const auto name : profileNames()) {
        SCOPED_TRACE(std::string(name));
        const auto* points = profilePoints(name);
        ASSERT_NE(points, nullptr);
        const auto rows = documentedRows(name);
        ASSERT_EQ(rows.size(), points->size()) << "docs/modbus/" << name << ".md";
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& p = (*points)[i];
            ASSERT_EQ(rows[i].size(), 7U);
            EXPECT_EQ(rows[i][0], p.id);
            EXPECT_EQ(rows[i][1], toString(p.table)) << p.id;
            EXPECT_EQ(rows[i][2], std::to_string(p.address)) << p.id;
            EXPECT_EQ(rows[i][3], typeName(p.type)) << p.id;
            const std::string words = wordCount(p.type) == 1            ? "-"
                                      : p.words == WordOrder::highFirst ? "high_first"
                                                                        : "low_first";
            EXPECT_EQ(rows[i][4], words) << p.id;
            EXPECT_EQ(rows[i][5], scaleText(p.scale)) << p.id;
            EXPECT_EQ(rows[i][6], p.unit.empty() ? "-" : p.unit) << p.id;
        }
        // Every profile can be polled as it stands.
        EXPECT_TRUE(planReads(*points));
    }
    EXPECT_EQ(profilePoints("toaster"), nullptr);
}

}  // namespace
}  // namespace sekimori::io::modbus
