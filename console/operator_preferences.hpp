#pragma once
// What each operator chose for the console (today: the language), in operator_preferences of
// the "console" schema (migrated with the operators table, operator_store.cpp). Not an
// audited table: a preference decides nothing about access; its change is recorded as
// operator.language_set. Blocking: run through the DbWorker.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

// The languages of the message catalogue; an operator who never chose gets kDefaultLanguage.
inline constexpr std::string_view kDefaultLanguage = "ja";
inline constexpr std::string_view kLanguages[] = {"ja", "en"};
bool isLanguage(std::string_view language);

// The operator's language, or kDefaultLanguage when none was stored.
core::Result<std::string> readLanguage(core::Database& db, const std::string& name);
core::Result<void> storeLanguage(core::Database& db, const std::string& name,
                                 std::string_view language);

}  // namespace sekimori::console
