#pragma once
// What a password an operator chooses must be: long enough to resist offline guessing of a
// stolen hash, and not trivially tied to the account. (A generated one-time password is 24
// random characters and always passes.)
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sekimori::console {

inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordLength = 1024;
inline constexpr std::size_t kMinDistinctCharacters = 6;

// Why `password` may not be the new password of `name` (replacing `old`), or nothing.
std::optional<std::string> passwordWeakness(std::string_view password, std::string_view name,
                                            std::string_view old);

}  // namespace sekimori::console
