#pragma once
// MQTT passwords live in var/secrets/mqtt/<account>.password (0600, written by scripts/broker);
// this reads one without ever putting it in a log line or an error message.
#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace sekimori::io {

// The file's first line. Errors name the file, never its content; a file readable by group or
// others is refused, since anyone on the host could then speak as the account.
core::Result<std::string> readMqttPasswordFile(const std::filesystem::path& path);

// <secretsDir>/<account>.password, e.g. mqttPasswordPath("var/secrets/mqtt", "sekimorid").
std::filesystem::path mqttPasswordPath(const std::filesystem::path& secretsDir,
                                       const std::string& account);

}  // namespace sekimori::io
