#pragma once
// The one identifier syntax of Sekimori: site, panel, door, zone, schedule, person and config
// ids are 1..64 of [a-z0-9_-]. It keeps them safe in MQTT topics, ACL patterns, file names and
// log lines. core's configuration check and every protocol parser use this function.
#include <cstddef>
#include <string_view>

namespace sekimori::protocol {

inline constexpr std::size_t kMaxIdChars = 64;

bool isValidId(std::string_view id);

}  // namespace sekimori::protocol
