// protocol/card_format: every reader format decodes to its one canonical id, and every malformed
// reading is refused with a reason. The Wiegand vectors were computed by hand from the frame
// layouts (docs/mqtt.md, "Card formats"), not by the encoder under test.
#include "protocol/card_format.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sekimori::protocol {
namespace {

struct Decodes {
    const char* format;
    const char* raw;
    const char* id;
    std::optional<std::uint32_t> facility;
};

const Decodes decodes[] = {
    {"", "04A1B2C3", "04A1B2C3", std::nullopt},  // legacy: the hex UID as sent
    {"", "0123456789ABCDEF0123", "0123456789ABCDEF0123", std::nullopt},
    {"felica", "0123456789abcdef", "0123456789ABCDEF", std::nullopt},
    {"felica", "012E4CD8E5C1A30B", "012E4CD8E5C1A30B", std::nullopt},
    {"mifare", "04a1b2c3", "04A1B2C3", std::nullopt},
    {"mifare", "04A1B2C3D4E580", "04A1B2C3D4E580", std::nullopt},
    {"wiegand26", "10000000100000000000000010", "W26-1-1", 1},
    {"wiegand26", "10111101110110010011011101", "W26-123-45678", 123},
    {"wiegand26", "01111111111111111111111111", "W26-255-65535", 255},
    {"wiegand34", "1000100100011010001010110011110001", "W34-4660-22136", 4660},
    {"wiegand37", "0000000010010110011111111111111111111", "W37-300-524287", 300},
    {"wiegand37", "1000000000000000100000000000000000001", "W37-1-0", 1},
};

TEST(CardFormat, EachFormatDecodesToItsCanonicalId) {
    for (const auto& row : decodes) {
        const auto card = decodeCard(row.format, row.raw);
        ASSERT_TRUE(card) << row.format << " " << row.raw << ": " << card.error;
        EXPECT_EQ(card.value->id, row.id);
        EXPECT_EQ(card.value->facility, row.facility) << row.raw;
        EXPECT_EQ(card.value->format.has_value(), std::string_view(row.format) != "");
        if (card.value->format) {
            EXPECT_EQ(toString(*card.value->format), row.format);
        }
        EXPECT_TRUE(isCanonicalCardId(card.value->id)) << card.value->id;
    }
}

struct Refuses {
    const char* format;
    const char* raw;
    const char* error;
};

const Refuses refusals[] = {
    {"", "04a1b2c3", "card_uid: must be 8..20 upper-case hex digits (an even count)"},
    {"", "04A1B2C", "card_uid: must be 8..20"},
    {"", "0123456789ABCDEF012345", "card_uid: must be 8..20"},
    {"hid-prox", "04A1B2C3", "format: unknown card format"},
    {"FELICA", "0123456789ABCDEF", "format: unknown card format"},
    {"felica", "0123456789ABCDE", "card: felica must be 16 hex digits (an 8-byte IDm), got 15"},
    {"felica", "0123456789ABCDEG", "card: felica must be hex digits"},
    {"mifare", "04A1B2C3D4", "card: mifare must be 8 or 14 hex digits"},
    {"mifare", "", "card: mifare must be 8 or 14 hex digits (a 4- or 7-byte UID), got 0"},
    {"wiegand26", "1000000010000000000000001", "card: wiegand26 must be 26 bits, got 25"},
    {"wiegand26", "1000000010000000000000001x", "card: wiegand26 must be a string of '0' and '1'"},
    // W26-1-1 with its first (even) parity bit flipped, then with its last (odd) one flipped.
    {"wiegand26", "00000000100000000000000010", "card: wiegand26 even parity does not hold"},
    {"wiegand26", "10000000100000000000000011", "card: wiegand26 odd parity does not hold"},
    // One data bit flipped in each half.
    {"wiegand34", "1000100100011011001010110011110001", "card: wiegand34 even parity"},
    {"wiegand34", "1000100100011010001010110011110011", "card: wiegand34 odd parity"},
    // H10304's shared bit 18 flipped breaks both halves; the even one is reported first.
    {"wiegand37", "1000000000000000110000000000000000001", "card: wiegand37 even parity"},
    {"wiegand37", "1000000000000000100000000000000000011", "card: wiegand37 odd parity"},
    {"wiegand37", "10000000000000001000000000000000000010", "card: wiegand37 must be 37 bits"},
};

TEST(CardFormat, MalformedReadingsAreRefusedWithAReason) {
    for (const auto& row : refusals) {
        const auto card = decodeCard(row.format, row.raw);
        EXPECT_FALSE(card) << row.format << " " << row.raw;
        EXPECT_EQ(card.error.substr(0, std::string_view(row.error).size()), row.error)
            << card.error;
    }
}

TEST(CardFormat, CanonicalIds) {
    for (const char* id : {"04A1B2C3", "0123456789ABCDEF", "0123456789ABCDEF0123", "W26-0-0",
                           "W26-255-65535", "W34-65535-65535", "W37-65535-524287", "W37-1-0"}) {
        EXPECT_TRUE(isCanonicalCardId(id)) << id;
    }
    for (const char* id :
         {"", "04a1b2c3", "04A1B2C", "0123456789ABCDEF012345", "W26-256-1", "W26-1-65536",
          "W26-01-1", "W26-1-01", "W26--1", "W26-1-", "W26-1", "W26-+1-1", "W34-65536-0",
          "W37-1-524288", "W38-1-1", "w26-1-1", "W26-1-1-1", "W26-4294967297-1"}) {
        EXPECT_FALSE(isCanonicalCardId(id)) << id;
    }
}

TEST(CardFormat, EncodedWiegandDecodesToTheSameCard) {
    for (auto format : {CardFormat::wiegand26, CardFormat::wiegand34, CardFormat::wiegand37}) {
        for (std::uint32_t facility : {0U, 1U, 77U, 255U}) {
            for (std::uint32_t number : {0U, 1U, 4660U, 65535U}) {
                const std::string bits = encodeWiegand(format, facility, number);
                const auto card = decodeCard(toString(format), bits);
                ASSERT_TRUE(card) << bits << ": " << card.error;
                EXPECT_EQ(card.value->facility, facility);
                // Built with append, not "-" + to_string(): GCC 12 at -O3 warns a false
                // -Wrestrict on operator+(const char*, string&&).
                std::string suffix = "-";
                suffix.append(std::to_string(number));
                EXPECT_TRUE(card.value->id.ends_with(suffix)) << card.value->id;
            }
        }
    }
    EXPECT_EQ(encodeWiegand(CardFormat::wiegand26, 123, 45678), "10111101110110010011011101");
    EXPECT_EQ(encodeWiegand(CardFormat::wiegand26, 256, 1), "");
    EXPECT_EQ(encodeWiegand(CardFormat::wiegand34, 1, 65536), "");
    EXPECT_EQ(encodeWiegand(CardFormat::felica, 1, 1), "");
}

TEST(CardFormat, FacilityCodesFilterOnlyWiegandCards) {
    const auto w26 = decodeCard("wiegand26", "10111101110110010011011101");
    const auto felica = decodeCard("felica", "0123456789ABCDEF");
    ASSERT_TRUE(w26 && felica);
    EXPECT_TRUE(facilityAccepted(*w26.value, {}));
    EXPECT_TRUE(facilityAccepted(*w26.value, {7, 123}));
    EXPECT_FALSE(facilityAccepted(*w26.value, {7}));
    EXPECT_TRUE(facilityAccepted(*felica.value, {7}));
}

TEST(CardFormat, NamesRoundTrip) {
    for (auto format : kCardFormats) {
        EXPECT_EQ(cardFormatFromString(toString(format)), format);
    }
    EXPECT_FALSE(cardFormatFromString(""));
    EXPECT_TRUE(isWiegand(CardFormat::wiegand37));
    EXPECT_FALSE(isWiegand(CardFormat::mifare));
}

}  // namespace
}  // namespace sekimori::protocol
