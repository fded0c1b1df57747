#include "app/person_view.hpp"

#include <ctime>

namespace sekimori::app {
namespace {

std::string text(const nlohmann::json& object, const char* key) {
    if (!object.is_object() || !object.contains(key) || object[key].is_null()) {
        return "-";
    }
    const auto& v = object[key];
    return v.is_string() ? v.get<std::string>() : v.dump();
}

long long integer(const nlohmann::json& object, const char* key) {
    if (!object.is_object() || !object.contains(key) || !object[key].is_number_integer()) {
        return 0;
    }
    return object[key].get<long long>();
}

const nlohmann::json& array(const nlohmann::json& object, const char* key) {
    static const nlohmann::json kEmpty = nlohmann::json::array();
    if (!object.is_object() || !object.contains(key) || !object[key].is_array()) {
        return kEmpty;
    }
    return object[key];
}

std::string validity(const nlohmann::json& row) {
    return utcTimeOrDash(integer(row, "valid_from_us")) + ".." +
           utcTimeOrDash(integer(row, "valid_until_us"));
}

}  // namespace

std::string utcTimeOrDash(long long timeUs) {
    if (timeUs == 0) {
        return "-";
    }
    const std::time_t seconds = static_cast<std::time_t>(timeUs / 1'000'000);
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return buffer;
}

void printPeopleList(const nlohmann::json& body, std::ostream& out) {
    out << "id\tname\tstate\tcards\n";
    for (const auto& p : array(body, "people")) {
        std::string cards;
        for (const auto& c : array(p, "cards")) {
            // Piecewise: GCC 12 at -O3 warns falsely (-Wrestrict) on "," + std::string.
            if (!cards.empty()) {
                cards += ',';
            }
            cards += text(c, "uid");
            cards += ':';
            cards += text(c, "state");
        }
        const bool active = p.is_object() && p.value("active", false);
        out << text(p, "id") << "\t" << text(p, "name") << "\t" << (active ? "active" : "disabled")
            << "\t" << (cards.empty() ? "-" : cards) << "\n";
    }
}

void printPersonPage(const nlohmann::json& body, std::ostream& out) {
    const nlohmann::json person =
        body.is_object() && body.contains("person") ? body["person"] : nlohmann::json::object();
    const bool active = person.value("active", false);
    out << "person\t" << text(person, "id") << "\n";
    out << "name\t" << text(person, "name") << "\n";
    out << "state\t" << (active ? "active" : "disabled") << "\n";
    const std::string organisation = text(person, "organisation");
    out << "organisation\t" << (organisation.empty() ? "-" : organisation) << "\n";
    out << "valid\t" << validity(person) << "\n";
    out << "escort_required\t" << (person.value("escort_required", false) ? "yes" : "no") << "\n";
    std::string factors;
    if (person.contains("factors") && person["factors"].is_object()) {
        for (const auto& [name, enrolled] : person["factors"].items()) {
            if (!factors.empty()) {
                factors += ' ';
            }
            factors += name;
            factors += enrolled.is_boolean() && enrolled.get<bool>() ? "=yes" : "=no";
        }
    }
    out << "factors\t" << (factors.empty() ? "-" : factors) << "\n";
    for (const auto& c : array(person, "cards")) {
        out << "card\t" << text(c, "uid") << "\t" << text(c, "state") << "\n";
        for (const auto& h : array(c, "history")) {
            out << "  history\t" << utcTimeOrDash(integer(h, "time_us")) << "\t" << text(h, "type")
                << "\t" << text(h, "why") << "\t" << text(h, "actor") << "\n";
        }
    }
    for (const auto& g : array(person, "grants")) {
        out << "grant\t" << text(g, "zone") << "\t" << text(g, "schedule") << "\n";
    }
    for (const auto& l : array(person, "levels")) {
        out << "level\t" << text(l, "level") << "\t" << validity(l) << "\n";
    }
    for (const auto& g : array(person, "groups")) {
        out << "group\t" << text(g, "id") << "\n";
        for (const auto& l : array(g, "levels")) {
            out << "  level\t" << text(l, "level") << "\t" << validity(l) << "\n";
        }
    }
    for (const auto& e : array(person, "recent_events")) {
        out << "event\t" << integer(e, "seq") << "\t" << utcTimeOrDash(integer(e, "time_us"))
            << "\t" << text(e, "type") << "\t" << text(e, "source") << "\n";
    }
}

}  // namespace sekimori::app
