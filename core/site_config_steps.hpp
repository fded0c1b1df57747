#pragma once
// The two steps of loading a site configuration, kept apart so each stays one idea:
// reading each table into the model (types, ranges, unknown keys), then checking the model
// as a whole (ids, references, nesting, the rules of the site).
#include <filesystem>

#include "core/config_diagnostics.hpp"
#include "core/site_config_model.hpp"
#include "core/toml_table_reader.hpp"

namespace sekimori::core {

// core/site_config_reader.cpp. configDir anchors relative paths (see daemon.base_dir).
void readSiteConfig(TomlTableReader& root, const std::filesystem::path& configDir,
                    SiteConfig& config);

// core/site_config_checks.cpp. Skips references left empty by a failed read (already reported).
void checkSiteConfig(const SiteConfig& config, ConfigDiagnostics& diagnostics);

}  // namespace sekimori::core
