#include "core/api_actor.hpp"

#include <gtest/gtest.h>

namespace sekimori::core {
namespace {

TEST(ApiActor, NamesOperatorRoleAndUnixUser) {
    ApiCall call;
    call.actor = "sato";
    call.role = Role::facilityAdmin;
    call.unixUser = "sato-u";
    nlohmann::json fields = actorFields(call);
    EXPECT_EQ(fields, (nlohmann::json{
                          {"actor", "sato"}, {"role", "facility_admin"}, {"unix_user", "sato-u"}}));
    EXPECT_EQ(actorSource(call), "operator:sato");
}

TEST(ApiActor, LeavesUnixUserOutOverHttps) {
    ApiCall call;
    call.actor = "kato";
    call.role = Role::securityAdmin;
    nlohmann::json fields = actorFields(call);
    EXPECT_FALSE(fields.contains("unix_user"));
    EXPECT_EQ(fields.at("role"), "security_admin");
}

}  // namespace
}  // namespace sekimori::core
