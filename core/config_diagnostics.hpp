#pragma once
// Collects every problem found in a configuration file, each tied to the file, line, column and
// key path it concerns, so one run of the loader reports all of them at once.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sekimori::core {

struct SourcePos {
    std::uint32_t line = 0;  // 1-based; 0 = unknown
    std::uint32_t column = 0;
};

// `text` in double quotes, as every configuration message quotes a value: "srv-room".
std::string inQuotes(std::string_view text);

class ConfigDiagnostics {
  public:
    explicit ConfigDiagnostics(std::string fileName);

    // Where a key path ("doors[3].to_zone") was written, for errors found after parsing.
    void remember(const std::string& keyPath, SourcePos pos);
    // The remembered position of keyPath or, failing that, of its nearest enclosing path.
    SourcePos where(std::string_view keyPath) const;

    void error(const std::string& keyPath, std::string message);
    void errorAt(SourcePos pos, const std::string& keyPath, std::string message);

    // Whether a problem was already reported at exactly this key path, so later checks can
    // skip a value that was never read instead of reporting it twice.
    bool reported(std::string_view keyPath) const;

    bool empty() const { return entries_.empty(); }
    std::size_t count() const { return entries_.size(); }
    // One line per problem, ordered by position in the file.
    std::string joined() const;

  private:
    struct Entry {
        SourcePos pos;
        std::string keyPath;
        std::string text;
    };
    std::string fileName_;
    std::unordered_map<std::string, SourcePos> positions_;
    std::vector<Entry> entries_;
};

}  // namespace sekimori::core
