#pragma once
// RFC 3339 times as the vault link and reports carry them: "2026-12-02T09:00:00+09:00",
// "2026-12-02T00:00:00.250Z". An offset is required (a time without one names no instant).
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace sekimori::policy {

// Unix µs; nullopt for anything else (no offset, bad field, a fraction of more than 6 digits).
std::optional<core::TimeUs> parseRfc3339(std::string_view text);
// Whole seconds (µs when not whole) at the given offset from UTC, e.g. +540 -> "+09:00".
std::string formatRfc3339(core::TimeUs timeUs, int utcOffsetMinutes);

}  // namespace sekimori::policy
