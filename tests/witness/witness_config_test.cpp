// [[witnesses]]: read and checked by the witness section; required where a zone is a
// management or handling area.
#include "witness/witness_config.hpp"

#include <gtest/gtest.h>

#include "core/site_config.hpp"

namespace sekimori::witness {
namespace {

constexpr std::string_view minimalSite = R"(
[site]
id = "fx"
name = "Fixture"
utc_offset_minutes = 540

[[zones]]
id = "site"
name = "Site"
kind = "site"
)";

constexpr std::string_view serverRoom = R"(
[[zones]]
id = "bldg"
name = "B"
parent = "site"
kind = "building"

[[zones]]
id = "floor"
name = "F"
parent = "bldg"
kind = "floor"

[[zones]]
id = "server-room"
name = "Server room"
parent = "floor"
kind = "management_area"
)";

struct Loaded {
    core::Result<core::SiteConfig> site;
    WitnessesConfig witnesses;
};

Loaded load(std::string_view extra) {
    WitnessConfigSection section;
    std::vector<core::ConfigSection*> sections{&section};
    auto site = core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra),
                                               "t.toml", sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

TEST(WitnessConfig, NoneNeededWithoutRestrictedZones) {
    const auto loaded = load("");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_TRUE(loaded.witnesses.witnesses.empty());
}

TEST(WitnessConfig, AManagementAreaRequiresOne) {
    const auto loaded = load(serverRoom);
    ASSERT_FALSE(loaded.site.ok());
    EXPECT_NE(loaded.site.error().message.find(
                  "witnesses: zone \"server-room\" is a management_area: at least one"),
              std::string::npos)
        << loaded.site.error().message;
}

TEST(WitnessConfig, ReadsEachWitnessAndResolvesItsKeyAgainstBaseDir) {
    const auto loaded = load(std::string(serverRoom) + R"(
[[witnesses]]
id = "w1"
public_key_file = "keys/witness-w1.pub"

[[witnesses]]
id = "w2"
public_key_file = "/etc/sekimori/w2.pub"
silent_after_s = 120
)");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    ASSERT_EQ(loaded.witnesses.witnesses.size(), 2u);
    const auto& w1 = loaded.witnesses.witnesses[0];
    EXPECT_EQ(w1.id, "w1");
    EXPECT_EQ(w1.publicKeyFile, loaded.site->daemon.baseDir / "keys/witness-w1.pub");
    EXPECT_EQ(w1.silentAfter, std::chrono::seconds(30));
    EXPECT_EQ(loaded.witnesses.witnesses[1].publicKeyFile, "/etc/sekimori/w2.pub");
    EXPECT_EQ(loaded.witnesses.witnesses[1].silentAfter, std::chrono::seconds(120));
}

TEST(WitnessConfig, MistakesNameTheKey) {
    const auto duplicate = load(R"(
[[witnesses]]
id = "w1"
public_key_file = "a.pub"

[[witnesses]]
id = "w1"
public_key_file = "b.pub"
)");
    ASSERT_FALSE(duplicate.site.ok());
    EXPECT_NE(duplicate.site.error().message.find("witnesses[1].id"), std::string::npos)
        << duplicate.site.error().message;
    const auto missing = load("\n[[witnesses]]\nid = \"w1\"\nsilent_after_s = 0\n");
    ASSERT_FALSE(missing.site.ok());
    EXPECT_NE(missing.site.error().message.find("witnesses[0].public_key_file"), std::string::npos)
        << missing.site.error().message;
    EXPECT_NE(missing.site.error().message.find("witnesses[0].silent_after_s"), std::string::npos)
        << missing.site.error().message;
    const auto unknown =
        load("\n[[witnesses]]\nid = \"w1\"\npublic_key_file = \"a.pub\"\npubkey = \"x\"\n");
    ASSERT_FALSE(unknown.site.ok());
    EXPECT_NE(unknown.site.error().message.find("witnesses[0].pubkey: unknown key"),
              std::string::npos)
        << unknown.site.error().message;
}

}  // namespace
}  // namespace sekimori::witness
