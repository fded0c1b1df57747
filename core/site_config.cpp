#include "core/site_config.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

#include <toml++/toml.h>

#include "core/site_config_steps.hpp"

namespace sekimori::core {

bool isValidConfigId(std::string_view id) {
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Result<SiteConfig> loadSiteConfigFromString(std::string_view toml, std::string_view nameForErrors,
                                            const std::filesystem::path& configDir) {
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
    readSiteConfig(root, dir.lexically_normal(), config);
    checkSiteConfig(config, diagnostics);
    if (!diagnostics.empty()) {
        return makeError("config.invalid", diagnostics.joined());
    }
    return config;
}

Result<SiteConfig> loadSiteConfig(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return makeError("config.unreadable", path + ": cannot open the site configuration");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return makeError("config.unreadable", path + ": read failed");
    }
    return loadSiteConfigFromString(text.str(), path, std::filesystem::path(path).parent_path());
}

}  // namespace sekimori::core
