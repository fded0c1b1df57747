#include "io/nut/nut_protocol.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace sekimori::io::nut {
namespace {

// Feeds every line; the first error, or nothing.
core::Result<void> feedAll(ListVarReader& reader, const std::vector<std::string>& lines) {
    for (const auto& line : lines) {
        if (auto r = reader.feed(line); !r) {
            return r;
        }
    }
    return {};
}

TEST(NutProtocol, AListVarReplyIsReadWholeWithUpsdsEscapes) {
    ListVarReader reader("ups1");
    ASSERT_TRUE(feedAll(reader, {
                                    "BEGIN LIST VAR ups1",
                                    R"(VAR ups1 battery.charge "100")",
                                    R"(VAR ups1 ups.status "OB LB")",
                                    R"(VAR ups1 ups.mfr "Acme \"Power\" C:\\dir")",
                                    R"(VAR ups1 input.transfer.reason "")",
                                }));
    EXPECT_FALSE(reader.done());
    ASSERT_TRUE(reader.feed("END LIST VAR ups1"));
    EXPECT_TRUE(reader.done());
    const auto vars = reader.takeVars();
    ASSERT_EQ(vars.size(), 4U);
    EXPECT_EQ(vars.at("battery.charge"), "100");
    EXPECT_EQ(vars.at("ups.status"), "OB LB");
    EXPECT_EQ(vars.at("ups.mfr"), R"(Acme "Power" C:\dir)");
    EXPECT_EQ(vars.at("input.transfer.reason"), "");
}

TEST(NutProtocol, AnErrReplyInsteadOfTheListIsUpsdsErrorWithItsCode) {
    ListVarReader reader("ups1");
    const auto r = reader.feed("ERR DATA-STALE");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "nut.upsd_error");
    EXPECT_NE(r.error().message.find("ERR DATA-STALE"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("stale"), std::string::npos);
    EXPECT_FALSE(reader.done());

    const auto err = parseErr("ERR UNKNOWN-UPS");
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, "UNKNOWN-UPS");
    EXPECT_EQ(err->extra, "");
    const auto withExtra = parseErr("ERR INVALID-ARGUMENT  something more");
    ASSERT_TRUE(withExtra);
    EXPECT_EQ(withExtra->code, "INVALID-ARGUMENT");
    EXPECT_EQ(withExtra->extra, "something more");
    ASSERT_TRUE(parseErr("ERR"));
    EXPECT_EQ(parseErr("ERR")->code, "");
    EXPECT_FALSE(parseErr("ERROR DATA-STALE"));
    EXPECT_FALSE(parseErr("OK"));
    EXPECT_EQ(describeErr("ACCESS-DENIED"), "the user may not do that, or the password is wrong");
    EXPECT_EQ(describeErr("NEW-IN-NUT-3"), "an error code this client does not know");
}

struct MalformedCase {
    const char* what;
    std::vector<std::string> lines;
    const char* code;
    const char* says;  // part of the message
};

void PrintTo(const MalformedCase& c, std::ostream* os) {
    *os << c.what;
}

class NutMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(NutMalformed, IsRefusedWithAClearMessage) {
    const auto& c = GetParam();
    ListVarReader reader("ups1", 3);
    const auto r = feedAll(reader, c.lines);
    ASSERT_FALSE(r) << c.what;
    EXPECT_EQ(r.error().code, c.code) << c.what << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos)
        << c.what << ": " << r.error().message;
    EXPECT_TRUE(reader.vars().empty()) << "nothing half-read is kept";
    EXPECT_FALSE(reader.feed("END LIST VAR ups1")) << "a failed reader stays failed";
}

const std::string kBegin = "BEGIN LIST VAR ups1";

