#include "protocol/ids.hpp"

namespace sekimori::protocol {

bool isValidId(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdChars) {
        return false;
    }
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace sekimori::protocol
