#include "core/site_config.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include <toml++/toml.h>

#include "core/site_config_steps.hpp"
#include "protocol/ids.hpp"

namespace sekimori::core {

bool isValidConfigId(std::string_view id) {
    return protocol::isValidId(id);
}

namespace {

// Every key claimed by exactly one section; a key claimed twice is a wiring bug.
Result<void> checkClaims(std::span<ConfigSection* const> sections) {
    std::map<std::string, std::size_t, std::less<>> owner;
    for (const std::string_view key : {"site", "daemon", "zones", "schedules", "calendar"}) {
        owner.emplace(std::string(key), sections.size());
    }
    for (std::size_t i = 0; i < sections.size(); ++i) {
        for (const std::string_view key : sections[i]->keys()) {
            if (!owner.emplace(std::string(key), i).second) {
                return makeError("config.sections",
                                 "top-level key \"" + std::string(key) +
                                     "\" is claimed twice (by core or another section)");
            }
        }
    }
    return {};
}

}  // namespace

Result<SiteConfig> loadSiteConfigFromString(std::string_view toml, std::string_view nameForErrors,
                                            std::span<ConfigSection* const> sections,
                                            const std::filesystem::path& configDir) {
    if (auto claims = checkClaims(sections); !claims) {
        return claims.error();
    }
    const std::string name(nameForErrors);
    toml::table document;
    try {
        document = toml::parse(toml, name);
    } catch (const toml::parse_error& e) {
        const auto& begin = e.source().begin;
        return makeError("config.syntax", name + ":" + std::to_string(begin.line) + ":" +
                                              std::to_string(begin.column) + ": " +
                                              std::string(e.description()));
    }

    std::filesystem::path dir = configDir;
    if (dir.empty() || dir.is_relative()) {
        std::error_code ec;
        const auto cwd = std::filesystem::current_path(ec);
        if (ec) {
            return makeError("config.unreadable",
                             name + ": cannot resolve the working directory: " + ec.message());
        }
        dir = cwd / dir;
    }

    ConfigDiagnostics diagnostics(name);
    SiteConfig config;
    config.sourceName = name;
    TomlTableReader root(document, "", diagnostics);
    IdRegistry ids;
    const std::filesystem::path normalDir = dir.lexically_normal();
    // Two passes, so references may point either way: everyone reads and declares, then checks.
    readSiteConfig(root, normalDir, config, ids);
    for (ConfigSection* section : sections) {
        for (const std::string_view key : section->keys()) {
            root.claim(key);
        }
        section->read(root, normalDir, ids);
    }
    root.finish();
    checkSiteConfig(config, ids, diagnostics);
    for (ConfigSection* section : sections) {
        section->check(config, ids, diagnostics);
    }
    if (!diagnostics.empty()) {
        return makeError("config.invalid", diagnostics.joined());
    }
    return config;
}

Result<SiteConfig> loadSiteConfig(const std::string& path,
                                  std::span<ConfigSection* const> sections) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return makeError("config.unreadable", path + ": cannot open the site configuration");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return makeError("config.unreadable", path + ": read failed");
    }
    return loadSiteConfigFromString(text.str(), path, sections,
                                    std::filesystem::path(path).parent_path());
}

}  // namespace sekimori::core
