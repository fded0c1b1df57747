#include "protocol/json_fields.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sekimori::protocol {
namespace {

Json parse(std::string_view text, std::string& error, std::size_t maxBytes = 4096) {
    auto parsed = parseStrictObject(text, maxBytes, error);
    return parsed ? *parsed : Json();
}

TEST(JsonFields, RefusesWhatIsNotOneObject) {
    struct Row {
        std::string text;
        std::string error;
    };
    const Row rows[] = {
        {"{not json", "payload: not valid JSON"},
        {"[1,2]", "payload: must be a JSON object"},
        {"\"text\"", "payload: must be a JSON object"},
        {R"({"a":1,"a":2})", "a: duplicate field"},
        {R"({"o":{"b":1,"b":1}})", "b: duplicate field"},
        {std::string(40, ' ') + "{}", "payload: larger than 32 bytes"},
    };
    for (const auto& row : rows) {
        std::string error;
        EXPECT_FALSE(parseStrictObject(row.text, 32, error)) << row.text;
        EXPECT_EQ(error, row.error) << row.text;
    }
    std::string error;
    EXPECT_TRUE(parseStrictObject(R"({"a":{"b":1},"b":2})", 4096, error)) << error;
}

TEST(JsonFields, ReadsTypedFieldsAndKeepsTheFirstError) {
    std::string error;
    const Json object = parse(R"({"s":"x","i":7,"b":true,"big":18446744073709551615})", error);
    FieldReader reader(object);
    EXPECT_EQ(reader.string("s"), "x");
    EXPECT_EQ(reader.integer("i", 0, 10), 7);
    EXPECT_TRUE(reader.boolean("b"));
    EXPECT_TRUE(reader.ok());
    EXPECT_EQ(reader.integer("big", 0, 100), 0);
    EXPECT_EQ(reader.error(), "big: out of range 0..100");
    reader.string("missing");
    EXPECT_EQ(reader.error(), "big: out of range 0..100");  // the first error stays
}

TEST(JsonFields, NamesTheFieldAndWhatWasWrong) {
    struct Row {
        std::string text;
        std::string error;
    };
    const Row rows[] = {
        {R"({"i":90.5})", "i: must be an integer"},
        {R"({"i":"90"})", "i: must be an integer"},
        {R"({"i":true})", "i: must be an integer"},
        {R"({"i":-1})", "i: out of range 0..100"},
        {R"({})", "i: missing"},
    };
    for (const auto& row : rows) {
        std::string error;
        const Json object = parse(row.text, error);
        FieldReader reader(object);
        reader.integer("i", 0, 100);
        EXPECT_EQ(reader.error(), row.error) << row.text;
    }
    std::string error;
    const Json object = parse(R"({"b":1,"s":2,"x\u0001":0})", error);
    FieldReader booleans(object);
    booleans.boolean("b");
    EXPECT_EQ(booleans.error(), "b: must be true or false");
    FieldReader strings(object);
    strings.string("s");
    EXPECT_EQ(strings.error(), "s: must be a string");
    FieldReader only(object);
    only.onlyFields({"b", "s"});
    EXPECT_EQ(only.error(), "x?: unknown field");  // control characters are not echoed
}

TEST(JsonFields, DumpsCompactAndNeverThrowsOnBadUtf8) {
    Json json;
    json["a"] = 1;
    json["b"] = std::string("\xff");
    EXPECT_EQ(dumpCompact(json), "{\"a\":1,\"b\":\"\xEF\xBF\xBD\"}");
    EXPECT_EQ(printableKey(std::string(70, 'k')), std::string(64, 'k') + "...");
}

}  // namespace
}  // namespace sekimori::protocol
