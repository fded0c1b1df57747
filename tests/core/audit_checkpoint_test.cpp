#include "core/audit_checkpoint.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "audit_test_support.hpp"

using namespace sekimori::core;
using sekimori::core::testing::sampleEvent;
using sekimori::core::testing::TempDir;

namespace {

std::vector<std::string> lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

}  // namespace

TEST(AuditCheckpoint, EncodingMatchesGoldenVector) {
    auto head = fromHex("905f1d00a538994b2efb77a29a68e93e2e8d99c17d53271f68a4e938d00567e1");
    ASSERT_TRUE(head);
    Hash h{};
    std::copy(head->begin(), head->end(), h.begin());
    EXPECT_EQ(toHex(encodeCheckpoint(2, h, 1'700'000'001'000'000)),
              "0000001c73656b696d6f72692e61756469742e636865636b706f696e742e7631"
              "0000000000000002"
              "905f1d00a538994b2efb77a29a68e93e2e8d99c17d53271f68a4e938d00567e1"
              "00060a24182d8240");
}

TEST(AuditCheckpoint, KeyFilesAreCreatedPrivateAndSignaturesVerify) {
    TempDir dir;
    const std::string keyPath = dir.file("keys/audit-signing.key");
    auto signer = AuditSigner::loadOrCreate(keyPath);
    ASSERT_TRUE(signer) << signer.error().message;
    struct stat st {};
    ASSERT_EQ(::stat(keyPath.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(st.st_size, 64);
    auto pub = readPublicKeyFile(dir.file("keys/audit-signing.pub"));
    ASSERT_TRUE(pub) << pub.error().message;
    EXPECT_EQ(*pub, signer->publicKey());

    Hash head = sha256("head");
    Checkpoint c = signer->sign(42, head, 123456);
    EXPECT_TRUE(verifyCheckpointSignature(c, *pub));
    auto parsed = checkpointFromJson(checkpointToJson(c));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_TRUE(verifyCheckpointSignature(*parsed, *pub));

    Checkpoint size = c;
    size.treeSize = 43;
    Checkpoint time = c;
    time.timeUs += 1;
    Checkpoint hash = c;
    hash.headHash[31] ^= 1;
    EXPECT_FALSE(verifyCheckpointSignature(size, *pub));
    EXPECT_FALSE(verifyCheckpointSignature(time, *pub));
    EXPECT_FALSE(verifyCheckpointSignature(hash, *pub));

    // Loading again gives the same key.
    auto again = AuditSigner::loadOrCreate(keyPath);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->publicKey(), signer->publicKey());
}

TEST(AuditCheckpoint, KeyReadableByOthersIsRefused) {
    TempDir dir;
    const std::string keyPath = dir.file("audit-signing.key");
    ASSERT_TRUE(AuditSigner::loadOrCreate(keyPath));
    ASSERT_EQ(::chmod(keyPath.c_str(), 0644), 0);
    auto refused = AuditSigner::loadOrCreate(keyPath);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "crypto.key_permissions");
    auto alsoRefused = AuditSigner::load(keyPath);
    ASSERT_FALSE(alsoRefused);
}

TEST(AuditCheckpoint, CorruptKeyIsRefused) {
    TempDir dir;
    const std::string keyPath = dir.file("audit-signing.key");
    ASSERT_TRUE(AuditSigner::loadOrCreate(keyPath));
    {
        std::fstream f(keyPath, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(40);
        f.put('\x5a');
    }
    auto refused = AuditSigner::load(keyPath);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "audit.key_corrupt");
}

TEST(AuditCheckpoint, MalformedJsonIsAnError) {
    EXPECT_FALSE(checkpointFromJson("not json"));
    EXPECT_FALSE(checkpointFromJson(R"({"tree_size":1})"));
    EXPECT_FALSE(
        checkpointFromJson(R"({"tree_size":1,"head_hash":"00","time_us":1,"signature":"00"})"));
}

TEST(AuditCheckpoint, WriteCheckpointStoresRowAndFsyncedLine) {
    TempDir dir;
    auto db = Database::open(dir.file("a.db"));
    ASSERT_TRUE(db);
    auto signer = AuditSigner::loadOrCreate(dir.file("audit-signing.key"));
    ASSERT_TRUE(signer);
    auto stored = appendEvents(**db, {sampleEvent(1, 10), sampleEvent(2, 11)});
    ASSERT_TRUE(stored);
    const std::string file = defaultCheckpointFile(dir.file("a.db"));
    auto c = writeCheckpoint(**db, *signer, 500, file);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->treeSize, 2u);
    EXPECT_EQ(c->headHash, stored->back().hash);
    auto fileLines = lines(file);
    ASSERT_EQ(fileLines.size(), 1u);
    EXPECT_EQ(fileLines[0], checkpointToJson(*c));

    // A heartbeat of the same size replaces the row with the newer one; the file keeps both.
    ASSERT_TRUE(writeCheckpoint(**db, *signer, 900, file));
    auto row = (*db)->prepare("SELECT count(*), max(time_us) FROM audit_checkpoints");
    ASSERT_TRUE(row);
    ASSERT_TRUE(row->step());
    EXPECT_EQ(row->columnInt(0), 1);
    EXPECT_EQ(row->columnInt(1), 900);
    EXPECT_EQ(lines(file).size(), 2u);
}

TEST(AuditCheckpoint, CliSignsOnlyWhenItCanReadTheKey) {
    TempDir dir;
    auto db = Database::open(dir.file("a.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(appendEvents(**db, {sampleEvent(1, 10)}));
    auto none = checkpointIfKeyReadable(**db, dir.file("absent.key"), 20, dir.file("a.cp"));
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    ASSERT_TRUE(AuditSigner::loadOrCreate(dir.file("audit-signing.key")));
    auto some = checkpointIfKeyReadable(**db, dir.file("audit-signing.key"), 20, dir.file("a.cp"));
    ASSERT_TRUE(some) << some.error().message;
    ASSERT_TRUE(some->has_value());
    EXPECT_EQ((*some)->treeSize, 1u);
}

TEST(AuditCheckpoint, UnwritableCheckpointFileIsAnError) {
    TempDir dir;
    auto db = Database::open(dir.file("a.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(appendEvents(**db, {sampleEvent(1, 10)}));
    auto signer = AuditSigner::loadOrCreate(dir.file("audit-signing.key"));
    ASSERT_TRUE(signer);
    auto r = writeCheckpoint(**db, *signer, 5, dir.file("no/such/dir/a.cp"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "audit.checkpoint_file");
}
