#pragma once
// One entry of the domain list (app/domains.cpp): a name, the config section that reads the
// domain's part of the site file, and the factory that makes its service from the daemon's
// shared parts once the whole file is checked. A domain that only has its configuration so far
// has no factory; a factory may return null (nothing of the domain runs at this site).
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "app/daemon_parts.hpp"
#include "core/config_section.hpp"
#include "core/result.hpp"
#include "core/service.hpp"

namespace sekimori::app {

using ServiceFactory =
    std::function<core::Result<std::unique_ptr<core::Service>>(const DaemonParts&)>;

struct Domain {
    std::string name;
    std::shared_ptr<core::ConfigSection> section;
    ServiceFactory makeService;  // empty: configuration only (no running part yet)
};

// A domain whose factory `make(parts, section.config())` takes the section's checked config:
//   domainWith<doors::DoorConfigSection>("doors", makeDoorsService)
template <class Section, class Make>
Domain domainWith(std::string name, Make make) {
    auto section = std::make_shared<Section>();
    ServiceFactory factory =
        [section, make](const DaemonParts& parts) -> core::Result<std::unique_ptr<core::Service>> {
        auto service = make(parts, section->config());
        if (!service) {
            return service.error();
        }
        return std::unique_ptr<core::Service>(std::move(*service));
    };
    return Domain{std::move(name), std::move(section), std::move(factory)};
}

// A domain with its configuration only.
template <class Section>
Domain configOnly(std::string name) {
    return Domain{std::move(name), std::make_shared<Section>(), {}};
}

}  // namespace sekimori::app
