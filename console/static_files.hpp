#pragma once
// Files the console serves as they are: the web shell (console/web) and the UI plugins' files.
// A URL path maps to a file only through plain segments ([A-Za-z0-9._-], no leading dot, so no
// "..", no hidden files), and the file found must still lie inside the root once symbolic links
// are resolved. Reading blocks: call readStaticFile on the console's pool, never the io thread.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sekimori::console {

struct StaticFile {
    std::string content;
    std::string contentType;
};

// "app.js", "js/cards.js"; not "", "../x", ".hidden", "a//b", "a/".
bool isServablePath(std::string_view relative);
std::string contentTypeFor(std::string_view name);

// The file at `relative` below `root`; nothing when it is not servable or not there.
core::Result<std::optional<StaticFile>> readStaticFile(const std::filesystem::path& root,
                                                       std::string_view relative);

}  // namespace sekimori::console
