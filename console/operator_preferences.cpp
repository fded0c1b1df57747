#include "console/operator_preferences.hpp"

namespace sekimori::console {

bool isLanguage(std::string_view language) {
    for (auto known : kLanguages) {
        if (language == known) {
            return true;
        }
    }
    return false;
}

core::Result<std::string> readLanguage(core::Database& db, const std::string& name) {
    auto st = db.prepare("SELECT language FROM operator_preferences WHERE name = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, std::string_view(name));
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    std::string language = *row ? st->columnText(0) : std::string(kDefaultLanguage);
    // A value written behind the daemon's back is not served to the shell.
    return isLanguage(language) ? language : std::string(kDefaultLanguage);
}

core::Result<void> storeLanguage(core::Database& db, const std::string& name,
                                 std::string_view language) {
    auto st = db.prepare(
        "INSERT INTO operator_preferences(name, language) VALUES(?1, ?2)"
        " ON CONFLICT(name) DO UPDATE SET language = excluded.language");
    if (!st) {
        return st.error();
    }
    st->bind(1, std::string_view(name)).bind(2, language);
    return st->run();
}

}  // namespace sekimori::console
