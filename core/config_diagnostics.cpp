#include "core/config_diagnostics.hpp"

#include <algorithm>
#include <utility>

namespace sekimori::core {
namespace {

// Past this many lines the rest are counted, not listed: a wrong file can yield thousands.
constexpr std::size_t maxListed = 200;

// "doors[3].to_zone" -> "doors[3]" -> "doors" -> "".
std::string_view enclosingPath(std::string_view path) {
    const auto cut = path.find_last_of(".[");
    if (cut == std::string_view::npos) {
        return {};
    }
    return path.substr(0, cut);
}

}  // namespace

// Appended piecewise: GCC 12 -O3 reports a false -Wrestrict on "\"" + std::string(...).
std::string inQuotes(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    out.append(text);
    out += '"';
    return out;
}

ConfigDiagnostics::ConfigDiagnostics(std::string fileName) : fileName_(std::move(fileName)) {}

void ConfigDiagnostics::remember(const std::string& keyPath, SourcePos pos) {
    if (pos.line != 0) {
        positions_.insert_or_assign(keyPath, pos);
    }
}

SourcePos ConfigDiagnostics::where(std::string_view keyPath) const {
    for (std::string_view path = keyPath;; path = enclosingPath(path)) {
        if (auto it = positions_.find(std::string(path)); it != positions_.end()) {
            return it->second;
        }
        if (path.empty()) {
            return SourcePos{1, 1};
        }
    }
}

void ConfigDiagnostics::error(const std::string& keyPath, std::string message) {
    errorAt(where(keyPath), keyPath, std::move(message));
}

void ConfigDiagnostics::errorAt(SourcePos pos, const std::string& keyPath, std::string message) {
    std::string text = fileName_;
    if (pos.line != 0) {
        text += ':' + std::to_string(pos.line) + ':' + std::to_string(pos.column);
    }
    text += ": ";
    if (!keyPath.empty()) {
        text += keyPath + ": ";
    }
    text += message;
    entries_.push_back(Entry{pos, keyPath, std::move(text)});
}

bool ConfigDiagnostics::reported(std::string_view keyPath) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const Entry& entry) { return entry.keyPath == keyPath; });
}

std::string ConfigDiagnostics::joined() const {
    std::vector<const Entry*> sorted;
    sorted.reserve(entries_.size());
    for (const auto& entry : entries_) {
        sorted.push_back(&entry);
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
        return std::pair(a->pos.line, a->pos.column) < std::pair(b->pos.line, b->pos.column);
    });
    std::string out;
    for (std::size_t i = 0; i < sorted.size() && i < maxListed; ++i) {
        if (!out.empty()) {
            out += '\n';
        }
        out += sorted[i]->text;
    }
    if (sorted.size() > maxListed) {
        out += "\n" + fileName_ + ": " + std::to_string(sorted.size() - maxListed) +
               " more problems not listed";
    }
    return out;
}

}  // namespace sekimori::core
