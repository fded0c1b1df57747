#include "console/password_policy.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace sekimori::console {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

std::optional<std::string> passwordWeakness(std::string_view password, std::string_view name,
                                            std::string_view old) {
    if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
        return "must be " + std::to_string(kMinPasswordLength) + " to " +
               std::to_string(kMaxPasswordLength) + " characters";
    }
    if (password == old) {
        return "must differ from the current password";
    }
    if (name.size() >= 3 && lower(password).find(lower(name)) != std::string::npos) {
        return "must not contain the operator name";
    }
    const std::set<char> distinct(password.begin(), password.end());
    if (distinct.size() < kMinDistinctCharacters) {
        return "must use at least " + std::to_string(kMinDistinctCharacters) +
               " different characters";
    }
    return std::nullopt;
}

}  // namespace sekimori::console
