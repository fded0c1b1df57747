#include "core/config_section.hpp"

#include <algorithm>

#include "core/toml_table_reader.hpp"

namespace sekimori::core {
namespace {

// "modbus_device" -> "modbus device", for messages people read.
std::string spoken(std::string_view kind) {
    std::string out(kind);
    std::replace(out.begin(), out.end(), '_', ' ');
    return out;
}

}  // namespace

bool IdRegistry::declare(std::string_view kind, const std::string& id, const std::string& keyPath,
                         ConfigDiagnostics& diagnostics) {
    if (id.empty()) {
        return false;  // a missing or invalid id was reported when it was read
    }
    auto& declared = byKind_[std::string(kind)];
    auto [it, inserted] = declared.emplace(id, keyPath);
    if (!inserted) {
        diagnostics.error(keyPath, "duplicate " + spoken(kind) + " id " + inQuotes(id) +
                                       " (first used by " + firstPath(it->second) + ")");
    }
    return inserted;
}

bool IdRegistry::has(std::string_view kind, const std::string& id) const {
    auto it = byKind_.find(kind);
    return it != byKind_.end() && it->second.count(id) != 0;
}

bool IdRegistry::require(std::string_view kind, const std::string& id, const std::string& keyPath,
                         ConfigDiagnostics& diagnostics) const {
    if (has(kind, id)) {
        return true;
    }
    std::string message = "unknown " + spoken(kind) + " " + inQuotes(id);
    if (auto near = nearestKey(id, ids(kind))) {
        message += " (did you mean " + inQuotes(*near) + "?)";
    }
    diagnostics.error(keyPath, std::move(message));
    return false;
}

std::vector<std::string> IdRegistry::ids(std::string_view kind) const {
    std::vector<std::string> out;
    if (auto it = byKind_.find(kind); it != byKind_.end()) {
        for (const auto& entry : it->second) {
            out.push_back(entry.first);
        }
    }
    return out;
}

std::string IdRegistry::declaredAt(std::string_view kind, const std::string& id) const {
    if (auto it = byKind_.find(kind); it != byKind_.end()) {
        if (auto found = it->second.find(id); found != it->second.end()) {
            return firstPath(found->second);
        }
    }
    return {};
}

// "doors[0].id" -> "doors[0]": the object, not its id key, is what a person looks for.
std::string IdRegistry::firstPath(const std::string& keyPath) {
    constexpr std::string_view idKey = ".id";
    if (keyPath.size() > idKey.size() &&
        keyPath.compare(keyPath.size() - idKey.size(), idKey.size(), idKey) == 0) {
        return keyPath.substr(0, keyPath.size() - idKey.size());
    }
    return keyPath;
}

}  // namespace sekimori::core
