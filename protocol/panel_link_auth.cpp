#include "protocol/panel_link_auth.hpp"

namespace sekimori::protocol {
namespace {

void appendLp(std::string& out, std::string_view bytes) {
    const auto size = static_cast<std::uint32_t>(bytes.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((size >> shift) & 0xff));
    }
    out.append(bytes);
}

void appendU64(std::string& out, std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
}

std::string_view stepName(const PanelRequest& request) {
    if (std::holds_alternative<CardPresented>(request.step)) {
        return toString(Factor::card);
    }
    if (std::holds_alternative<PinEntered>(request.step)) {
        return toString(Factor::pin);
    }
    if (std::holds_alternative<KeypadCode>(request.step)) {
        return "keypad";  // the request's own step word, as on the wire
    }
    return toString(Factor::finger);
}

bool isLowerHex(std::string_view text) {
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string macInput(const MacFields& f) {
    std::string out;
    out.reserve(96 + f.tag.size() + f.site.size() + f.panel.size() + f.door.size() +
                f.session.size() + f.epoch.size() + f.nonce.size() + f.body.size());
    appendLp(out, f.tag);
    appendLp(out, f.site);
    appendLp(out, f.panel);
    appendLp(out, f.door);
    appendLp(out, f.session);
    appendLp(out, f.step);
    appendLp(out, f.epoch);
    appendU64(out, f.counter);
    appendLp(out, f.nonce);
    appendLp(out, f.body);
    return out;
}

std::string requestMacInput(std::string_view site, std::string_view panel,
                            const PanelRequest& request, std::string_view body) {
    return macInput({kRequestTag, site, panel, request.door, request.session, stepName(request),
                     request.auth.epoch, request.auth.counter, request.auth.nonce, body});
}

std::string replyMacInput(std::string_view site, std::string_view panel, const PanelReply& reply,
                          std::string_view body) {
    return macInput({kReplyTag, site, panel, reply.door, reply.session, toString(reply.step),
                     reply.auth.epoch, reply.auth.counter, reply.auth.nonce, body});
}

std::string linkMacInput(std::string_view site, std::string_view panel, const PanelLink& link,
                         std::string_view body) {
    return macInput({kLinkTag, site, panel, "", "", "", link.epoch, 0, "", body});
}

std::string reportSigningInput(std::string_view site, std::string_view panel,
                               std::string_view report) {
    std::string out;
    appendLp(out, kReportTag);
    appendLp(out, site);
    appendLp(out, panel);
    appendLp(out, report);
    return out;
}

std::optional<std::string> bodyBefore(std::string_view payload, std::string_view field,
                                      std::size_t hexChars) {
    // ,"<field>":"<hex>"}
    const std::size_t trailer = 2 + field.size() + 3 + hexChars + 2;
    if (payload.size() < trailer + 2) {
        return std::nullopt;
    }
    const std::string_view tail = payload.substr(payload.size() - trailer);
    const std::string head = ",\"" + std::string(field) + "\":\"";
    if (tail.substr(0, head.size()) != head || tail.substr(tail.size() - 2) != "\"}" ||
        !isLowerHex(tail.substr(head.size(), hexChars))) {
        return std::nullopt;
    }
    std::string body(payload.substr(0, payload.size() - trailer));
    body.push_back('}');
    return body;
}

std::string appendMember(std::string_view body, std::string_view field, std::string_view hex) {
    std::string out(body.substr(0, body.empty() ? 0 : body.size() - 1));  // drop the '}'
    out.append(",\"").append(field).append("\":\"").append(hex).append("\"}");
    return out;
}

}  // namespace sekimori::protocol
