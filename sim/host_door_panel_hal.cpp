#include "sim/host_door_panel_hal.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "protocol/topics.hpp"
#include "sim/fingerprint_model.hpp"

namespace sekimori::sim {

namespace {
using Json = nlohmann::ordered_json;

std::string line(const Json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

HostDoorPanelHal::HostDoorPanelHal(std::string site, std::string panel, core::Bytes panelKey,
                                   io::MqttLink& link, LineSink sink)
    : site_(std::move(site)),
      panel_(std::move(panel)),
      panelKey_(std::move(panelKey)),
      link_(link),
      sink_(std::move(sink)) {}

std::string HostDoorPanelHal::sealPin(std::string_view digits) {
    return core::toBase64(core::sealBox(panelKey_, digits));
}

std::optional<int> HostDoorPanelHal::matchFinger(std::string_view templateBox,
                                                 std::string_view liveSample) {
    const auto sealed = core::fromBase64(templateBox);
    if (!sealed) {
        return std::nullopt;
    }
    const auto fingerprintTemplate = core::openBox(panelKey_, *sealed);
    if (!fingerprintTemplate) {
        return std::nullopt;
    }
    return fingerprintScore(*fingerprintTemplate, liveSample);
}

void HostDoorPanelHal::publishRequest(const protocol::PanelRequest& request) {
    send(protocol::PanelChannel::request, protocol::encode(request));
}

void HostDoorPanelHal::publishEvent(const protocol::PanelEvent& event) {
    send(protocol::PanelChannel::event, protocol::encode(event));
}

void HostDoorPanelHal::send(protocol::PanelChannel channel, const std::string& payload) {
    const std::string topic = protocol::panelTopic(site_, panel_, channel);
    link_.publish(topic, payload);
    Json out;
    out["out"] = "sent";
    out["topic"] = topic;
    out["payload"] = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
    sink_(line(out));
}

void HostDoorPanelHal::driveLock(bool released, int ms) {
    Json out;
    out["out"] = "lock";
    out["released"] = released;
    out["ms"] = ms;
    sink_(line(out));
}

void HostDoorPanelHal::display(const firmware::Display& display) {
    Json out;
    out["out"] = "display";
    out["screen"] = firmware::toString(display.screen);
    out["text"] = firmware::displayText(display);
    if (!display.reason.empty()) {
        out["reason"] = display.reason;
    }
    sink_(line(out));
}

}  // namespace sekimori::sim
