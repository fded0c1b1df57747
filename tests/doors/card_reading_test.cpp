// doors/card_reading: the door's card formats and the site's facility codes, over the decoder.
#include "doors/card_reading.hpp"

#include <gtest/gtest.h>

namespace sekimori::doors {
namespace {

protocol::CardPresented reading(const char* format, const char* raw) {
    protocol::CardPresented card;
    card.format = format;
    card.raw = raw;
    return card;
}

constexpr const char* kW26Fc123 = "10111101110110010011011101";  // W26-123-45678

TEST(CardReading, AnyDoorReadsAnyFormatWhenItNamesNone) {
    DoorSpec door;
    door.id = "lobby";
    auto card = cardAtDoor(reading("wiegand26", kW26Fc123), door, {});
    ASSERT_TRUE(card) << card.error;
    EXPECT_EQ(card.value->id, "W26-123-45678");
    card = cardAtDoor(protocol::CardPresented{"04A1B2C3"}, door, {});
    ASSERT_TRUE(card) << card.error;
    EXPECT_EQ(card.value->id, "04A1B2C3");
    card = cardAtDoor(reading("felica", "0123456789abcdef"), door, {});
    ASSERT_TRUE(card) << card.error;
    EXPECT_EQ(card.value->id, "0123456789ABCDEF");
}

TEST(CardReading, ADoorWithFormatsRefusesOthersAndLegacyReadings) {
    DoorSpec door;
    door.id = "dock";
    door.cardFormats = {"wiegand26", "mifare"};
    EXPECT_TRUE(cardAtDoor(reading("wiegand26", kW26Fc123), door, {}));
    EXPECT_TRUE(cardAtDoor(reading("mifare", "04A1B2C3D4E580"), door, {}));
    const auto felica = cardAtDoor(reading("felica", "0123456789ABCDEF"), door, {});
    ASSERT_FALSE(felica);
    EXPECT_EQ(felica.error, "card: door dock does not accept felica cards");
    const auto legacy = cardAtDoor(protocol::CardPresented{"04A1B2C3"}, door, {});
    ASSERT_FALSE(legacy);
    EXPECT_NE(legacy.error.find("names no format"), std::string::npos) << legacy.error;
}

TEST(CardReading, UndecodableReadingsAndForeignFacilitiesAreRefused) {
    DoorSpec door;
    door.id = "dock";
    auto card = cardAtDoor(reading("wiegand26", "10111101110110010011011100"), door, {});
    ASSERT_FALSE(card);
    EXPECT_EQ(card.error, "card: wiegand26 odd parity does not hold");
    card = cardAtDoor(reading("prox", "0101"), door, {});
    EXPECT_FALSE(card);
    card = cardAtDoor(reading("wiegand26", kW26Fc123), door, {7, 8});
    ASSERT_FALSE(card);
    EXPECT_EQ(card.error,
              "card: facility code 123 is not one of the site's wiegand_facility_codes");
    EXPECT_TRUE(cardAtDoor(reading("wiegand26", kW26Fc123), door, {7, 123}));
    // Facility codes do not concern cards without one.
    EXPECT_TRUE(cardAtDoor(reading("mifare", "04A1B2C3"), door, {7}));
}

}  // namespace
}  // namespace sekimori::doors
