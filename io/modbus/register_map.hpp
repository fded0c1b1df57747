#pragma once
// A Modbus device's points as data (docs/modbus/): where each value lives (table, address, type,
// word order, scale), how they are grouped into reads (planReads: contiguous points of one
// table share a read of at most 125 registers or 2000 bits), and how a read's words become each
// point's value (decodePoint). Pure: no I/O.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sekimori::io::modbus {

enum class Table { coil, discreteInput, holding, input };
enum class ValueType { boolean, u16, s16, u32, s32, f32 };
// The order of a 32-bit value's two registers: high word first is the Modbus convention
// (PM5100 floats); many meters send the low word first.
enum class WordOrder { highFirst, lowFirst };

std::string_view toString(Table table);
bool isBitTable(Table table);

struct PointSpec {
    std::string id;
    Table table = Table::holding;
    int address = 0;  // the protocol address, 0-based (register 40001 is holding 0)
    ValueType type = ValueType::u16;
    WordOrder words = WordOrder::highFirst;
    double scale = 1;  // value = raw × scale
    std::string unit;  // as docs/telemetry.md spells it: "V", "A", "degC", "%"
};

// 1, or 2 for a 32-bit type; a bit table's point is one bit.
int wordCount(ValueType type);

inline constexpr int kMaxReadRegisters = 125;  // the protocol's limit per read
inline constexpr int kMaxReadBits = 2000;

struct ReadBatch {
    Table table = Table::holding;
    int start = 0;
    int count = 0;                    // registers, or bits
    std::vector<std::size_t> points;  // indices into the planned points
};

// Points of one table whose ranges touch or overlap share a read, up to the limit; a gap starts
// a new read, since the registers between two points may not exist on the device. Refuses an
// empty id, an address range outside 0..65535, a 32-bit type or a non-boolean in a bit table,
// and a boolean in a register table.
core::Result<std::vector<ReadBatch>> planReads(const std::vector<PointSpec>& points);

// The point's value from its batch's words (a bit table: one word 0/1 per bit). A float that is
// not finite is returned as it is: the caller counts it as bad data.
double decodePoint(const PointSpec& point, const ReadBatch& batch,
                   std::span<const std::uint16_t> words);

// The words a write of `value` (in the point's unit) sends, the inverse of decodePoint: one
// word for a bit (0 or 1) or a 16-bit type, two in the point's word order for a 32-bit one.
// Refuses a value that is not finite or that the type cannot hold once scaled and rounded.
core::Result<std::vector<std::uint16_t>> encodePoint(const PointSpec& point, double value);

}  // namespace sekimori::io::modbus
