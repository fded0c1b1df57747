#include "doors/panel_routes.hpp"

#include "doors/door_routes.hpp"

namespace sekimori::doors {

std::vector<core::ApiRoute> panelRoutes(std::function<nlohmann::json()> panels) {
    return {{core::HttpMethod::get, "/api/panels", kDoorViewers, core::RunOn::io,
             [panels = std::move(panels)](const core::ApiCall& call, core::ApiReply reply) {
                 if (!call.query.empty()) {
                     auto bad = core::apiError(
                         400, call.query.begin()->first + ": unknown query parameter");
                     bad.body["code"] = "doors.bad_request";
                     reply(std::move(bad));
                     return;
                 }
                 reply(core::ApiResult{200, panels()});
             }}};
}

}  // namespace sekimori::doors
