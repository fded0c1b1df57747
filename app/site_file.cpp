#include "app/site_file.hpp"

#include "app/domains.hpp"
#include "core/site_config.hpp"

namespace sekimori::app {
namespace {

SiteFile emptySiteFile() {
    SiteFile file;
    file.modbusDevices = std::make_shared<io::ModbusDeviceConfigSection>();
    file.domains = siteDomains();
    return file;
}

std::vector<core::ConfigSection*> sectionsOf(SiteFile& file) {
    std::vector<core::ConfigSection*> sections{file.modbusDevices.get()};
    for (auto& domain : file.domains) {
        sections.push_back(domain.section.get());
    }
    return sections;
}

core::Result<SiteFile> finish(SiteFile file, core::Result<core::SiteConfig> site) {
    if (!site) {
        return site.error();
    }
    file.site = std::move(*site);
    return file;
}

}  // namespace

core::Result<SiteFile> loadSiteFile(const std::string& path) {
    SiteFile file = emptySiteFile();
    const auto sections = sectionsOf(file);
    auto site = core::loadSiteConfig(path, sections);
    return finish(std::move(file), std::move(site));
}

core::Result<SiteFile> loadSiteFileFromString(std::string_view toml, std::string_view nameForErrors,
                                              const std::filesystem::path& configDir) {
    SiteFile file = emptySiteFile();
    const auto sections = sectionsOf(file);
    auto site = core::loadSiteConfigFromString(toml, nameForErrors, sections, configDir);
    return finish(std::move(file), std::move(site));
}

}  // namespace sekimori::app
