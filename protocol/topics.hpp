#pragma once
// Every MQTT topic Sekimori uses, built from one place. docs/mqtt.md is the contract.
//   sekimori/<site>/panel/<panel>/request   panel -> controller  (credential steps)
//   sekimori/<site>/panel/<panel>/reply     controller -> panel  (next factor, decision)
//   sekimori/<site>/panel/<panel>/event     panel -> controller  (door position, tamper, exit)
//   sekimori/<site>/panel/<panel>/status    panel -> all, retained (online/offline, last will)
//   sekimori/<site>/panel/<panel>/link      controller -> panel, retained (link epoch)
//   sekimori/<site>/panel/<panel>/command   controller -> panel  (door commands, deny list)
//   sekimori/<site>/panel/<panel>/ack       panel -> controller  (a command carried out)
//   sekimori/<site>/audit/checkpoint        controller -> all, retained (signed checkpoint)
//   sekimori/<site>/error                   controller -> all (bad payloads, foreign topics)
#include <optional>
#include <string>
#include <string_view>

#include "protocol/ids.hpp"

namespace sekimori::protocol {

enum class PanelChannel { request, reply, event, status, link, command, ack };

std::string_view channelName(PanelChannel channel);
std::string panelTopic(std::string_view site, std::string_view panel, PanelChannel channel);
// Every panel's topic of one channel: "sekimori/<site>/panel/+/request". The doors service
// subscribes to request, event and status separately (it never hears its own replies).
std::string panelChannelFilter(std::string_view site, PanelChannel channel);
// Everything under the site's panels (observers, broker ACLs).
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

}  // namespace sekimori::protocol
