#include "app/door_wiring.hpp"

#include "core/crypto.hpp"

namespace sekimori::app {
namespace {

protocol::Factor toProtocol(core::Factor factor) {
    switch (factor) {
        case core::Factor::card:
            return protocol::Factor::card;
        case core::Factor::pin:
            return protocol::Factor::pin;
        case core::Factor::finger:
            return protocol::Factor::finger;
    }
    return protocol::Factor::card;
}

std::vector<protocol::Factor> toProtocol(const std::vector<core::Factor>& factors) {
    std::vector<protocol::Factor> out;
    out.reserve(factors.size());
    for (auto f : factors) {
        out.push_back(toProtocol(f));
    }
    return out;
}

int toMs(std::chrono::milliseconds ms) {
    return static_cast<int>(ms.count());
}

}  // namespace

std::vector<doors::DoorSpec> doorSpecs(const core::SiteConfig& config) {
    std::vector<doors::DoorSpec> specs;
    for (const auto& d : config.doors) {
        doors::DoorSpec s;
        s.id = d.id;
        s.name = d.name;
        s.panel = d.panel;
        s.fromZone = d.fromZone;
        s.toZone = d.toZone;
        s.entryFactors = toProtocol(d.entryFactors);
        s.exitFactors = toProtocol(d.exitFactors);
        s.unlockMs = toMs(d.unlock);
        s.stepTimeoutMs = toMs(d.stepTimeout);
        s.fingerThreshold = d.fingerThreshold;
        s.heldOpenMs = toMs(d.heldOpen);
        specs.push_back(std::move(s));
    }
    return specs;
}

std::vector<policy::Schedule> schedules(const core::SiteConfig& config) {
    std::vector<policy::Schedule> out;
    for (const auto& c : config.schedules) {
        policy::Schedule s;
        s.id = c.id;
        s.utcOffsetMinutes = config.site.utcOffsetMinutes;
        for (const auto& w : c.windows) {
            policy::WeeklyWindow window;
            window.days = 0;
            for (auto day : w.days) {
                window.days =
                    static_cast<std::uint8_t>(window.days | (1U << static_cast<unsigned>(day)));
            }
            window.startMinute = w.startMinute;
            window.endMinute = w.endMinute;
            s.windows.push_back(window);
        }
        out.push_back(std::move(s));
    }
    return out;
}

doors::KnownNames knownNames(const core::SiteConfig& config) {
    doors::KnownNames names;
    for (const auto& z : config.zones) {
        names.zones.insert(z.id);
    }
    for (const auto& s : config.schedules) {
        names.schedules.insert(s.id);
    }
    return names;
}

core::Result<doors::DoorKeys> loadOrCreateDoorKeys(const core::SiteConfig& config,
                                                   const SitePaths& paths) {
    doors::DoorKeys keys;
    auto pepper = core::loadOrCreateKeyFile(paths.pepperKey.string(), core::kPepperKeySize);
    if (!pepper) {
        return pepper.error();
    }
    keys.pepper = std::move(*pepper);
    auto templateKey = core::loadOrCreateKeyFile(paths.templateKey.string(), core::kBoxKeySize);
    if (!templateKey) {
        return templateKey.error();
    }
    keys.templateKey = std::move(*templateKey);
    for (const auto& d : config.doors) {
        auto key = core::loadOrCreateKeyFile(paths.panelKey(d.panel).string(), core::kBoxKeySize);
        if (!key) {
            return key.error();
        }
        keys.panelKeys[d.panel] = std::move(*key);
    }
    return keys;
}

}  // namespace sekimori::app
