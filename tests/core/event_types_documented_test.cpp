// docs/events.md and the source tree name the same event types: every `core::EventType`
// constant is listed there once, and every listed type is declared (or, while its domain still
// records string literals, at least recorded) somewhere. See "How types are declared and
// listed" in docs/events.md for the format this reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/core_event_types.hpp"
#include "core/event_type.hpp"

namespace fs = std::filesystem;
using sekimori::core::isValidEventTypeName;

namespace {

const fs::path kSourceDir{SEKIMORI_SOURCE_DIR};

// Top-level folders that are not product source: their literals and declarations do not count.
const std::set<std::string> kNotProductSource{"tests",  "bench", "fuzz", "docs",        "scripts",
                                              "config", "cmake", "var",  "node_modules"};

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Blanks out // and /* */ comments (keeping newlines, so line numbers hold), leaving string
// and character literals alone: an example in a comment is not a declaration.
std::string withoutComments(const std::string& source) {
    std::string out = source;
    enum class In { code, line, block, string, character } state = In::code;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const char c = out[i];
        const char next = i + 1 < out.size() ? out[i + 1] : '\0';
        switch (state) {
            case In::code:
                if (c == '/' && next == '/') {
                    state = In::line;
                    out[i] = ' ';
                } else if (c == '/' && next == '*') {
                    state = In::block;
                    out[i] = ' ';
                } else if (c == '"') {
                    state = In::string;
                } else if (c == '\'') {
                    state = In::character;
                }
                break;
            case In::line:
                if (c == '\n') {
                    state = In::code;
                } else {
                    out[i] = ' ';
                }
                break;
            case In::block:
                if (c == '*' && next == '/') {
                    out[i] = ' ';
                    out[i + 1] = ' ';
                    ++i;
                    state = In::code;
                } else if (c != '\n') {
                    out[i] = ' ';
                }
                break;
            case In::string:
            case In::character:
                if (c == '\\') {
                    ++i;
                } else if ((state == In::string && c == '"') ||
                           (state == In::character && c == '\'')) {
                    state = In::code;
                }
                break;
        }
    }
    return out;
}

