#pragma once
// The console's message catalogue: every text the shell and the plugins show, in each language
// (GET /api/ui/messages). Merged once at start from <webRoot>/messages.json and each UI plugin's
// <webDir>/messages.json (a plugin without one is fine), then read-only. A file maps a key to
// {"en": "...", "ja": "..."}; placeholders are written {name}. The console refuses to start
// (console.bad_catalogue, naming the file and the key) when a key lacks a language, a text is
// empty, or the same key is declared twice (in one file or two): a missing translation is
// found at start, not by an operator at the desk.
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sekimori::console {

class MessageCatalogue {
  public:
    // Adds every key of `file`. A missing file is an error only when `required`.
    core::Result<void> addFile(const std::filesystem::path& file, bool required);
    // {"key": "text", ...} in `language` (one of kLanguages); empty for another language.
    const nlohmann::json& messages(std::string_view language) const;
    // The answer of GET /api/ui/messages, {"lang": ..., "messages": {...}}, serialized once per
    // file added: the route sends it as is, building and freeing no JSON tree per request (the
    // catalogue has thousands of nodes; built per request under ASan it held the io thread
    // past the watchdog's limit). Null for another language.
    std::shared_ptr<const std::string> answerText(std::string_view language) const;
    std::size_t size() const { return declaredIn_.size(); }

  private:
    core::Result<void> addKey(const std::string& fileName, const std::string& key,
                              const nlohmann::json& texts);
    std::map<std::string, std::string> declaredIn_;  // key -> the file that declared it
    nlohmann::json en_ = nlohmann::json::object();
    nlohmann::json ja_ = nlohmann::json::object();
    std::map<std::string, std::shared_ptr<const std::string>, std::less<>> answers_;
};

}  // namespace sekimori::console
