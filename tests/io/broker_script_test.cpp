// scripts/broker init: what it writes, with which modes, and that re-running keeps passwords,
// the site CA and the panels' certificates. Whether the ACL and the TLS listener hold is tested
// against the running broker in broker_hardening_test.cpp and paho_mqtt_link_test.cpp.
#include <gtest/gtest.h>
#include <stdio.h>
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

    // Runs a command, returns its stdout.
    static std::string output(const std::string& command) {
        std::string text;
        if (FILE* pipe = popen(command.c_str(), "r")) {
            char buffer[512];
            while (const std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) {
                text.append(buffer, n);
            }
            pclose(pipe);
        }
        return text;
    }
    std::string certificate(const fs::path& relative, const std::string& what) {
        return output("openssl x509 -noout " + what + " -in '" + (dir_ / relative).string() +
                      "' 2>&1");
    }

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
             "acl_file " + (dir_ / "broker/acl").string(), "use_username_as_clientid true",
             "message_size_limit 262144", "max_queued_messages 100000",
             "max_queued_bytes 67108864"}) {
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
                       "topic write sekimori/s1/panel/p-a/ack\n"
                       "topic read sekimori/s1/panel/p-a/reply\n"
                       "topic read sekimori/s1/panel/p-a/link\n"
                       "topic read sekimori/s1/panel/p-a/command\n"
                       "topic read sekimori/s1/audit/checkpoint\n"),
              std::string::npos)
        << acl;
    EXPECT_NE(acl.find("user sim-driver\n"
                       "topic read sekimori/s1/panel/+/status\n"
                       "topic read sekimori/s1/audit/checkpoint\n"
                       "topic read sekimori/s1/audit/witness/+/state\n"
                       "topic read sekimori/s1/hub/+/state\n"
                       "topic read sekimori/s1/error\n"),
              std::string::npos)
        << acl;
    EXPECT_EQ(acl.find("readwrite sekimori/s1/panel"), std::string::npos);
    EXPECT_EQ(acl.find("topic write sekimori/s1/#"), std::string::npos);
    // No TLS listener was asked for: none is written, no key made.
    EXPECT_EQ(conf.find("require_certificate"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir_ / "secrets/mqtt-ca"));
    EXPECT_EQ(mode("broker/passwd"), 0600u);
    EXPECT_EQ(mode("secrets/mqtt"), 0700u);
}

TEST_F(BrokerScriptTest, TlsListenerWithASiteCaAndACertificatePerPanelAndWitness) {
    ASSERT_EQ(init("--port 18999 --tls-port 18998 --site s1 --panels 'p-a p-b' --witnesses w1 "
                   "--services 'sekimorid bench'"),
              0);
    const std::string conf = read("broker/mosquitto.conf");
    const auto tls = conf.find("listener 18998 127.0.0.1\n");
    ASSERT_NE(tls, std::string::npos) << conf;
    // Per listener in mosquitto 2.0.11: each of these must follow the TLS listener line.
    for (const std::string& line : std::vector<std::string>{
             "use_username_as_clientid true", "require_certificate true",
             "use_identity_as_username true",
             "cafile " + (dir_ / "secrets/mqtt-ca/ca.crt").string(),
             "certfile " + (dir_ / "secrets/mqtt-broker/server.crt").string(),
             "keyfile " + (dir_ / "secrets/mqtt-broker/server.key").string()}) {
        EXPECT_NE(conf.find(line + "\n", tls), std::string::npos) << line;
    }
    EXPECT_EQ(mode("secrets/mqtt-ca"), 0700u);
    EXPECT_EQ(mode("secrets/mqtt-ca/ca.key"), 0600u);
    EXPECT_EQ(mode("secrets/mqtt-broker/server.key"), 0600u);
    EXPECT_EQ(read("secrets/mqtt/ca.crt"), read("secrets/mqtt-ca/ca.crt"));
    for (const char* account : {"p-a", "p-b", "w1"}) {
        const fs::path cert = fs::path("secrets/mqtt") / (std::string(account) + ".crt");
        EXPECT_EQ(mode(fs::path("secrets/mqtt") / (std::string(account) + ".key")), 0600u);
        // CN = the account: the broker's user name for this certificate.
        EXPECT_NE(certificate(cert, "-subject").find("CN = " + std::string(account) + "\n"),
                  std::string::npos)
            << certificate(cert, "-subject");
        EXPECT_NE(certificate(cert, "-ext extendedKeyUsage").find("Client Authentication"),
                  std::string::npos);
        EXPECT_EQ(output("openssl verify -CAfile '" + (dir_ / "secrets/mqtt-ca/ca.crt").string() +
                         "' '" + (dir_ / cert).string() + "'"),
                  (dir_ / cert).string() + ": OK\n");
    }
    // Services connect with passwords only.
    EXPECT_FALSE(fs::exists(dir_ / "secrets/mqtt/bench.crt"));
    EXPECT_NE(certificate("secrets/mqtt-broker/server.crt", "-ext subjectAltName")
                  .find("IP Address:127.0.0.1"),
              std::string::npos);

    const std::string acl = read("broker/acl");
    EXPECT_NE(acl.find("user w1\n"
                       "topic read sekimori/s1/audit/witness/w1/submit\n"
                       "topic read sekimori/s1/audit/checkpoint\n"
                       "topic write sekimori/s1/audit/witness/w1/cosigned\n"
                       "topic write sekimori/s1/audit/witness/w1/state\n"),
              std::string::npos)
        << acl;
    EXPECT_NE(acl.find("user bench\n"
                       "topic write sekimori/s1/bench/ping\n"
                       "topic read sekimori/s1/bench/pong\n"),
              std::string::npos)
        << acl;
}

