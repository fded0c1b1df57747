#pragma once
// The bytes the panel link authenticates (docs/mqtt.md, "The authenticated link"): the canonical
// MAC input of a request, reply or link announcement, and the bytes a panel signs for a report
// it makes. protocol/ holds no crypto; the controller (doors/) and the panels (firmware/ HAL,
// sim/) compute HMAC-SHA-256 and Ed25519 over exactly these bytes.
//
//   MAC key = HMAC-SHA-256(panel key, "sekimori.panel.mac.v1")
//   mac     = HMAC-SHA-256(MAC key, lp(tag) lp(site) lp(panel) lp(door) lp(session) lp(step)
//                          lp(epoch) u64be(counter) lp(nonce) lp(body))
//   sig     = Ed25519(panel signing key, lp("sekimori.panel.report.v1") lp(site) lp(panel)
//                     lp(report))
// lp(x) = 4-byte big-endian length, then x. `body` is the exact payload without its trailing
// mac member; `report` the exact event payload without its trailing sig member.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/door_messages.hpp"

namespace sekimori::protocol {

inline constexpr std::string_view kMacKeyLabel = "sekimori.panel.mac.v1";
inline constexpr std::string_view kRequestTag = "sekimori.panel.request.v1";
inline constexpr std::string_view kReplyTag = "sekimori.panel.reply.v1";
inline constexpr std::string_view kLinkTag = "sekimori.panel.link.v1";
inline constexpr std::string_view kReportTag = "sekimori.panel.report.v1";

struct MacFields {
    std::string_view tag;
    std::string_view site;
    std::string_view panel;
    std::string_view door;
    std::string_view session;
    std::string_view step;
    std::string_view epoch;
    std::uint64_t counter = 0;
    std::string_view nonce;
    std::string_view body;
};
std::string macInput(const MacFields& fields);

// The MAC input of each message, from its parsed fields and the exact body bytes.
std::string requestMacInput(std::string_view site, std::string_view panel,
                            const PanelRequest& request, std::string_view body);
std::string replyMacInput(std::string_view site, std::string_view panel, const PanelReply& reply,
                          std::string_view body);
// A link announcement binds only site, panel and epoch (door, session, step and nonce empty,
// counter 0).
std::string linkMacInput(std::string_view site, std::string_view panel, const PanelLink& link,
                         std::string_view body);
std::string reportSigningInput(std::string_view site, std::string_view panel,
                               std::string_view report);

// `payload` without its last member (the object closed after the member before it) when that member
// is exactly `,"<field>":"<hex>"}` with `hexChars` lower-case hex digits; nullopt otherwise (a MAC
// or signature that is not last, or not written that way, does not verify).
std::optional<std::string> bodyBefore(std::string_view payload, std::string_view field,
                                      std::size_t hexChars);
inline std::optional<std::string> bodyBeforeMac(std::string_view payload) {
    return bodyBefore(payload, "mac", kMacHexChars);
}
inline std::optional<std::string> reportBeforeSig(std::string_view payload) {
    return bodyBefore(payload, "sig", kSigHexChars);
}
// `body` (a compact JSON object) with `,"<field>":"<hex>"` added as its last member.
std::string appendMember(std::string_view body, std::string_view field, std::string_view hex);

}  // namespace sekimori::protocol
