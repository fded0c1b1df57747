#pragma once
// protocol/ includes nothing of ours, so it carries its own small result type: a value, or the
// field and what was wrong with it.
#include <optional>
#include <string>

namespace sekimori::protocol {

template <class T>
struct Parsed {
    std::optional<T> value;
    std::string error;  // names the field and what was wrong when value is empty
    explicit operator bool() const { return value.has_value(); }
};

}  // namespace sekimori::protocol
