#pragma once
// Where the daemon and the CLI keep their files, derived from the site configuration in one
// place so both always agree.
#include <filesystem>
#include <string>

#include "core/site_config_model.hpp"

namespace sekimori::app {

struct SitePaths {
    std::filesystem::path database;          // <data_dir>/sekimori.db
    std::filesystem::path checkpoints;       // <data_dir>/sekimori.db.checkpoints
    std::filesystem::path initialAdminFile;  // <data_dir>/initial-admin.txt (0600)
    std::filesystem::path mqttPersistence;   // <data_dir>/mqtt
    std::filesystem::path localSocket;       // <data_dir>/sekimori.sock (the CLI's door, 0660)
    std::filesystem::path signingKey;        // <key_dir>/audit-signing.key
    std::filesystem::path pepperKey;         // <key_dir>/pin-pepper.key
    std::filesystem::path templateKey;       // <key_dir>/template.key
    std::filesystem::path panelKeyDir;       // <key_dir>/panels

    std::filesystem::path panelKey(const std::string& panel) const {
        return panelKeyDir / (panel + ".key");
    }
};

SitePaths sitePaths(const core::SiteConfig& config);

}  // namespace sekimori::app
