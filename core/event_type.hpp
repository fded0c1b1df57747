#pragma once
// An event type is a name declared once, in its domain's <domain>/<domain>_event_types.hpp, as
//   inline constexpr core::EventType kAccessGranted{"access.granted"};
// and written in docs/events.md (tests/core/event_types_documented_test.cpp checks both ways).
// Code records and matches the constant, never a string literal, so a typo fails to compile and
// a rename is one edit. The constructor is consteval: a malformed name does not compile.
#include <string>
#include <string_view>

namespace sekimori::core {

// "<domain>.<name>": lower-case letters, digits and '_', at least one '.', no empty part.
constexpr bool isValidEventTypeName(std::string_view name) {
    if (name.empty() || name.front() == '.' || name.back() == '.') {
        return false;
    }
    bool sawDot = false;
    char previous = '\0';
    for (const char c : name) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (c == '.') {
            if (previous == '.') {
                return false;
            }
            sawDot = true;
        } else if (!word) {
            return false;
        }
        previous = c;
    }
    return sawDot;
}

struct EventType {
    std::string_view name;

    // Reached only during constant evaluation: an invalid name makes the declaration ill-formed.
    consteval EventType(const char* text) : name(text) {
        if (!isValidEventTypeName(name)) {
            throw "event type names are <domain>.<name> of [a-z0-9_]";
        }
    }

    // The text before the first '.': "access" for "access.granted".
    constexpr std::string_view domain() const { return name.substr(0, name.find('.')); }

    constexpr operator std::string_view() const { return name; }
    // core::Event::type is a std::string: lets `core::Event{now, kAccessGranted, ...}` read well.
    operator std::string() const { return std::string(name); }

    // Also serves EventType == EventType and std::string == EventType (C++20 rewrites).
    friend constexpr bool operator==(EventType a, std::string_view b) { return a.name == b; }
};

}  // namespace sekimori::core
