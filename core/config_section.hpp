#pragma once
// How a domain owns its part of the site file. core reads [site], [daemon], zones and
// schedules; every other top-level key belongs to one ConfigSection, which reads and checks it
// with its own code. Loading runs in two passes so references can point either way: every
// section reads (and declares its ids in the IdRegistry), then every section checks. Errors
// name file:line:column and the key path, as core's own do; a key no section claims is an
// unknown key.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_diagnostics.hpp"
#include "core/site_config_model.hpp"
#include "core/toml_table_reader.hpp"

namespace sekimori::core {

// The ids every section declares, by kind ("zone", "schedule", "door", "panel", "camera",
// "modbus_device", ...), so a section can check a reference to another domain's object
// without knowing its type. core declares "zone" and "schedule".
class IdRegistry {
  public:
    // false (and an error at keyPath) when `id` of `kind` was declared before.
    bool declare(std::string_view kind, const std::string& id, const std::string& keyPath,
                 ConfigDiagnostics& diagnostics);
    bool has(std::string_view kind, const std::string& id) const;
    // false (and "unknown <kind> 'x'; did you mean 'y'?" at keyPath) when absent.
    bool require(std::string_view kind, const std::string& id, const std::string& keyPath,
                 ConfigDiagnostics& diagnostics) const;
    std::vector<std::string> ids(std::string_view kind) const;  // sorted
    // Where `id` of `kind` was declared ("doors[0]"), or empty when it was not.
    std::string declaredAt(std::string_view kind, const std::string& id) const;

  private:
    static std::string firstPath(const std::string& keyPath);

    // kind -> id -> the key path that declared it, for "first used by doors[0]".
    std::map<std::string, std::map<std::string, std::string>, std::less<>> byKind_;
};

class ConfigSection {
  public:
    virtual ~ConfigSection() = default;
    // The top-level keys it owns ("doors", "circle_gates").
    virtual std::vector<std::string_view> keys() const = 0;
    // Reads its keys from the root table (types, ranges, unknown keys inside them) and declares
    // its ids. Absent keys are fine unless the domain requires them.
    virtual void read(TomlTableReader& root, const std::filesystem::path& configDir,
                      IdRegistry& ids) = 0;
    // Checks references and the domain's site rules against the core model and every id.
    virtual void check(const SiteConfig& site, const IdRegistry& ids,
                       ConfigDiagnostics& diagnostics) = 0;
};

}  // namespace sekimori::core
