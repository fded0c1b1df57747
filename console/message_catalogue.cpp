#include "console/message_catalogue.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "console/operator_preferences.hpp"

namespace sekimori::console {
namespace {

constexpr std::size_t kMaxCatalogueBytes = 4 * 1024 * 1024;

core::Error badCatalogue(const std::string& fileName, std::string message) {
    std::string text = fileName;
    text.append(": ").append(message);
    return core::makeError("console.bad_catalogue", std::move(text));
}

bool isKey(std::string_view key) {
    if (key.empty() || key.size() > 200) {
        return false;
    }
    for (char c : key) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace

core::Result<void> MessageCatalogue::addFile(const std::filesystem::path& file, bool required) {
    const std::string fileName = file.string();
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        if (required) {
            return badCatalogue(fileName, "missing");
        }
        return {};
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return badCatalogue(fileName, "cannot be read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > kMaxCatalogueBytes) {
        return badCatalogue(fileName, "larger than 4 MiB");
    }
    // nlohmann keeps the last of two equal keys without a word: the parser callback sees each
    // top-level key as it is read, so a key declared twice in one file is caught here.
    std::set<std::string> seen;
    std::string duplicate;
    auto parsed = nlohmann::json::parse(
        text.str(),
        [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& value) {
            if (depth == 1 && event == nlohmann::json::parse_event_t::key && value.is_string() &&
                !seen.insert(value.get<std::string>()).second && duplicate.empty()) {
                duplicate = value.get<std::string>();
            }
            return true;
        },
        false);
    if (parsed.is_discarded()) {
        return badCatalogue(fileName, "not valid JSON");
    }
    if (!parsed.is_object()) {
        return badCatalogue(fileName, "must be an object {\"key\": {\"en\": ..., \"ja\": ...}}");
    }
    if (!duplicate.empty()) {
        return badCatalogue(fileName, "key '" + duplicate + "' is declared twice");
    }
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
        if (auto r = addKey(fileName, it.key(), it.value()); !r) {
            return r;
        }
    }
    for (auto language : kLanguages) {
        const nlohmann::json answer{{"lang", language}, {"messages", messages(language)}};
        answers_[std::string(language)] = std::make_shared<const std::string>(answer.dump());
    }
    return {};
}

core::Result<void> MessageCatalogue::addKey(const std::string& fileName, const std::string& key,
                                            const nlohmann::json& texts) {
    if (!isKey(key)) {
        return badCatalogue(fileName, "key '" + key + "' must be 1..200 of [A-Za-z0-9_.-]");
    }
    if (auto earlier = declaredIn_.find(key); earlier != declaredIn_.end()) {
        return badCatalogue(fileName,
                            "key '" + key + "' is already declared in " + earlier->second);
    }
    if (!texts.is_object()) {
        return badCatalogue(fileName, "key '" + key + "': expected {\"en\": ..., \"ja\": ...}");
    }
    for (auto it = texts.begin(); it != texts.end(); ++it) {
        if (!isLanguage(it.key())) {
            return badCatalogue(fileName, "key '" + key + "': unknown language '" + it.key() + "'");
        }
    }
    for (auto language : kLanguages) {
        const std::string lang(language);
        if (!texts.contains(lang)) {
            return badCatalogue(fileName, "key '" + key + "' lacks " + lang);
        }
        const auto& text = texts[lang];
        if (!text.is_string() || text.get_ref<const std::string&>().empty()) {
            return badCatalogue(fileName,
                                "key '" + key + "': " + lang + " must be a non-empty string");
        }
    }
    declaredIn_[key] = fileName;
    en_[key] = texts["en"];
    ja_[key] = texts["ja"];
    return {};
}

const nlohmann::json& MessageCatalogue::messages(std::string_view language) const {
    static const nlohmann::json none = nlohmann::json::object();
    if (language == "en") {
        return en_;
    }
    if (language == "ja") {
        return ja_;
    }
    return none;
}

std::shared_ptr<const std::string> MessageCatalogue::answerText(std::string_view language) const {
    auto it = answers_.find(language);
    if (it != answers_.end()) {
        return it->second;
    }
    // No file added yet: the empty catalogue's answer.
    return isLanguage(language) ? std::make_shared<const std::string>(nlohmann::json{
                                      {"lang", language},
                                      {"messages",
                                       nlohmann::json::object()}}.dump())
                                : nullptr;
}

}  // namespace sekimori::console
