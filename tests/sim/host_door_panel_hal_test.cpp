#include "sim/host_door_panel_hal.hpp"

#include <unistd.h>

#include <fstream>

#include <filesystem>

#include <gtest/gtest.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sim/fingerprint_model.hpp"

namespace sekimori::sim {
namespace {

// Records publishes; the HAL only ever publishes.
class RecordingLink final : public io::MqttLink {
  public:
    void onMessage(MessageHandler) override {}
    void onConnection(ConnectionHandler) override {}
    void subscribe(const std::string&) override {}
    void unsubscribe(const std::string&) override {}
    void start() override {}
    void stop() override {}
    void publish(const std::string& topic, const std::string& payload, bool retained) override {
        published.push_back({topic, payload, retained});
    }
    bool connected() const override { return true; }
    std::vector<io::MqttMessage> published;
};

class HostDoorPanelHalTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(core::initCrypto()); }

    core::Bytes key = std::string(32, 'k');
    RecordingLink link;
    std::vector<std::string> lines;
    core::Bytes seed = std::string(32, 's');
    HostDoorPanelHal hal{"site-1", "p-1",
                         key,      seed,
                         link,     [this](const std::string& line) { lines.push_back(line); }};
};

TEST_F(HostDoorPanelHalTest, SealsThePinWithThePanelKey) {
    const std::string nonce(32, 'c');
    const std::string box = hal.sealPin(nonce, "4711");
    const auto sealed = core::fromBase64(box);
    ASSERT_TRUE(sealed);
    const auto opened = core::openBox(key, *sealed);
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, nonce + ":4711");  // bound to the challenge it answers
    EXPECT_FALSE(core::openBox(std::string(32, 'x'), *sealed));
    // What the codec accepts as a pin_box.
    const auto parsed = protocol::parsePanelRequest(protocol::encode(
        protocol::PanelRequest{"s",
                               "d",
                               protocol::DoorSide::entry,
                               protocol::PinEntered{box},
                               {std::string(32, 'e'), 1, nonce, std::string(64, 'f')}}));
    EXPECT_TRUE(parsed) << parsed.error;
}

TEST_F(HostDoorPanelHalTest, MacsUnderTheDerivedKeyAndSignsWithThePanelsOwnKey) {
    const core::Bytes macKey = core::keyedHash(key, "sekimori.panel.mac.v1");
    EXPECT_EQ(hal.mac("input"), core::toHex(core::keyedHash(macKey, "input")));
    EXPECT_EQ(hal.mac("input").size(), 64u);
    std::string pk(crypto_sign_PUBLICKEYBYTES, '\0');
    std::string sk(crypto_sign_SECRETKEYBYTES, '\0');
    crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                             reinterpret_cast<unsigned char*>(sk.data()),
                             reinterpret_cast<const unsigned char*>(seed.data()));
    const auto sig = core::fromHex(hal.sign("report"));
    ASSERT_TRUE(sig);
    EXPECT_EQ(crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()),
                                          reinterpret_cast<const unsigned char*>("report"), 6,
                                          reinterpret_cast<const unsigned char*>(pk.data())),
              0);
    EXPECT_NE(hal.freshNonce(), hal.freshNonce());
    EXPECT_EQ(hal.freshNonce().size(), 32u);
}

TEST_F(HostDoorPanelHalTest, MatchesTheLiveFingerAgainstTheSealedTemplate) {
    const std::string templateBox =
        core::toBase64(core::sealBox(key, fingerprintTemplateFromSeed("alice")));
    const auto same = hal.matchFinger(templateBox, fingerprintSampleFromSeed("alice", 3));
    ASSERT_TRUE(same);
    EXPECT_GE(*same, 85);
    const auto other = hal.matchFinger(templateBox, fingerprintSampleFromSeed("mallory", 3));
    ASSERT_TRUE(other);
    EXPECT_LE(*other, 10);
    // Sealed for another panel, or not base64 at all: no score.
    const std::string foreign =
        core::toBase64(core::sealBox(std::string(32, 'x'), fingerprintTemplateFromSeed("alice")));
    EXPECT_EQ(hal.matchFinger(foreign, fingerprintSampleFromSeed("alice", 3)), std::nullopt);
    EXPECT_EQ(hal.matchFinger("%%%", fingerprintSampleFromSeed("alice", 3)), std::nullopt);
}

