#pragma once
// GET /api/panels (the roles that see the doors page, kDoorViewers): every declared panel with
// its offline cache sync state (doors/offline_sync): online, cache version acknowledged and
// current, entries, pending, in sync or behind since when (and whether panel.cache_behind is
// raised), the cache version and journal backlog the panel last reported (PanelStatus
// cache_version, journal_pending). The doors page's "Panels" section (web/panel_sync.js) reads it.
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api_route.hpp"

namespace sekimori::doors {

// `panels` answers {"panels":[...]} (OfflineSync::toJson); runs on the io thread.
std::vector<core::ApiRoute> panelRoutes(std::function<nlohmann::json()> panels);

}  // namespace sekimori::doors
