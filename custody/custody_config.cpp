#include "custody/custody_config.hpp"

#include <set>

#include "core/site_config_model.hpp"
#include "core/toml_table_reader.hpp"

namespace sekimori::custody {

using core::Presence;

const KeyCabinetConfig* CustodyConfig::cabinet(const std::string& id) const {
    for (const auto& c : cabinets) {
        if (c.id == id) {
            return &c;
        }
    }
    return nullptr;
}

const KeyConfig* CustodyConfig::key(const std::string& id) const {
    for (const auto& k : keys) {
        if (k.id == id) {
            return &k;
        }
    }
    return nullptr;
}

const KeyConfig* CustodyConfig::keyInSlot(const std::string& cabinetId, int slot) const {
    for (const auto& k : keys) {
        if (k.cabinet == cabinetId && k.slot == slot) {
            return &k;
        }
    }
    return nullptr;
}

const MetalDetectorConfig* CustodyConfig::detector(const std::string& id) const {
    for (const auto& d : detectors) {
        if (d.id == id) {
            return &d;
        }
    }
    return nullptr;
}

std::vector<std::string_view> CustodyConfigSection::keys() const {
    return {"key_cabinets", "keys", "metal_detectors", "carry_in"};
}

void CustodyConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                                core::IdRegistry& ids) {
    auto& diag = root.diagnostics();
    root.forEachTable("key_cabinets", Presence::optional,
                      [&](core::TomlTableReader& r, std::size_t) {
                          KeyCabinetConfig c;
                          c.id = r.id("id", Presence::required).value_or("");
                          c.name = r.string("name", Presence::required).value_or("");
                          c.door = r.id("door", Presence::required).value_or("");
                          if (auto v = r.integer("release_s", Presence::optional, 5, 300)) {
                              c.release = std::chrono::seconds(*v);
                          }
                          // The cabinet's id is also its broker account: one id space with the
                          // devices.
                          if (!c.id.empty() && ids.declare("device", c.id, r.keyPath("id"), diag)) {
                              cabinetPaths_.push_back(r.path());
                              config_.cabinets.push_back(std::move(c));
                          }
                      });
    root.forEachTable("keys", Presence::optional, [&](core::TomlTableReader& r, std::size_t) {
        KeyConfig k;
        k.id = r.id("id", Presence::required).value_or("");
        k.name = r.string("name", Presence::required).value_or("");
        k.kind = r.choice<std::string>("kind", Presence::optional,
                                       {{"rack", "rack"},
                                        {"cabinet", "cabinet"},
                                        {"vehicle", "vehicle"},
                                        {"other", "other"}})
                     .value_or("other");
        k.cabinet = r.id("cabinet", Presence::required).value_or("");
        k.slot = static_cast<int>(r.integer("slot", Presence::required, 1, 500).value_or(0));
        k.tag = r.string("tag", Presence::required).value_or("");
        k.opens = r.id("opens", Presence::required).value_or("");
        k.approval = r.boolean("approval", Presence::optional).value_or(false);
        if (auto v = r.integer("due_s", Presence::optional, 5, 7 * 86'400)) {
            k.due = std::chrono::seconds(*v);
        }
        if (k.tag.empty() && !diag.reported(r.keyPath("tag"))) {
            diag.error(r.keyPath("tag"), "a key needs the RFID tag its slot reads back");
        }
        if (!k.id.empty() && ids.declare("key", k.id, r.keyPath("id"), diag)) {
            keyPaths_.push_back(r.path());
            config_.keys.push_back(std::move(k));
        }
    });
    root.forEachTable("metal_detectors", Presence::optional,
                      [&](core::TomlTableReader& r, std::size_t) {
                          MetalDetectorConfig d;
                          d.id = r.id("id", Presence::required).value_or("");
                          d.name = r.string("name", Presence::required).value_or("");
                          d.portal = r.id("portal", Presence::required).value_or("");
                          if (!d.id.empty() && ids.declare("device", d.id, r.keyPath("id"), diag)) {
                              detectorPaths_.push_back(r.path());
                              config_.detectors.push_back(std::move(d));
                          }
                      });
    if (const toml::table* table = root.table("carry_in", Presence::optional)) {
        core::TomlTableReader r(*table, "carry_in", diag);
        config_.carryInZone = r.id("zone", Presence::required).value_or("");
        carryInPath_ = r.keyPath("zone");
        r.finish();
    }
}

void CustodyConfigSection::check(const core::SiteConfig&, const core::IdRegistry& ids,
                                 core::ConfigDiagnostics& diag) {
    for (std::size_t i = 0; i < config_.cabinets.size(); ++i) {
        const auto& c = config_.cabinets[i];
        ids.require("door", c.door, cabinetPaths_[i] + ".door", diag);
    }
    std::set<std::pair<std::string, int>> slots;
    std::set<std::string> tags;
    for (std::size_t i = 0; i < config_.keys.size(); ++i) {
        const auto& k = config_.keys[i];
        const std::string& here = keyPaths_[i];
        if (config_.cabinet(k.cabinet) == nullptr) {
            diag.error(here + ".cabinet", "no [[key_cabinets]] has id \"" + k.cabinet + "\"");
        }
        ids.require("zone", k.opens, here + ".opens", diag);
        if (!slots.insert({k.cabinet, k.slot}).second) {
            diag.error(here + ".slot", "slot " + std::to_string(k.slot) + " of \"" + k.cabinet +
                                           "\" already holds another key");
        }
        if (!k.tag.empty() && !tags.insert(k.tag).second) {
            diag.error(here + ".tag", "tag \"" + k.tag + "\" is on another key too");
        }
    }
    for (std::size_t i = 0; i < config_.detectors.size(); ++i) {
        const std::string& portal = config_.detectors[i].portal;
        if (!portal.empty() && ids.declaredAt("door", portal).empty() &&
            ids.declaredAt("circle_gate", portal).empty()) {
            diag.error(detectorPaths_[i] + ".portal",
                       "no [[doors]] or [[circle_gates]] has id "
                       " + portal + "
                       "");
        }
    }
    if (!config_.carryInZone.empty()) {
        ids.require("zone", config_.carryInZone, carryInPath_, diag);
    }
}

}  // namespace sekimori::custody
