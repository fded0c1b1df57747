#include "io/mqtt_password_file.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace sekimori::io {
namespace {

namespace fs = std::filesystem;

class MqttPasswordFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("sekimori-pw-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const std::string& account, const std::string& content, fs::perms perms) {
        const auto path = mqttPasswordPath(dir_, account);
        std::ofstream(path) << content;
        fs::permissions(path, perms);
        return path;
    }

    fs::path dir_;
};

TEST_F(MqttPasswordFileTest, ReadsTheFirstLineOfA0600File) {
    const auto path =
        write("sekimorid", "s3cret-value\n", fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(path.filename(), "sekimorid.password");
    auto password = readMqttPasswordFile(path);
    ASSERT_TRUE(password) << password.error().message;
    EXPECT_EQ(*password, "s3cret-value");
}

TEST_F(MqttPasswordFileTest, RefusesAFileOthersCanReadWithoutQuotingIt) {
    const auto path = write("p-a", "s3cret-value\n",
                            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    auto password = readMqttPasswordFile(path);
    ASSERT_FALSE(password);
    EXPECT_NE(password.error().message.find("0600"), std::string::npos);
    EXPECT_EQ(password.error().message.find("s3cret"), std::string::npos);
}

TEST_F(MqttPasswordFileTest, NamesAMissingOrEmptyFile) {
    auto missing = readMqttPasswordFile(dir_ / "nobody.password");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("nobody.password"), std::string::npos);
    const auto empty = write("p-b", "", fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_FALSE(readMqttPasswordFile(empty));
}

}  // namespace
}  // namespace sekimori::io
