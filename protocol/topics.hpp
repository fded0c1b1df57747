#pragma once
// Every MQTT topic Sekimori uses, built from one place. docs/mqtt.md is the contract.
//   sekimori/<site>/panel/<panel>/request   panel -> controller  (credential steps)
//   sekimori/<site>/panel/<panel>/reply     controller -> panel  (next factor, decision)
//   sekimori/<site>/panel/<panel>/event     panel -> controller  (door position, tamper, exit)
//   sekimori/<site>/panel/<panel>/status    panel -> all, retained (online/offline, last will)
//   sekimori/<site>/audit/checkpoint        controller -> all, retained (signed checkpoint)
//   sekimori/<site>/error                   controller -> all (bad payloads, foreign topics)
#include <optional>
#include <string>
#include <string_view>

namespace sekimori::protocol {

enum class PanelChannel { request, reply, event, status };

std::string_view channelName(PanelChannel channel);
std::string panelTopic(std::string_view site, std::string_view panel, PanelChannel channel);
// Wildcard the controller subscribes to for everything panels send.
std::string panelWildcard(std::string_view site);
std::string checkpointTopic(std::string_view site);
std::string errorTopic(std::string_view site);

struct PanelTopic {
    std::string panel;
    PanelChannel channel;
};
// Splits "sekimori/<site>/panel/<panel>/<channel>"; nullopt for anything else (a foreign
// topic), including another site's.
std::optional<PanelTopic> parsePanelTopic(std::string_view site, std::string_view topic);

// Identifiers (site, panel, door, zone, person ids) are 1..64 of [a-z0-9_-]; this keeps them
// safe in topics, ACL patterns, file names and logs.
bool isValidId(std::string_view id);

}  // namespace sekimori::protocol
