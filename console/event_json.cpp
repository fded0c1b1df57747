#include "console/event_json.hpp"

#include "core/crypto.hpp"

namespace sekimori::console {

nlohmann::json payloadObject(std::string_view payload) {
    auto parsed = nlohmann::json::parse(payload, nullptr, false);
    if (parsed.is_discarded()) {
        return {{"unparsed", std::string(payload)}};
    }
    if (!parsed.is_object()) {
        return {{"value", parsed}};
    }
    return parsed;
}

nlohmann::json eventJson(const core::RecordedEvent& e) {
    return {{"seq", e.seq},
            {"time_us", e.event.timeUs},
            {"type", e.event.type},
            {"source", e.event.source},
            {"subject", e.event.subject},
            {"payload", payloadObject(e.event.payload)},
            {"hash", core::toHex(e.hash)}};
}

std::string eventMessage(const core::RecordedEvent& e) {
    if (!e.body || !e.body->is_object()) {
        return eventJson(e).dump();  // wrapped as the UI expects
    }
    const nlohmann::json head{{"seq", e.seq},
                              {"time_us", e.event.timeUs},
                              {"type", e.event.type},
                              {"source", e.event.source},
                              {"subject", e.event.subject},
                              {"hash", core::toHex(e.hash)}};
    std::string text = head.dump();
    text.pop_back();  // the closing brace: the payload goes last
    text += ",\"payload\":";
    text += e.event.payload;
    text += '}';
    return text;
}

}  // namespace sekimori::console
