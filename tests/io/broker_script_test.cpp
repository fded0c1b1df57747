// scripts/broker init: what it writes, with which modes, and that re-running keeps passwords.
// Whether the ACL holds is tested against the running broker in paho_mqtt_link_test.cpp.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

class BrokerScriptTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "sekimori-broker-init-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    int init(const std::string& args) {
        const std::string command = std::string(SEKIMORI_SOURCE_DIR) + "/scripts/broker init " +
                                    dir_.string() + " " + args + " >/dev/null 2>&1";
        return std::system(command.c_str());
    }
    std::string read(const fs::path& relative) {
        std::ifstream in(dir_ / relative);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    unsigned mode(const fs::path& relative) {
        struct stat info {};
        EXPECT_EQ(stat((dir_ / relative).c_str(), &info), 0) << relative;
        return info.st_mode & 0777u;
    }

    fs::path dir_;
};

TEST_F(BrokerScriptTest, WritesConfigAccountsAndAcl) {
    ASSERT_EQ(init("--port 18999 --site s1 --panels 'p-a p-b' --services 'sim-driver'"), 0);
    const std::string conf = read("broker/mosquitto.conf");
    for (const std::string& line : std::vector<std::string>{
             "listener 18999 127.0.0.1", "allow_anonymous false", "set_tcp_nodelay true",
             "persistence true", "password_file " + (dir_ / "broker/passwd").string(),
             "acl_file " + (dir_ / "broker/acl").string()}) {
        EXPECT_NE(conf.find(line + "\n"), std::string::npos) << line;
    }
    for (const char* account : {"sekimorid", "sim-driver", "p-a", "p-b"}) {
        const fs::path secret = fs::path("secrets/mqtt") / (std::string(account) + ".password");
        EXPECT_EQ(mode(secret), 0600u) << account;
        EXPECT_EQ(read(secret).size(), 48u) << account;
        EXPECT_NE(read("broker/passwd").find(std::string(account) + ":$"), std::string::npos);
        // Hashed, never the plain password.
        EXPECT_EQ(read("broker/passwd").find(read(secret)), std::string::npos);
    }
    const std::string acl = read("broker/acl");
    EXPECT_NE(acl.find("user sekimorid\ntopic readwrite sekimori/s1/#\n"), std::string::npos);
    EXPECT_NE(acl.find("user p-a\n"
                       "topic write sekimori/s1/panel/p-a/request\n"
                       "topic write sekimori/s1/panel/p-a/event\n"
                       "topic write sekimori/s1/panel/p-a/status\n"
                       "topic read sekimori/s1/panel/p-a/reply\n"
                       "topic read sekimori/s1/audit/checkpoint\n"),
              std::string::npos)
        << acl;
    EXPECT_EQ(acl.find("readwrite sekimori/s1/panel"), std::string::npos);
    EXPECT_EQ(mode("broker/passwd"), 0600u);
    EXPECT_EQ(mode("secrets/mqtt"), 0700u);
}

TEST_F(BrokerScriptTest, RerunningKeepsPasswordsAndAddsNewAccounts) {
    ASSERT_EQ(init("--port 18999 --site s1 --panels 'p-a'"), 0);
    const std::string before = read("secrets/mqtt/p-a.password");
    ASSERT_EQ(init("--port 18999 --site s1 --panels 'p-a p-c'"), 0);
    EXPECT_EQ(read("secrets/mqtt/p-a.password"), before);
    EXPECT_EQ(read("secrets/mqtt/p-c.password").size(), 48u);
    EXPECT_NE(read("secrets/mqtt/p-c.password"), before);
}

TEST_F(BrokerScriptTest, RejectsBadArguments) {
    EXPECT_NE(init("--port 0 --site s1"), 0);
    EXPECT_NE(init("--port 18999 --site 'S 1'"), 0);
    EXPECT_NE(init("--port 18999 --site s1 --panels 'p-a ../etc'"), 0);
    EXPECT_NE(init("--port 18999 --site s1 --panels 'p-a p-a'"), 0);
    EXPECT_NE(init("--port 18999 --site s1 --colour blue"), 0);
    EXPECT_FALSE(fs::exists(dir_ / "broker/mosquitto.conf"));
}

}  // namespace
