#pragma once
// The two steps of loading core's part of a site configuration, kept apart so each stays one
// idea: reading each table into the model (types, ranges, unknown keys, declaring zone and
// schedule ids), then checking the model as a whole (nesting, cycles, the single site root).
// Sections do the same for their own keys (core/config_section.hpp).
#include <filesystem>

#include "core/config_diagnostics.hpp"
#include "core/config_section.hpp"
#include "core/site_config_model.hpp"
#include "core/toml_table_reader.hpp"

namespace sekimori::core {

// core/site_config_reader.cpp. configDir anchors relative paths (see daemon.base_dir). Declares
// ids of kind "zone" and "schedule".
void readSiteConfig(TomlTableReader& root, const std::filesystem::path& configDir,
                    SiteConfig& config, IdRegistry& ids);

// core/site_config_checks.cpp. Skips references left empty by a failed read (already reported).
void checkSiteConfig(const SiteConfig& config, const IdRegistry& ids,
                     ConfigDiagnostics& diagnostics);

}  // namespace sekimori::core
