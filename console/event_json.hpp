#pragma once
// The JSON shape of one recorded event, shared by GET /api/events and the /ws/events push:
// {seq, time_us, type, source, subject, payload (object), hash (hex)}.
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/event.hpp"

namespace sekimori::console {

nlohmann::json eventJson(const core::RecordedEvent& event);
// payload is stored as compact JSON text; anything that is not an object is wrapped so the
// field is always an object for the UI.
nlohmann::json payloadObject(std::string_view payload);

}  // namespace sekimori::console
