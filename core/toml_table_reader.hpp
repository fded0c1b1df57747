#pragma once
// Reads one TOML table key by key for the config loader: each read checks type and range and
// records where the key was written; finish() reports every key nobody asked for. Problems go
// to ConfigDiagnostics and the read yields nothing, so the loader carries on and finds the rest.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "core/config_diagnostics.hpp"

namespace sekimori::core {

enum class Presence { required, optional };

class TomlTableReader {
  public:
    TomlTableReader(const toml::table& table, std::string path, ConfigDiagnostics& diagnostics);

    const std::string& path() const { return path_; }
    std::string keyPath(std::string_view key) const;
    ConfigDiagnostics& diagnostics() { return diagnostics_; }

    std::optional<std::string> string(std::string_view key, Presence presence);
    // A string of id syntax (1..64 of [a-z0-9_-]).
    std::optional<std::string> id(std::string_view key, Presence presence);
    std::optional<std::int64_t> integer(std::string_view key, Presence presence, std::int64_t min,
                                        std::int64_t max);
    // Integers are accepted where a number is asked for; nan and inf are not.
    std::optional<double> number(std::string_view key, Presence presence, double min, double max);
    std::optional<bool> boolean(std::string_view key, Presence presence);
    std::optional<std::vector<std::string>> stringArray(std::string_view key, Presence presence);
    const toml::table* table(std::string_view key, Presence presence);

    // One of a fixed set of words, mapped to its enumerator.
    template <class Enum>
    std::optional<Enum> choice(std::string_view key, Presence presence,
                               const std::vector<std::pair<std::string_view, Enum>>& words) {
        auto text = string(key, presence);
        if (!text) {
            return std::nullopt;
        }
        for (const auto& [word, value] : words) {
            if (word == *text) {
                return value;
            }
        }
        std::string expected;
        for (const auto& word : words) {
            expected += (expected.empty() ? "" : ", ") + std::string(word.first);
        }
        diagnostics_.error(keyPath(key),
                           "unknown value \"" + *text + "\"; expected one of " + expected);
        return std::nullopt;
    }

    // Calls read for each table of an array of tables (`[[doors]]` or `doors = [{...}]`) with a
    // reader whose path is "doors[i]", then checks that table for unknown keys. Returns the
    // array's length, or nothing when the key is absent or not an array.
    std::optional<std::size_t> forEachTable(
        std::string_view key, Presence presence,
        const std::function<void(TomlTableReader&, std::size_t)>& read);

    // Counts `key` as known without reading it (a top-level key another reader owns), so
    // finish() neither reports it nor fails to suggest it.
    void claim(std::string_view key);

    // Reports keys that were never asked for, suggesting a near known key.
    void finish();

  private:
    const toml::node* find(std::string_view key, Presence presence);
    void wrongType(std::string_view key, const toml::node& node, std::string_view expected);

    const toml::table& table_;
    std::string path_;
    ConfigDiagnostics& diagnostics_;
    std::vector<std::string> asked_;
};

// The candidate within two edits of `word` (the closest; the first of equals), for "did you
// mean" on unknown keys and unknown ids.
std::optional<std::string> nearestKey(std::string_view word,
                                      const std::vector<std::string>& candidates);

// The error text for a wrong type: "expected integer, found string".
std::string_view tomlTypeName(toml::node_type type);

}  // namespace sekimori::core