INSTANTIATE_TEST_SUITE_P(
    Replies, NutMalformed,
    ::testing::Values(
        MalformedCase{"a VAR before BEGIN",
                      {R"(VAR ups1 a "1")"},
                      "nut.malformed",
                      "expected 'BEGIN LIST VAR ups1'"},
        MalformedCase{"the list of another UPS",
                      {"BEGIN LIST VAR ups2"},
                      "nut.malformed",
                      "got 'BEGIN LIST VAR ups2'"},
        MalformedCase{"a VAR of another UPS",
                      {kBegin, R"(VAR ups2 battery.charge "1")"},
                      "nut.malformed",
                      "expected 'VAR ups1 <name>"},
        MalformedCase{"an unquoted value",
                      {kBegin, "VAR ups1 battery.charge 100"},
                      "nut.malformed",
                      "expected 'VAR ups1"},
        MalformedCase{"a missing value",
                      {kBegin, "VAR ups1 battery.charge"},
                      "nut.malformed",
                      "expected 'VAR ups1"},
        MalformedCase{"a word too many",
                      {kBegin, R"(VAR ups1 battery.charge "1" "2")"},
                      "nut.malformed",
                      "expected 'VAR ups1"},
        MalformedCase{"a quoted name",
                      {kBegin, R"(VAR ups1 "battery charge" "1")"},
                      "nut.malformed",
                      "expected 'VAR ups1"},
        MalformedCase{"a name upsd never sends",
                      {kBegin, R"(VAR ups1 bat/charge "1")"},
                      "nut.malformed",
                      "expected 'VAR ups1"},
        MalformedCase{"an unterminated quote",
                      {kBegin, R"(VAR ups1 battery.charge "100)"},
                      "nut.malformed",
                      "unterminated quote"},
        MalformedCase{"a backslash at the end",
                      {kBegin, R"(VAR ups1 battery.charge "1\)"},
                      "nut.malformed",
                      "backslash ends"},
        MalformedCase{"a quote inside a word",
                      {kBegin, R"(VAR ups1 bat"tery "1")"},
                      "nut.malformed",
                      "quote inside a word"},
        MalformedCase{"no space after a quoted word",
                      {kBegin, R"(VAR ups1 a "1"x)"},
                      "nut.malformed",
                      "no space after a quoted word"},
        MalformedCase{"a control character",
                      {kBegin, std::string("VAR ups1 a \"1\x01\"")},
                      "nut.malformed",
                      "control character in the reply line 'VAR ups1 a \"1\\x01\"'"},
        MalformedCase{"a NUL byte",
                      {kBegin, std::string("VAR ups1 a \"1\0\"", 14)},
                      "nut.malformed",
                      "control character"},
        MalformedCase{"an empty line", {kBegin, ""}, "nut.malformed", "empty reply line"},
        MalformedCase{"an ERR inside the list",
                      {kBegin, "ERR DATA-STALE"},
                      "nut.malformed",
                      "expected 'VAR ups1"},
        MalformedCase{"a variable twice",
                      {kBegin, R"(VAR ups1 a "1")", R"(VAR ups1 a "2")"},
                      "nut.malformed",
                      "the variable a twice"},
        MalformedCase{"more variables than the limit",
                      {kBegin, R"(VAR ups1 a "1")", R"(VAR ups1 b "2")", R"(VAR ups1 c "3")",
                       R"(VAR ups1 d "4")"},
                      "nut.too_many",
                      "more than 3 variables"},
        MalformedCase{"a line longer than the limit",
                      {kBegin, "VAR ups1 a \"" + std::string(kMaxLineBytes, 'x') + "\""},
                      "nut.too_long",
                      "bytes (at most 1024)"},
        MalformedCase{"a line after END",
                      {kBegin, "END LIST VAR ups1", R"(VAR ups1 a "1")"},
                      "nut.malformed",
                      "after the end of the LIST VAR reply"}));

