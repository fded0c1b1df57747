// The report-signing key: made once with mode 0600, read back the same, refused when others may
// read it; a signature openssl itself verifies (`openssl pkeyutl -verify -rawin`).
#include "core/report_signer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sekimori::core {
namespace {

namespace fs = std::filesystem;

class ReportSignerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("reports-signer-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    void write(const fs::path& p, const std::string& bytes) {
        std::ofstream(p, std::ios::binary) << bytes;
    }
    fs::path dir_;
};

TEST_F(ReportSignerTest, MadeOnceWithMode0600AndReadBack) {
    const std::string path = (dir_ / "keys" / "report-signing.key").string();
    bool created = false;
    auto first = ReportSigner::loadOrCreate(path, &created);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_TRUE(created);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(first->publicKeyPem().rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
    EXPECT_EQ(first->fingerprint().size(), 64u);

    auto again = ReportSigner::loadOrCreate(path, &created);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(created);
    EXPECT_EQ(again->publicKeyPem(), first->publicKeyPem());

    auto sig = again->sign("report");
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(sig->size(), 64u);
    EXPECT_TRUE(verifyReportSignature(first->publicKeyPem(), "report", *sig));
    EXPECT_FALSE(verifyReportSignature(first->publicKeyPem(), "report!", *sig));
}

TEST_F(ReportSignerTest, RefusesAKeyOthersCanReadOrThatIsNotEd25519) {
    const fs::path path = dir_ / "report-signing.key";
    ASSERT_TRUE(ReportSigner::loadOrCreate(path.string()).ok());
    ::chmod(path.c_str(), 0644);
    auto open = ReportSigner::loadOrCreate(path.string());
    ASSERT_FALSE(open.ok());
    EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos);

    const fs::path junk = dir_ / "junk.key";
    write(junk, "not a key");
    ::chmod(junk.c_str(), 0600);
    auto bad = ReportSigner::loadOrCreate(junk.string());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("not an Ed25519 private key"), std::string::npos);
}

TEST_F(ReportSignerTest, OpensslVerifiesTheDetachedSignature) {
    auto signer = ReportSigner::loadOrCreate((dir_ / "k.key").string());
    ASSERT_TRUE(signer.ok());
    const std::string html = "<!DOCTYPE html>\n<p>適合 / OK</p>\n";
    auto sig = signer->sign(html);
    ASSERT_TRUE(sig.ok());
    write(dir_ / "r.html", html);
    write(dir_ / "r.html.sig", *sig);
    write(dir_ / "pub.pem", signer->publicKeyPem());
    const std::string cmd = "openssl pkeyutl -verify -pubin -inkey " + (dir_ / "pub.pem").string() +
                            " -rawin -in " + (dir_ / "r.html").string() + " -sigfile " +
                            (dir_ / "r.html.sig").string() + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    write(dir_ / "r.html", html + " ");
    EXPECT_NE(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace sekimori::core
