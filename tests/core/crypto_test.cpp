#include "core/crypto.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

using namespace sekimori::core;

TEST(Crypto, SealedBoxRoundTripsAndRejectsTampering) {
    ASSERT_TRUE(initCrypto());
    const Bytes key = randomBytes(kBoxKeySize);
    Bytes sealed = sealBox(key, "template-bytes");
    auto opened = openBox(key, sealed);
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, "template-bytes");
    sealed[sealed.size() - 1] ^= 1;
    EXPECT_FALSE(openBox(key, sealed));
    EXPECT_FALSE(openBox(key, "short"));
}

TEST(Crypto, KeyedHashDependsOnKey) {
    ASSERT_TRUE(initCrypto());
    const Bytes a = keyedHash(Bytes(32, 'a'), "1234");
    EXPECT_EQ(a.size(), 32u);
    EXPECT_TRUE(constantTimeEqual(a, keyedHash(Bytes(32, 'a'), "1234")));
    EXPECT_FALSE(constantTimeEqual(a, keyedHash(Bytes(32, 'b'), "1234")));
    EXPECT_FALSE(constantTimeEqual(a, keyedHash(Bytes(32, 'a'), "1235")));
}

TEST(Crypto, PasswordHashVerifies) {
    ASSERT_TRUE(initCrypto());
    auto hash = hashPassword("correct horse");
    ASSERT_TRUE(hash);
    EXPECT_TRUE(verifyPassword(*hash, "correct horse"));
    EXPECT_FALSE(verifyPassword(*hash, "correct hors"));
}

TEST(Crypto, KeyFileIsCreatedPrivateAndReloaded) {
    ASSERT_TRUE(initCrypto());
    const auto dir = std::filesystem::temp_directory_path() / ("seki-key-" + randomToken(6));
    const std::string path = (dir / "keys" / "pepper.key").string();
    auto created = loadOrCreateKeyFile(path, 32);
    ASSERT_TRUE(created) << created.error().message;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto again = loadOrCreateKeyFile(path, 32);
    ASSERT_TRUE(again);
    EXPECT_EQ(*created, *again);
    ::chmod(path.c_str(), 0644);
    EXPECT_FALSE(loadKeyFile(path, 32));
    std::filesystem::remove_all(dir);
}

TEST(Crypto, HexAndBase64RoundTrip) {
    const Bytes raw("\x00\x01\xfe\xff", 4);
    EXPECT_EQ(toHex(raw), "0001feff");
    EXPECT_EQ(*fromHex("0001feff"), raw);
    EXPECT_FALSE(fromHex("0g"));
    EXPECT_EQ(*fromBase64(toBase64(raw)), raw);
    EXPECT_FALSE(fromBase64("!!!"));
}
