#include "app/api_output.hpp"

#include <ctime>
#include <string>

namespace sekimori::app {

namespace {

std::string text(const nlohmann::json& object, const char* key) {
    if (!object.is_object() || !object.contains(key)) {
        return "-";
    }
    const auto& v = object[key];
    return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

std::string utcTime(long long timeUs) {
    const std::time_t seconds = static_cast<std::time_t>(timeUs / 1'000'000);
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return buffer;
}

void printPendingApproval(const nlohmann::json& body, std::ostream& out) {
    const nlohmann::json approval =
        body.is_object() && body.contains("approval") ? body["approval"] : nlohmann::json::object();
    out << "approval " << text(approval, "id") << " " << text(approval, "state") << " "
        << text(approval, "kind");
    if (approval.contains("expires_us") && approval["expires_us"].is_number_integer()) {
        out << " (expires " << utcTime(approval["expires_us"].get<long long>()) << ")";
    }
    out << "\n";
}

void printApprovalLine(const nlohmann::json& approval, std::ostream& out) {
    out << text(approval, "id") << "\t" << text(approval, "state") << "\t" << text(approval, "kind")
        << "\t" << text(approval, "requester") << "\t" << text(approval, "summary") << "\n";
}

void printOneTimePassword(const nlohmann::json& account, std::ostream& out) {
    out << "operator " << text(account, "name") << " (" << text(account, "role")
        << ") password: " << text(account, "password") << "\n";
}

}  // namespace sekimori::app
