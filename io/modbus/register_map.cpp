#include "io/modbus/register_map.hpp"

#include <algorithm>
#include <bit>
#include <numeric>

namespace sekimori::io::modbus {
namespace {

int maxCount(Table table) {
    return isBitTable(table) ? kMaxReadBits : kMaxReadRegisters;
}

core::Result<void> checkPoint(const PointSpec& p) {
    const auto bad = [&](const std::string& what) {
        return core::makeError("modbus.bad_point", "point '" + p.id + "': " + what);
    };
    if (p.id.empty()) {
        return core::makeError("modbus.bad_point", "a point has no id");
    }
    const bool bits = isBitTable(p.table);
    if (bits != (p.type == ValueType::boolean)) {
        return bad(bits ? "a coil or discrete input is a boolean"
                        : "a boolean lives in a coil or discrete input");
    }
    if (p.address < 0 || p.address + wordCount(p.type) > 65536) {
        return bad("address " + std::to_string(p.address) + " is outside 0..65535");
    }
    return {};
}

}  // namespace

std::string_view toString(Table table) {
    switch (table) {
        case Table::coil:
            return "coil";
        case Table::discreteInput:
            return "discrete_input";
        case Table::holding:
            return "holding";
        case Table::input:
            return "input";
    }
    return "holding";
}

bool isBitTable(Table table) {
    return table == Table::coil || table == Table::discreteInput;
}

int wordCount(ValueType type) {
    return type == ValueType::u32 || type == ValueType::s32 || type == ValueType::f32 ? 2 : 1;
}

core::Result<std::vector<ReadBatch>> planReads(const std::vector<PointSpec>& points) {
    for (const auto& p : points) {
        if (auto r = checkPoint(p); !r) {
            return r.error();
        }
    }
    std::vector<std::size_t> order(points.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& pa = points[a];
        const auto& pb = points[b];
        return pa.table != pb.table ? pa.table < pb.table : pa.address < pb.address;
    });
    std::vector<ReadBatch> out;
    for (const std::size_t i : order) {
        const auto& p = points[i];
        const int end = p.address + wordCount(p.type);
        if (!out.empty()) {
            ReadBatch& last = out.back();
            const int lastEnd = last.start + last.count;
            if (last.table == p.table && p.address <= lastEnd &&
                std::max(end, lastEnd) - last.start <= maxCount(p.table)) {
                last.count = std::max(end, lastEnd) - last.start;
                last.points.push_back(i);
                continue;
            }
        }
        out.push_back(ReadBatch{p.table, p.address, end - p.address, {i}});
    }
    return out;
}

double decodePoint(const PointSpec& point, const ReadBatch& batch,
                   std::span<const std::uint16_t> words) {
    const auto offset = static_cast<std::size_t>(point.address - batch.start);
    const std::uint16_t first = words[offset];
    double raw = 0;
    if (wordCount(point.type) == 1) {
        raw = point.type == ValueType::s16 ? static_cast<double>(static_cast<std::int16_t>(first))
                                           : static_cast<double>(first);
    } else {
        const std::uint16_t second = words[offset + 1];
        const bool highFirst = point.words == WordOrder::highFirst;
        const std::uint32_t bits = (static_cast<std::uint32_t>(highFirst ? first : second) << 16) |
                                   (highFirst ? second : first);
        if (point.type == ValueType::f32) {
            raw = static_cast<double>(std::bit_cast<float>(bits));
        } else if (point.type == ValueType::s32) {
            raw = static_cast<double>(static_cast<std::int32_t>(bits));
        } else {
            raw = static_cast<double>(bits);
        }
    }
    return point.type == ValueType::boolean ? (first != 0 ? 1.0 : 0.0) : raw * point.scale;
}

}  // namespace sekimori::io::modbus
