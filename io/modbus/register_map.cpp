#include "io/modbus/register_map.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
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

core::Result<std::vector<std::uint16_t>> encodePoint(const PointSpec& point, double value) {
    const auto refuse = [&](std::string why) {
        return core::makeError("modbus.bad_write",
                               std::string("point '").append(point.id).append("': ").append(why));
    };
    if (!std::isfinite(value)) {
        return refuse("the value is not a number");
    }
    if (point.type == ValueType::boolean) {
        if (value != 0 && value != 1) {
            return refuse("a bit is written 0 or 1");
        }
        return std::vector<std::uint16_t>{static_cast<std::uint16_t>(value)};
    }
    if (point.type == ValueType::f32) {
        const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(value / point.scale));
        const auto high = static_cast<std::uint16_t>(bits >> 16);
        const auto low = static_cast<std::uint16_t>(bits & 0xFFFF);
        return point.words == WordOrder::highFirst ? std::vector<std::uint16_t>{high, low}
                                                   : std::vector<std::uint16_t>{low, high};
    }
    const double raw = std::round(value / point.scale);
    double low = 0;
    double high = 0;
    switch (point.type) {
        case ValueType::u16:
            high = 65535;
            break;
        case ValueType::s16:
            low = -32768;
            high = 32767;
            break;
        case ValueType::u32:
            high = 4294967295.0;
            break;
        default:  // s32
            low = -2147483648.0;
            high = 2147483647.0;
            break;
    }
    if (raw < low || raw > high) {
        return refuse("the value is out of the register's range");
    }
    if (wordCount(point.type) == 1) {
        const auto word = point.type == ValueType::s16
                              ? static_cast<std::uint16_t>(static_cast<std::int16_t>(raw))
                              : static_cast<std::uint16_t>(raw);
        return std::vector<std::uint16_t>{word};
    }
    const auto bits = point.type == ValueType::s32
                          ? static_cast<std::uint32_t>(static_cast<std::int32_t>(raw))
                          : static_cast<std::uint32_t>(raw);
    const auto hi = static_cast<std::uint16_t>(bits >> 16);
    const auto lo = static_cast<std::uint16_t>(bits & 0xFFFF);
    return point.words == WordOrder::highFirst ? std::vector<std::uint16_t>{hi, lo}
                                               : std::vector<std::uint16_t>{lo, hi};
}

}  // namespace sekimori::io::modbus
