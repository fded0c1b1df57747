#include "console/static_files.hpp"

#include <fstream>
#include <sstream>

namespace sekimori::console {
namespace {

constexpr std::size_t kMaxSegment = 100;
constexpr std::size_t kMaxStaticBytes = 8 * 1024 * 1024;

bool isServableSegment(std::string_view name) {
    if (name.empty() || name.size() > kMaxSegment || name.front() == '.') {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool endsWith(std::string_view name, std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
}

}  // namespace

bool isServablePath(std::string_view relative) {
    if (relative.empty()) {
        return false;
    }
    while (true) {
        const auto slash = relative.find('/');
        if (!isServableSegment(relative.substr(0, slash))) {
            return false;
        }
        if (slash == std::string_view::npos) {
            return true;
        }
        relative.remove_prefix(slash + 1);
    }
}

std::string contentTypeFor(std::string_view name) {
    if (endsWith(name, ".html")) {
        return "text/html; charset=utf-8";
    }
    if (endsWith(name, ".js") || endsWith(name, ".mjs")) {
        return "text/javascript; charset=utf-8";
    }
    if (endsWith(name, ".css")) {
        return "text/css; charset=utf-8";
    }
    if (endsWith(name, ".json")) {
        return "application/json";
    }
    if (endsWith(name, ".svg")) {
        return "image/svg+xml";
    }
    if (endsWith(name, ".png")) {
        return "image/png";
    }
    if (endsWith(name, ".ico")) {
        return "image/x-icon";
    }
    return "application/octet-stream";
}

core::Result<std::optional<StaticFile>> readStaticFile(const std::filesystem::path& root,
                                                       std::string_view relative) {
    if (!isServablePath(relative)) {
        return std::optional<StaticFile>{};
    }
    std::error_code ec;
    const auto base = std::filesystem::canonical(root, ec);
    if (ec) {
        return core::makeError("console.web_root",
                               "web root " + root.string() + ": " + ec.message());
    }
    const auto file = std::filesystem::canonical(base / std::string(relative), ec);
    if (ec) {
        return std::optional<StaticFile>{};  // not there
    }
    // A symbolic link inside the root must not lead out of it.
    const auto rel = file.lexically_relative(base);
    if (rel.empty() || *rel.begin() == ".." || !std::filesystem::is_regular_file(file, ec)) {
        return std::optional<StaticFile>{};
    }
    if (std::filesystem::file_size(file, ec) > kMaxStaticBytes || ec) {
        return core::makeError("console.static_file",
                               file.string() + ": larger than 8 MiB or unreadable");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return std::optional<StaticFile>{};
    }
    std::ostringstream content;
    content << in.rdbuf();
    return std::optional<StaticFile>{StaticFile{content.str(), contentTypeFor(relative)}};
}

}  // namespace sekimori::console
