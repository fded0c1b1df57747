#include "protocol/topics.hpp"

namespace sekimori::protocol {

std::string_view channelName(PanelChannel channel) {
    switch (channel) {
        case PanelChannel::request:
            return "request";
        case PanelChannel::reply:
            return "reply";
        case PanelChannel::event:
            return "event";
        case PanelChannel::status:
            return "status";
        case PanelChannel::link:
            return "link";
        case PanelChannel::command:
            return "command";
        case PanelChannel::ack:
            return "ack";
    }
    return "";
}

std::string panelTopic(std::string_view site, std::string_view panel, PanelChannel channel) {
    std::string t = "sekimori/";
    t.append(site).append("/panel/").append(panel).append("/").append(channelName(channel));
    return t;
}

std::string panelChannelFilter(std::string_view site, PanelChannel channel) {
    return panelTopic(site, "+", channel);
}

std::string panelWildcard(std::string_view site) {
    return "sekimori/" + std::string(site) + "/panel/+/+";
}

std::string checkpointTopic(std::string_view site) {
    return "sekimori/" + std::string(site) + "/audit/checkpoint";
}

std::string errorTopic(std::string_view site) {
    return "sekimori/" + std::string(site) + "/error";
}

std::optional<PanelTopic> parsePanelTopic(std::string_view site, std::string_view topic) {
    const std::string prefix = "sekimori/" + std::string(site) + "/panel/";
    if (topic.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    topic.remove_prefix(prefix.size());
    const auto slash = topic.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view panel = topic.substr(0, slash);
    const std::string_view channel = topic.substr(slash + 1);
    if (!isValidId(panel)) {
        return std::nullopt;
    }
    for (auto c :
         {PanelChannel::request, PanelChannel::reply, PanelChannel::event, PanelChannel::status,
          PanelChannel::link, PanelChannel::command, PanelChannel::ack}) {
        if (channel == channelName(c)) {
            return PanelTopic{std::string(panel), c};
        }
    }
    return std::nullopt;
}

}  // namespace sekimori::protocol