int lineOf(const std::string& text, std::size_t offset) {
    return 1 + static_cast<int>(
                   std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

struct Place {
    std::string file;  // relative to the source dir
    int line = 0;
    std::string where() const { return file + ":" + std::to_string(line); }
};

struct SourceScan {
    std::map<std::string, std::vector<Place>> declared;  // type -> its EventType declarations
    std::vector<std::string> codeFiles;                  // comment-free text of every file
};

SourceScan scanSourcesUncached(const fs::path& root) {
    // `EventType kName{"a.b"}`, `EventType kName("a.b")` or `EventType kName = "a.b"`, with or
    // without `core::`/`sekimori::core::` and `inline constexpr` before it.
    static const std::regex declaration(
        R"(\bEventType\s+k[A-Za-z0-9_]*\s*(?:\{|\(|=)\s*"([^"\\]*)\")");
    SourceScan scan;
    for (const auto& top : fs::directory_iterator(root)) {
        const std::string name = top.path().filename().string();
        if (!top.is_directory() || name.starts_with(".") || name.starts_with("build") ||
            kNotProductSource.contains(name)) {
            continue;
        }
        for (const auto& entry : fs::recursive_directory_iterator(
                 top.path(), fs::directory_options::skip_permission_denied)) {
            const auto ext = entry.path().extension();
            if (!entry.is_regular_file() || (ext != ".hpp" && ext != ".cpp" && ext != ".h")) {
                continue;
            }
            std::string code = withoutComments(readFile(entry.path()));
            const std::string relative = fs::relative(entry.path(), root).string();
            for (std::sregex_iterator it(code.begin(), code.end(), declaration), end; it != end;
                 ++it) {
                scan.declared[(*it)[1].str()].push_back(
                    Place{relative, lineOf(code, static_cast<std::size_t>(it->position(0)))});
            }
            scan.codeFiles.push_back(std::move(code));
        }
    }
    return scan;
}

// std::regex over the tree takes a while in a debug build: scan it once per run.
const SourceScan& scanSources(const fs::path& root) {
    static const SourceScan scan = scanSourcesUncached(root);
    return scan;
}

bool recordedAsLiteral(const SourceScan& scan, const std::string& type) {
    const std::string literal = "\"" + type + "\"";
    for (const auto& code : scan.codeFiles) {
        if (code.find(literal) != std::string::npos) {
            return true;
        }
    }
    return false;
}

struct DocScan {
    std::map<std::string, std::vector<int>> listed;  // type -> lines of docs/events.md
    std::vector<std::string> problems;
};

// The first cell of every table row; each backticked word in it is one type.
DocScan scanDoc(const fs::path& doc) {
    static const std::regex backticked("`([^`]*)`");
    DocScan scan;
    std::ifstream in(doc);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (!line.starts_with("|")) {
            continue;
        }
        const auto end = line.find('|', 1);
        const std::string cell = line.substr(1, end == std::string::npos ? end : end - 1);
        for (std::sregex_iterator it(cell.begin(), cell.end(), backticked), stop; it != stop;
             ++it) {
            const std::string type = (*it)[1].str();
            if (!isValidEventTypeName(type)) {
                scan.problems.push_back("docs/events.md:" + std::to_string(number) + ": `" + type +
                                        "` in the type column is not a <domain>.<name> type");
                continue;
            }
            scan.listed[type].push_back(number);
        }
    }
    return scan;
}

}  // namespace

TEST(EventTypesDocumented, CommentStrippingKeepsLiteralsAndLines) {
    const std::string code = "a // EventType kX{\"x.y\"}\n\"//not a comment\" /* b\nc */ d";
    const std::string stripped = withoutComments(code);
    EXPECT_EQ(stripped.find("kX"), std::string::npos);
    EXPECT_NE(stripped.find("\"//not a comment\""), std::string::npos);
    EXPECT_EQ(std::count(stripped.begin(), stripped.end(), '\n'), 2);
    EXPECT_NE(stripped.find(" d"), std::string::npos);
}

TEST(EventTypesDocumented, TheScannerSeesCoresOwnDeclarations) {
    // Guards the regex: if it stopped matching, the checks below would pass on nothing.
    const SourceScan& scan = scanSources(kSourceDir);
    for (const auto type : {sekimori::core::kDaemonStarted, sekimori::core::kMqttBadPayload,
                            sekimori::core::kTelemetryQualityLost}) {
        const auto it = scan.declared.find(std::string(type));
        ASSERT_NE(it, scan.declared.end()) << type.name;
        EXPECT_EQ(it->second.front().file, "core/core_event_types.hpp");
    }
}

TEST(EventTypesDocumented, EveryDeclaredTypeIsListedOnce) {
    const SourceScan& source = scanSources(kSourceDir);
    const DocScan doc = scanDoc(kSourceDir / "docs" / "events.md");
    for (const auto& problem : doc.problems) {
        ADD_FAILURE() << problem;
    }
    for (const auto& [type, places] : source.declared) {
        if (!isValidEventTypeName(type)) {
            ADD_FAILURE() << places.front().where() << ": \"" << type
                          << "\" is not a <domain>.<name> event type";
        }
        if (places.size() > 1) {
            std::string where;
            for (const auto& p : places) {
                where += ' ';
                where += p.where();
            }
            ADD_FAILURE() << type << " is declared more than once:" << where;
        }
        if (!doc.listed.contains(type)) {
            ADD_FAILURE() << type << " (" << places.front().where()
                          << ") is missing from docs/events.md";
        }
    }
    for (const auto& [type, lines] : doc.listed) {
        if (lines.size() > 1) {
            ADD_FAILURE() << type << " is listed more than once in docs/events.md (lines "
                          << lines.front() << " and " << lines[1] << ")";
        }
    }
}

TEST(EventTypesDocumented, EveryListedTypeExistsInTheCode) {
    const SourceScan& source = scanSources(kSourceDir);
    const DocScan doc = scanDoc(kSourceDir / "docs" / "events.md");
    ASSERT_FALSE(doc.listed.empty()) << "no types read from docs/events.md";
    std::vector<std::string> literalOnly;
    for (const auto& [type, lines] : doc.listed) {
        if (source.declared.contains(type)) {
            continue;
        }
        if (recordedAsLiteral(source, type)) {
            literalOnly.push_back(type);  // a domain not yet moved to constants
            continue;
        }
        ADD_FAILURE() << "docs/events.md:" << lines.front() << ": " << type
                      << " is declared nowhere in the source (no EventType constant, no literal)";
    }
    if (!literalOnly.empty()) {
        std::string names;
        for (const auto& t : literalOnly) {
            names += " " + t;
        }
        RecordProperty("literal_only", names);
        std::cout << "[ note ] still string literals, not EventType constants:" << names << "\n";
    }
}