TEST_F(BrokerScriptTest, RerunningKeepsTheCaAndEveryCertificate) {
    ASSERT_EQ(init("--port 18999 --tls-port 18998 --site s1 --panels 'p-a'"), 0);
    const std::string ca = read("secrets/mqtt-ca/ca.crt");
    const std::string cert = read("secrets/mqtt/p-a.crt");
    const std::string key = read("secrets/mqtt/p-a.key");
    ASSERT_EQ(init("--port 18999 --tls-port 18998 --site s1 --panels 'p-a p-c'"), 0);
    EXPECT_EQ(read("secrets/mqtt-ca/ca.crt"), ca);
    EXPECT_EQ(read("secrets/mqtt/p-a.crt"), cert);
    EXPECT_EQ(read("secrets/mqtt/p-a.key"), key);
    EXPECT_NE(certificate("secrets/mqtt/p-c.crt", "-subject").find("CN = p-c"), std::string::npos);
    // A certificate that is not p-a's (here the broker's) is replaced, with a new key.
    fs::copy_file(dir_ / "secrets/mqtt-broker/server.crt", dir_ / "secrets/mqtt/p-a.crt",
                  fs::copy_options::overwrite_existing);
    ASSERT_EQ(init("--port 18999 --tls-port 18998 --site s1 --panels 'p-a p-c'"), 0);
    EXPECT_NE(certificate("secrets/mqtt/p-a.crt", "-subject").find("CN = p-a"), std::string::npos);
    EXPECT_NE(read("secrets/mqtt/p-a.key"), key);
}

TEST_F(BrokerScriptTest, CaKeyKeptOfflineIsNeededOnlyToIssue) {
    ASSERT_EQ(init("--port 18999 --tls-port 18998 --site s1 --panels 'p-a'"), 0);
    const std::string ca = read("secrets/mqtt-ca/ca.crt");
    const std::string server = read("secrets/mqtt-broker/server.crt");
    fs::rename(dir_ / "secrets/mqtt-ca/ca.key", dir_ / "ca.key.offline");
    // Nothing to issue: init goes on, and keeps every certificate.
    ASSERT_EQ(init("--port 18999 --tls-port 18998 --site s1 --panels 'p-a'"), 0);
    EXPECT_EQ(read("secrets/mqtt-broker/server.crt"), server);
    // A new panel needs the key: init stops, and above all makes no new CA.
    EXPECT_NE(init("--port 18999 --tls-port 18998 --site s1 --panels 'p-a p-b'"), 0);
    EXPECT_EQ(read("secrets/mqtt-ca/ca.crt"), ca);
    EXPECT_FALSE(fs::exists(dir_ / "secrets/mqtt-ca/ca.key"));
    EXPECT_FALSE(fs::exists(dir_ / "secrets/mqtt/p-b.crt"));
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
    EXPECT_NE(init("--port 18999 --tls-port 18999 --site s1"), 0);
    EXPECT_NE(init("--port 18999 --tls-port 70000 --site s1"), 0);
    EXPECT_NE(init("--port 18999 --site s1 --panels 'p-a' --witnesses 'p-a'"), 0);
    EXPECT_NE(init("--port 18999 --site s1 --witnesses 'W1'"), 0);
    EXPECT_FALSE(fs::exists(dir_ / "broker/mosquitto.conf"));
}

}  // namespace