TEST(NutProtocol, ALineAtTheLengthLimitIsStillRead) {
    const std::string value(kMaxLineBytes - std::string(R"(VAR ups1 a "")").size(), 'v');
    const std::string line = "VAR ups1 a \"" + value + "\"";
    ASSERT_EQ(line.size(), kMaxLineBytes);
    ListVarReader reader("ups1");
    ASSERT_TRUE(feedAll(reader, {kBegin, line, "END LIST VAR ups1"}));
    EXPECT_EQ(reader.vars().at("a"), value);
}

TEST(NutProtocol, WordsSplitOnSpacesWithQuotesAndBackslashesAsNutsOwnClientReadsThem) {
    const auto words = splitLine(R"(VAR  ups1	x "a b" c\ d "" "\\\"")");
    ASSERT_TRUE(words) << words.error().message;
    ASSERT_EQ(words->size(), 7U);
    EXPECT_EQ((*words)[1].text, "ups1");
    EXPECT_EQ((*words)[2].text, "x");
    EXPECT_FALSE((*words)[2].quoted);
    EXPECT_EQ((*words)[3].text, "a b");
    EXPECT_TRUE((*words)[3].quoted);
    EXPECT_EQ((*words)[4].text, "c d");
    EXPECT_EQ((*words)[5].text, "");
    EXPECT_TRUE((*words)[5].quoted);
    EXPECT_EQ((*words)[6].text, R"(\")");
    // A CRLF line end from a peer that is not upsd is tolerated at the end only.
    ASSERT_TRUE(splitLine("OK\r"));
    EXPECT_EQ(splitLine("OK\r")->front().text, "OK");
    EXPECT_FALSE(splitLine("O\rK"));
    EXPECT_FALSE(splitLine("\"OK\r\""));
}

TEST(NutProtocol, GetVarAndOkReplies) {
    auto value = parseGetVar(R"(VAR ups1 ups.status "OL CHRG")", "ups1", "ups.status");
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_EQ(*value, "OL CHRG");
    const auto other = parseGetVar(R"(VAR ups1 battery.charge "9")", "ups1", "ups.status");
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, "nut.malformed");
    const auto err = parseGetVar("ERR VAR-NOT-SUPPORTED", "ups1", "ups.status");
    ASSERT_FALSE(err);
    EXPECT_EQ(err.error().code, "nut.upsd_error");
    EXPECT_NE(err.error().message.find("VAR-NOT-SUPPORTED"), std::string::npos);

    EXPECT_TRUE(parseOk("OK"));
    EXPECT_TRUE(parseOk("OK Goodbye"));
    EXPECT_FALSE(parseOk("OKAY"));
    EXPECT_FALSE(parseOk(""));
    const auto denied = parseOk("ERR ACCESS-DENIED");
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().code, "nut.upsd_error");
    EXPECT_NE(denied.error().message.find("ERR ACCESS-DENIED"), std::string::npos);
}

TEST(NutProtocol, ArgumentsAreQuotedAndNamesChecked) {
    EXPECT_EQ(*quoteArgument(R"(pa"ss\word)"), R"("pa\"ss\\word")");
    EXPECT_EQ(*quoteArgument("with space"), "\"with space\"");
    const auto newline = quoteArgument("pw\nINSTCMD ups1 load.off");
    ASSERT_FALSE(newline);
    EXPECT_EQ(newline.error().code, "nut.bad_argument");
    EXPECT_EQ(newline.error().message.find("INSTCMD"), std::string::npos)
        << "the argument itself is never echoed";
    EXPECT_FALSE(quoteArgument(std::string(kMaxLineBytes, 'x')));

    EXPECT_TRUE(isValidName("ups1"));
    EXPECT_TRUE(isValidName("test.battery.start.quick"));
    EXPECT_TRUE(isValidName("UPS_A-2"));
    EXPECT_FALSE(isValidName(""));
    EXPECT_FALSE(isValidName("ups 1"));
    EXPECT_FALSE(isValidName("ups1\n"));
    EXPECT_FALSE(isValidName(std::string(65, 'a')));
}

}  // namespace
}  // namespace sekimori::io::nut
