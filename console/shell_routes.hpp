#pragma once
// What the web shell needs besides the data routes: the site and its zones (GET /api/site), the
// message catalogue (GET /api/ui/messages, public: the login page is translated too) and the
// operator's language (POST /api/session/language).
#include <memory>
#include <nlohmann/json.hpp>

#include "console/console_context.hpp"
#include "console/router.hpp"
#include "core/site_config_model.hpp"

namespace sekimori::console {

inline constexpr std::string_view kLanguageRoute = "/api/session/language";

// {"id","name","utc_offset_minutes"}
nlohmann::json siteJson(const core::SiteInfo& site);

core::Result<void> addShellRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context);

}  // namespace sekimori::console
