#include "core/toml_table_reader.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/site_config.hpp"

namespace sekimori::core {
namespace {

SourcePos positionOf(const toml::source_region& region) {
    return SourcePos{region.begin.line, region.begin.column};
}

// Levenshtein distance, for "did you mean" on unknown keys (keys are short).
std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string formatNumber(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

}  // namespace

std::string_view tomlTypeName(toml::node_type type) {
    switch (type) {
        case toml::node_type::table:
            return "table";
        case toml::node_type::array:
            return "array";
        case toml::node_type::string:
            return "string";
        case toml::node_type::integer:
            return "integer";
        case toml::node_type::floating_point:
            return "float";
        case toml::node_type::boolean:
            return "boolean";
        case toml::node_type::date:
            return "date";
        case toml::node_type::time:
            return "time";
        case toml::node_type::date_time:
            return "date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

TomlTableReader::TomlTableReader(const toml::table& table, std::string path,
                                 ConfigDiagnostics& diagnostics)
    : table_(table), path_(std::move(path)), diagnostics_(diagnostics) {
    diagnostics_.remember(path_, positionOf(table_.source()));
}

std::string TomlTableReader::keyPath(std::string_view key) const {
    if (path_.empty()) {
        return std::string(key);
    }
    return path_ + "." + std::string(key);
}

const toml::node* TomlTableReader::find(std::string_view key, Presence presence) {
    asked_.emplace_back(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
        if (presence == Presence::required) {
            diagnostics_.error(keyPath(key), "missing required key");
        }
        return nullptr;
    }
    diagnostics_.remember(keyPath(key), positionOf(node->source()));
    return node;
}

void TomlTableReader::wrongType(std::string_view key, const toml::node& node,
                                std::string_view expected) {
    diagnostics_.error(keyPath(key), "expected " + std::string(expected) + ", found " +
                                         std::string(tomlTypeName(node.type())));
}

std::optional<std::string> TomlTableReader::string(std::string_view key, Presence presence) {
    const toml::node* node = find(key, presence);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (const auto* text = node->as_string()) {
        return text->get();
    }
    wrongType(key, *node, "string");
    return std::nullopt;
}

std::optional<std::string> TomlTableReader::id(std::string_view key, Presence presence) {
    auto text = string(key, presence);
    if (text && !isValidConfigId(*text)) {
        diagnostics_.error(keyPath(key),
                           "invalid id \"" + *text + "\"; ids are 1..64 characters of [a-z0-9_-]");
        return std::nullopt;
    }
    return text;
}

std::optional<std::int64_t> TomlTableReader::integer(std::string_view key, Presence presence,
                                                     std::int64_t min, std::int64_t max) {
    const toml::node* node = find(key, presence);
    if (node == nullptr) {
        return std::nullopt;
    }
    const auto* value = node->as_integer();
    if (value == nullptr) {
        wrongType(key, *node, "integer");
        return std::nullopt;
    }
    const std::int64_t v = value->get();
    if (v < min || v > max) {
        diagnostics_.error(keyPath(key), std::to_string(v) + " is out of range " +
                                             std::to_string(min) + ".." + std::to_string(max));
        return std::nullopt;
    }
    return v;
}

std::optional<double> TomlTableReader::number(std::string_view key, Presence presence, double min,
                                              double max) {
    const toml::node* node = find(key, presence);
    if (node == nullptr) {
        return std::nullopt;
    }
    double v = 0;
    if (const auto* real = node->as_floating_point()) {
        v = real->get();
    } else if (const auto* whole = node->as_integer()) {
        v = static_cast<double>(whole->get());
    } else {
        wrongType(key, *node, "number");
        return std::nullopt;
    }
    if (!std::isfinite(v) || v < min || v > max) {
        diagnostics_.error(keyPath(key), formatNumber(v) + " is out of range " + formatNumber(min) +
                                             ".." + formatNumber(max));
        return std::nullopt;
    }
    return v;
}

std::optional<bool> TomlTableReader::boolean(std::string_view key, Presence presence) {
    const toml::node* node = find(key, presence);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (const auto* value = node->as_boolean()) {
        return value->get();
    }
    wrongType(key, *node, "boolean");
    return std::nullopt;
}

std::optional<std::vector<std::string>> TomlTableReader::stringArray(std::string_view key,
                                                                     Presence presence) {
    const toml::node* node = find(key, presence);
    if (node == nullptr) {
        return std::nullopt;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        wrongType(key, *node, "array of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool allStrings = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string elementPath = keyPath(key) + "[" + std::to_string(i) + "]";
        diagnostics_.remember(elementPath, positionOf(element.source()));
        if (const auto* text = element.as_string()) {
            out.push_back(text->get());
        } else {
            diagnostics_.error(
                elementPath, "expected string, found " + std::string(tomlTypeName(element.type())));
            allStrings = false;
        }
    }
    if (!allStrings) {
        return std::nullopt;
    }
    return out;
}

const toml::table* TomlTableReader::table(std::string_view key, Presence presence) {
    const toml::node* node = find(key, presence);
    if (node == nullptr) {
        return nullptr;
    }
    if (const auto* sub = node->as_table()) {
        return sub;
    }
    wrongType(key, *node, "table");
    return nullptr;
}

std::optional<std::size_t> TomlTableReader::forEachTable(
    std::string_view key, Presence presence,
    const std::function<void(TomlTableReader&, std::size_t)>& read) {
    const toml::node* node = find(key, presence);
    if (node == nullptr) {
        return std::nullopt;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        wrongType(key, *node, "array of tables");
        return std::nullopt;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string elementPath = keyPath(key) + "[" + std::to_string(i) + "]";
        const auto* sub = element.as_table();
        if (sub == nullptr) {
            diagnostics_.errorAt(
                positionOf(element.source()), elementPath,
                "expected table, found " + std::string(tomlTypeName(element.type())));
            continue;
        }
        TomlTableReader reader(*sub, elementPath, diagnostics_);
        read(reader, i);
        reader.finish();
    }
    return array->size();
}

void TomlTableReader::claim(std::string_view key) {
    asked_.emplace_back(key);
}

void TomlTableReader::finish() {
    for (const auto& [key, node] : table_) {
        const std::string_view name = key.str();
        if (std::find(asked_.begin(), asked_.end(), name) != asked_.end()) {
            continue;
        }
        std::string message = "unknown key";
        if (auto near = nearestKey(name, asked_)) {
            message += " (did you mean \"" + *near + "\"?)";
        }
        diagnostics_.errorAt(positionOf(key.source()), keyPath(name), std::move(message));
    }
}

std::optional<std::string> nearestKey(std::string_view word,
                                      const std::vector<std::string>& candidates) {
    const std::string* nearest = nullptr;
    std::size_t best = 3;  // suggest only within two edits
    for (const auto& known : candidates) {
        const std::size_t distance = editDistance(word, known);
        if (distance < best) {
            best = distance;
            nearest = &known;
        }
    }
    if (nearest == nullptr) {
        return std::nullopt;
    }
    return *nearest;
}

}  // namespace sekimori::core
