#pragma once
// The five operator roles and the sets a route admits; names are the ones stored in the
// operators table and shown in the UI.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekimori::core {

// auditor reads and verifies, changes nothing; bcpCoordinator runs drills and reads reports.
enum class Role : std::uint8_t {
    deskOperator,
    facilityAdmin,
    securityAdmin,
    auditor,
    bcpCoordinator
};

inline constexpr Role kAllRoles[] = {Role::deskOperator, Role::facilityAdmin, Role::securityAdmin,
                                     Role::auditor, Role::bcpCoordinator};

// "operator", "facility_admin", "security_admin", "auditor", "bcp_coordinator".
std::string_view roleName(Role role);
std::optional<Role> parseRole(std::string_view name);

class RoleSet {
  public:
    constexpr RoleSet() = default;
    constexpr RoleSet(std::initializer_list<Role> roles) {
        for (Role r : roles) {
            bits_ |= bit(r);
        }
    }
    static constexpr RoleSet all() {
        return RoleSet{Role::deskOperator, Role::facilityAdmin, Role::securityAdmin, Role::auditor,
                       Role::bcpCoordinator};
    }
    constexpr bool contains(Role role) const { return (bits_ & bit(role)) != 0; }
    std::vector<std::string> names() const;

  private:
    static constexpr unsigned bit(Role r) { return 1U << static_cast<unsigned>(r); }
    unsigned bits_ = 0;
};

}  // namespace sekimori::core
