#pragma once
// The secrets the doors service holds while it runs (app/door_wiring.cpp loads them from
// var/keys/). The service wipes its copies when it is destroyed.
#include <map>
#include <string>

#include "core/crypto.hpp"

namespace sekimori::doors {

struct DoorKeys {
    core::Bytes pepper;                            // pin-pepper.key (32 bytes)
    core::Bytes templateKey;                       // template.key (32 bytes)
    std::map<std::string, core::Bytes> panelKeys;  // panels/<panel>.key by panel id (32 bytes)
    // panels/<panel>.sign.pub: each panel's own Ed25519 public key (32 bytes), enrolled from the
    // panel; a panel without one has its event reports refused (panel.link_refused no_key).
    std::map<std::string, core::Bytes> panelSignKeys;
};

}  // namespace sekimori::doors
