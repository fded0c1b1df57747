#include "protocol/reason_codes.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace sekimori::protocol {
namespace {

std::string readDoc(const char* relative) {
    std::ifstream in(std::string(SEKIMORI_SOURCE_DIR) + "/" + relative);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The codes of the table under "### Reason codes" in docs/mqtt.md: rows "| `code` | ...".
std::set<std::string> documentedCodes() {
    const std::string doc = readDoc("docs/mqtt.md");
    const auto start = doc.find("### Reason codes");
    const auto end = doc.find("\n#", start + 1);
    EXPECT_NE(start, std::string::npos) << "docs/mqtt.md has no Reason codes section";
    const std::string section = doc.substr(start, end - start);
    std::set<std::string> codes;
    const std::regex row(R"(\n\| `([a-z_]+)` \|)");
    for (std::sregex_iterator it(section.begin(), section.end(), row), last; it != last; ++it) {
        codes.insert((*it)[1].str());
    }
    return codes;
}

TEST(ReasonCodes, DocsListExactlyTheTable) {
    std::set<std::string> inCode;
    for (const auto& row : reasonCodes()) {
        EXPECT_TRUE(inCode.insert(std::string(row.code)).second) << "twice: " << row.code;
    }
    EXPECT_EQ(documentedCodes(), inCode);
}

TEST(ReasonCodes, EveryRowHasWordsForOperatorsAndPanels) {
    EXPECT_EQ(reasonCodes().front().code, reason::granted);
    for (const auto& row : reasonCodes()) {
        EXPECT_FALSE(row.operatorText.empty()) << row.code;
        EXPECT_FALSE(row.panelText.empty()) << row.code;
        EXPECT_EQ(describeReason(row.code), row.operatorText);
    }
}

TEST(ReasonCodes, LookupKnowsTheConstantsAndNothingElse) {
    for (auto code :
         {reason::granted, reason::unknownCard, reason::revoked, reason::wrongPin,
          reason::fingerMismatch, reason::outsideSchedule, reason::noAccess, reason::timeout,
          reason::factorOutOfOrder, reason::storeUnavailable, reason::controllerError}) {
        EXPECT_TRUE(isReasonCode(code)) << code;
        ASSERT_NE(findReasonCode(code), nullptr);
        EXPECT_EQ(findReasonCode(code)->code, code);
    }
    EXPECT_FALSE(isReasonCode("maybe"));
    EXPECT_FALSE(isReasonCode(""));
    EXPECT_FALSE(isReasonCode("Granted"));
    EXPECT_EQ(findReasonCode("maybe"), nullptr);
    EXPECT_EQ(describeReason("maybe"), "Unknown reason.");
}

}  // namespace
}  // namespace sekimori::protocol
