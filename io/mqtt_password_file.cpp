#include "io/mqtt_password_file.hpp"

#include <fstream>
#include <system_error>

namespace sekimori::io {

core::Result<std::string> readMqttPasswordFile(const std::filesystem::path& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::is_regular_file(status)) {
        return core::makeError("mqtt.password_file", "cannot read MQTT password file " +
                                                         path.string() + ": no such file");
    }
    using std::filesystem::perms;
    if ((status.permissions() & (perms::group_all | perms::others_all)) != perms::none) {
        return core::makeError("mqtt.password_file",
                               "MQTT password file " + path.string() +
                                   " is readable by group or others; chmod 0600 it");
    }
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) {
        return core::makeError("mqtt.password_file",
                               "cannot read MQTT password file " + path.string());
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    if (line.empty()) {
        return core::makeError("mqtt.password_file",
                               "MQTT password file " + path.string() + " is empty");
    }
    return line;
}

std::filesystem::path mqttPasswordPath(const std::filesystem::path& secretsDir,
                                       const std::string& account) {
    return secretsDir / (account + ".password");
}

}  // namespace sekimori::io
