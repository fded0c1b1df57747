// The message catalogue: merged from several files, refused whole (naming file and key) when a
// key lacks a language, a text is empty, or a key is declared twice; and the shell's own file
// holds a text for every error code the console's routes answer with.
#include "console/message_catalogue.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace sekimori::console {
namespace {

class Catalogue : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("sekimori-catalogue-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path write(const std::string& name, const std::string& text) {
        const auto path = dir_ / name;
        std::ofstream(path) << text;
        return path;
    }
    std::string refusal(const std::string& text) {
        MessageCatalogue c;
        auto r = c.addFile(write("bad.json", text), true);
        EXPECT_FALSE(r.ok()) << text;
        if (r.ok()) {
            return {};
        }
        EXPECT_EQ(r.error().code, "console.bad_catalogue");
        return r.error().message;
    }
    std::filesystem::path dir_;
};

TEST_F(Catalogue, MergesFilesPerLanguage) {
    MessageCatalogue c;
    ASSERT_TRUE(
        c.addFile(write("a.json", R"({"page.x": {"en": "X {n}", "ja": "エックス {n}"}})"), true)
            .ok());
    ASSERT_TRUE(c.addFile(write("b.json", R"({"page.y": {"ja": "ワイ", "en": "Y"}})"), false).ok());
    ASSERT_TRUE(c.addFile(dir_ / "absent.json", false).ok());  // a plugin without one
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(c.messages("en"), (nlohmann::json{{"page.x", "X {n}"}, {"page.y", "Y"}}));
    EXPECT_EQ(c.messages("ja")["page.y"], "ワイ");
    EXPECT_TRUE(c.messages("fr").empty());
    // The route's answer, serialized once: every file's keys in it.
    ASSERT_NE(c.answerText("ja"), nullptr);
    EXPECT_EQ(nlohmann::json::parse(*c.answerText("ja")),
              (nlohmann::json{{"lang", "ja"}, {"messages", c.messages("ja")}}));
    EXPECT_EQ(nlohmann::json::parse(*c.answerText("en"))["messages"]["page.y"], "Y");
    EXPECT_EQ(c.answerText("fr"), nullptr);
    EXPECT_EQ(nlohmann::json::parse(*MessageCatalogue().answerText("en"))["messages"],
              nlohmann::json::object());
}

TEST_F(Catalogue, RefusesBadFilesNamingFileAndKey) {
    EXPECT_NE(refusal(R"({"k.one": {"en": "One"}})").find("'k.one' lacks ja"), std::string::npos);
    EXPECT_NE(refusal(R"({"k.two": {"en": "", "ja": "二"}})").find("'k.two': en must be"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"k.three": {"en": "a", "ja": "b", "fr": "c"}})").find("'k.three'"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"k.four": "text"})").find("'k.four'"), std::string::npos);
    EXPECT_NE(refusal(R"({"k.d": {"en": "a", "ja": "b"}, "k.d": {"en": "c", "ja": "d"}})")
                  .find("'k.d' is declared twice"),
              std::string::npos);
    EXPECT_NE(refusal("[1]").find("must be an object"), std::string::npos);
    EXPECT_NE(refusal("{").find("not valid JSON"), std::string::npos);
    EXPECT_NE(refusal(R"({"k.one": {"en": "One"}})").find("bad.json"), std::string::npos);

    MessageCatalogue c;
    auto missing = c.addFile(dir_ / "none.json", true);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("none.json"), std::string::npos);
}

TEST_F(Catalogue, RefusesAKeyTwoFilesDeclare) {
    MessageCatalogue c;
    ASSERT_TRUE(c.addFile(write("shell.json", R"({"k": {"en": "a", "ja": "b"}})"), true).ok());
    auto r = c.addFile(write("plugin.json", R"({"k": {"en": "c", "ja": "d"}})"), false);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("plugin.json: key 'k' is already declared in"),
              std::string::npos);
    EXPECT_NE(r.error().message.find("shell.json"), std::string::npos);
}

// Every code a console route answers with (docs/openapi.yaml, Error) has its text.
TEST(ShellCatalogue, HasEveryConsoleErrorCode) {
    MessageCatalogue c;
    auto r =
        c.addFile(std::filesystem::path(SEKIMORI_SOURCE_DIR) / "console/web/messages.json", true);
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (const char* code : {"bad_request",
                             "unauthorized",
                             "forbidden",
                             "not_found",
                             "method_not_allowed",
                             "conflict",
                             "payload_too_large",
                             "too_many_requests",
                             "unavailable",
                             "internal",
                             "password_change_required",
                             "unknown_parameter",
                             "bad_limit",
                             "bad_filter",
                             "bad_query",
                             "bad_path",
                             "bad_json",
                             "unknown_field",
                             "bad_language",
                             "origin_refused",
                             "cross_site_refused",
                             "upgrade_required",
                             "bad_credentials",
                             "password_changed",
                             "bad_old_password",
                             "weak_password",
                             "verify_running"}) {
        const std::string key = std::string("error.") + code;
        EXPECT_TRUE(c.messages("en").contains(key)) << key;
        EXPECT_TRUE(c.messages("ja").contains(key)) << key;
    }
}

}  // namespace
}  // namespace sekimori::console
