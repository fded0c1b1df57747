#pragma once
// Loads the site configuration (TOML) and checks it whole before anything starts: every
// unknown key, wrong type, missing key, bad value and dangling reference is reported, each on
// its own line as "file:line:column: key.path: what is wrong". core reads [site], [daemon],
// [[zones]] and [[schedules]]; every other top-level key is read and checked by the
// ConfigSection that claims it (core/config_section.hpp), and a key no section claims is an
// unknown key.
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "core/config_section.hpp"
#include "core/result.hpp"
#include "core/site_config_model.hpp"

namespace sekimori::core {

// Error codes: "config.unreadable" (file cannot be read), "config.syntax" (not TOML),
// "config.invalid" (TOML, but the site model is wrong; message lists every problem),
// "config.sections" (two sections claim one key: a wiring bug, not the file's fault).
// On success every section holds its checked part of the file.
Result<SiteConfig> loadSiteConfig(const std::string& path,
                                  std::span<ConfigSection* const> sections);

// nameForErrors prefixes each message; relative paths in [daemon] resolve against configDir
// (the directory the text would live in; empty = the current working directory).
Result<SiteConfig> loadSiteConfigFromString(std::string_view toml, std::string_view nameForErrors,
                                            std::span<ConfigSection* const> sections,
                                            const std::filesystem::path& configDir = {});

// True for 1..64 characters of [a-z0-9_-]: protocol::isValidId, the one id syntax.
bool isValidConfigId(std::string_view id);

}  // namespace sekimori::core
