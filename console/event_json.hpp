#pragma once
// The JSON shape of one recorded event, shared by GET /api/events and the /ws/events push:
// {seq, time_us, type, source, subject, payload (object), hash (hex)}.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/event.hpp"

namespace sekimori::console {

nlohmann::json eventJson(const core::RecordedEvent& event);
// eventJson(event) as text for the /ws/events push, built on the io thread without a JSON tree
// of the payload: when the recorder found the payload a JSON object (event.body) its stored text
// is spliced in as is (an upload of a panel's journal publishes hundreds of events with signed
// reports inside; parsing each again held the io thread past the watchdog's limit under ASan).
// The same document as eventJson(event).dump(), its keys in another order.
std::string eventMessage(const core::RecordedEvent& event);
// payload is stored as compact JSON text; anything that is not an object is wrapped so the
// field is always an object for the UI.
nlohmann::json payloadObject(std::string_view payload);

}  // namespace sekimori::console
