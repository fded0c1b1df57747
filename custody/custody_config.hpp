#pragma once
// The custody domain's part of the site file (docs/config.md, docs/custody.md): key cabinets and
// their keys, metal detectors at portals, and the carry-in zone. Each is optional; without any
// the page says nothing is configured.
#include <chrono>
#include <string>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::custody {

// [[key_cabinets]]: a cabinet with one locked slot per key; also its device id (broker account).
struct KeyCabinetConfig {
    std::string id;
    std::string name;
    std::string door;  // the doors portal (kind = "key_cabinet") whose grant releases slots
    std::chrono::seconds release{30};  // how long released slots stay unlocked
};

// [[keys]]: one physical key in one slot.
struct KeyConfig {
    std::string id;
    std::string name;
    std::string kind = "other";  // rack, cabinet, vehicle, other
    std::string cabinet;
    int slot = 0;     // 1.. in its cabinet
    std::string tag;  // the RFID tag on the key: what the slot reads back
    // The zone whose access the taker must hold now (their access levels, as at a door).
    std::string opens;
    bool approval = false;  // also needs an approved key request (four-eyes) in advance
    std::chrono::seconds due{4 * 3600};  // out longer than this: custody.key_overdue
};

// [[metal_detectors]]: a detector before a portal; a hit holds the portal until a guard clears.
struct MetalDetectorConfig {
    std::string id;
    std::string name;
    std::string portal;  // a door or circle gate id
};

struct CustodyConfig {
    std::vector<KeyCabinetConfig> cabinets;
    std::vector<KeyConfig> keys;
    std::vector<MetalDetectorConfig> detectors;
    // [carry_in] zone: items registered for a visit are checked in and out of this zone; an
    // owner who leaves it with an item still checked in raises custody.item_left_inside.
    std::string carryInZone;
    bool enabled() const { return !cabinets.empty() || !detectors.empty() || !carryInZone.empty(); }
    const KeyCabinetConfig* cabinet(const std::string& id) const;
    const KeyConfig* key(const std::string& id) const;
    const KeyConfig* keyInSlot(const std::string& cabinet, int slot) const;
    const MetalDetectorConfig* detector(const std::string& id) const;
};

class CustodyConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;
    const CustodyConfig& config() const { return config_; }

  private:
    CustodyConfig config_;
    std::vector<std::string> keyPaths_, cabinetPaths_, detectorPaths_;
    std::string carryInPath_;
};

}  // namespace sekimori::custody
