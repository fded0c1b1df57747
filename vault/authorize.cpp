#include "vault/authorize.hpp"

namespace sekimori::vault {

AuthorizeAnswer authorize(const policy::WorkWindowBook& book, const AreaPresence& presence,
                          const std::set<std::string>& areas, const std::string& person,
                          const std::string& area, core::TimeUs nowUs) {
    AuthorizeAnswer answer;
    answer.inside = presence.inside(person, area);
    if (areas.count(area) == 0) {
        answer.reason = "unknown_area";
        return answer;
    }
    if (!book.isHandler(person, area)) {
        answer.reason = "not_a_handler";
        return answer;
    }
    answer.window = book.openWindow(person, area, nowUs);
    if (answer.window == nullptr) {
        answer.reason = "no_window";
        return answer;
    }
    if (!answer.inside) {
        answer.reason = "not_inside";
        return answer;
    }
    for (const auto& other : presence.occupants(area)) {
        if (other != person && book.openWindow(other, area, nowUs) != nullptr) {
            answer.secondPerson = other;
            break;
        }
    }
    if (answer.secondPerson.empty()) {
        answer.reason = "alone";
        return answer;
    }
    answer.authorized = true;
    answer.reason = "ok";
    return answer;
}

}  // namespace sekimori::vault
