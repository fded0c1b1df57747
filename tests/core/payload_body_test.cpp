// parsePayloadBody gives what nlohmann::json::parse gives, types included, whichever of its two
// paths reads the payload.
#include "core/payload_body.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <random>

using sekimori::core::parsePayloadBody;
using Json = nlohmann::json;

namespace {

// Same value and the same type at every level (Json's == calls 1u and 1 equal).
void expectSameAsGeneralParser(const std::string& payload) {
    SCOPED_TRACE(payload);
    const Json general = Json::parse(payload, nullptr, false);
    const auto body = parsePayloadBody(payload);
    if (!general.is_object()) {
        EXPECT_EQ(body, nullptr);
        return;
    }
    ASSERT_NE(body, nullptr);
    EXPECT_EQ(body->dump(), general.dump());
    ASSERT_EQ(body->size(), general.size());
    for (auto it = general.begin(); it != general.end(); ++it) {
        ASSERT_TRUE(body->contains(it.key()));
        EXPECT_EQ(body->at(it.key()).type(), it->type()) << it.key();
    }
}

}  // namespace

TEST(PayloadBody, FlatObjectsAndEverythingElseReadAsTheGeneralParserReadsThem) {
    for (const std::string payload : {
             R"({"door":"server-room","side":"outer","person":"p-0042","decision":"granted"})",
             R"({})",
             R"({"n":0,"m":-0,"big":18446744073709551615,"small":-9223372036854775808})",
             R"({"over":18446744073709551616,"under":-9223372036854775809})",
             R"({"f":1.5,"e":1e3,"E":2E-2})",
             R"({"t":true,"f":false,"z":null})",
             R"({"lead":01})",
             R"({"esc":"a\"b","nl":"x\ny","u":"\u00e9"})",
             "{\"name\":\"\xe5\xae\x88\"}",
             R"({"nested":{"a":1},"list":[1,2]})",
             R"({ "spaced" : 1 })",
             R"({"dup":1,"dup":2})",
             R"({"a":1,})",
             R"({"a":1}x)",
             R"({"a")",
             R"({"a":)",
             R"({"a":tru})",
             R"({"a":-})",
             "{\"ctl\":\"a\x01\"}",
             R"([1,2])",
             R"("text")",
             R"(null)",
             "",
             "not json",
         }) {
        expectSameAsGeneralParser(payload);
    }
}

TEST(PayloadBody, RandomFlatObjectsAgreeWithTheGeneralParser) {
    std::mt19937_64 random(20261201);
    // Whole characters, so that every string stays valid UTF-8.
    const std::vector<std::string> alphabet = {
        "a", "b", "X", "0", "9",  " ",  "-",  "_",    ":",        "/",
        ".", ",", "{", "}", "\"", "\\", "\t", "\x01", "\xc3\xa9", "\xe5\xae\x88"};
    const auto randomString = [&] {
        std::string s;
        for (std::size_t i = random() % 12; i > 0; --i) {
            s += alphabet[random() % alphabet.size()];
        }
        return s;
    };
    for (int round = 0; round < 3000; ++round) {
        Json object = Json::object();
        for (std::size_t i = random() % 8; i > 0; --i) {
            switch (random() % 6) {
                case 0:
                    object[randomString()] = randomString();
                    break;
                case 1:
                    object[randomString()] = static_cast<std::int64_t>(random());
                    break;
                case 2:
                    object[randomString()] = random();
                    break;
                case 3:
                    object[randomString()] = random() % 2 == 0;
                    break;
                case 4:
                    object[randomString()] = nullptr;
                    break;
                default:
                    object[randomString()] = static_cast<double>(random() % 1000) / 8;
                    break;
            }
        }
        // dump() escapes what needs it and, with ensure_ascii, leaves no byte over 0x7f.
        expectSameAsGeneralParser(object.dump());
        expectSameAsGeneralParser(object.dump(-1, ' ', /*ensure_ascii=*/true));
    }
}