TEST_F(HostDoorPanelHalTest, PublishesOnThePanelTopicsAndReportsEachOutput) {
    hal.publishRequest(protocol::PanelRequest{
        "s-1", "d", protocol::DoorSide::entry, protocol::CardPresented{"04A1B2C3"}, {}});
    protocol::PanelEvent event{"d", protocol::DoorEventKind::forced, "", 3, ""};
    event.seq = 1;
    event.occurredUs = 5;
    hal.publishEvent(event);
    hal.driveLock(true, 5000);
    hal.display(firmware::Display{firmware::Screen::denied, "wrong_pin", 0});

    ASSERT_EQ(link.published.size(), 2u);
    EXPECT_EQ(link.published[0].topic, "sekimori/site-1/panel/p-1/request");
    EXPECT_EQ(link.published[1].topic, "sekimori/site-1/panel/p-1/event");
    EXPECT_EQ(link.published[1].payload,
              R"({"door":"d","event":"forced","seq":1,"occurred_us":5,"counter":3})");
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(
        lines[1],
        R"({"out":"sent","topic":"sekimori/site-1/panel/p-1/event","payload":{"door":"d","event":"forced","seq":1,"occurred_us":5,"counter":3}})");
    EXPECT_EQ(lines[2], R"({"out":"lock","released":true,"ms":5000})");
    EXPECT_EQ(
        lines[3],
        R"({"out":"display","screen":"denied","text":"Access denied: wrong PIN","reason":"wrong_pin"})");
}

// The offline cache at rest: sealed under the derived cache key (nothing in clear), read back
// whole; a file another key sealed is refused and the panel starts empty, saying why.
TEST_F(HostDoorPanelHalTest, KeepsTheCacheEncryptedAndRefusesAForeignOne) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("sekimori-cache-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    {
        HostDoorPanelHal keeper(
            "site-1", "p-1", key, seed, link,
            [this](const std::string& line) { lines.push_back(line); }, dir / "cache.bin");
        EXPECT_EQ(keeper.loadCache(), std::nullopt);  // none yet
        keeper.storeCache("card 04A1B2C3 person aiko");
        EXPECT_EQ(keeper.loadCache(), "card 04A1B2C3 person aiko");
    }
    std::ifstream in(dir / "cache.bin", std::ios::binary);
    const std::string atRest((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    EXPECT_EQ(atRest.find("aiko"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir / "cache.bin.tmp"));
    lines.clear();
    HostDoorPanelHal other(
        "site-1", "p-1", std::string(32, 'z'), seed, link,
        [this](const std::string& line) { lines.push_back(line); }, dir / "cache.bin");
    EXPECT_EQ(other.loadCache(), std::nullopt);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("does not open under this panel's key"), std::string::npos);
    std::filesystem::remove_all(dir);
}

// The offline PIN hash of docs/mqtt.md, computed here from its formula.
TEST_F(HostDoorPanelHalTest, OfflinePinHashFollowsTheDocumentedFormula) {
    const core::Bytes pinKey = core::keyedHash(key, "sekimori.panel.offline_pin.v1");
    std::string message(
        "\0\0\0\4aiko\0\0\0\x04"
        "4711",
        16);
    EXPECT_EQ(hal.offlinePinHash("aiko", "4711"), core::toHex(core::keyedHash(pinKey, message)));
    EXPECT_NE(hal.offlinePinHash("aiko", "4712"), hal.offlinePinHash("aiko", "4711"));
}

}  // namespace
}  // namespace sekimori::sim
