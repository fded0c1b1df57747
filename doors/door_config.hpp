#pragma once
// The doors domain's part of the site file: [[doors]], [[circle_gates]], [door_lockout] and
// [card_formats], read and checked by
// doors' own ConfigSection (docs/config.md). Declares ids of kind "door", "circle_gate" and
// "panel"; checks zones, the site rule that management and handling areas take all three
// factors, and that a portal's plan point lies on its floor's plan.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config_section.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

// Where the console draws a door or gate: a point on one floor's plan (docs/config.md, `plan`).
// The file gives x and y; check() finds the floor: the one the to_zone lies on, else the
// from_zone's.
struct PlanPoint {
    std::string floor;
    double x = 0;
    double y = 0;
};

struct DoorConfig {
    std::string id;
    std::string name;
    std::string panel;
    std::string fromZone;
    std::string toZone;
    std::vector<protocol::Factor> entryFactors;  // in the order asked; card first
    std::vector<protocol::Factor> exitFactors;   // empty = free exit by request-to-exit
    std::chrono::milliseconds unlock{5000};
    std::chrono::milliseconds stepTimeout{15000};
    int fingerThreshold = 60;  // minimum match score 0..100 the controller accepts
    std::chrono::milliseconds heldOpen{30000};
    std::optional<PlanPoint> plan;  // absent: not drawn
    // A keypad with no card reader: entry_factors = ["pin"], the code names the person.
    bool keypadOnly = false;
    std::vector<std::string> cardFormats;          // protocol/card_format.hpp names; empty: any
    std::chrono::milliseconds heldOpenWarning{0};  // the pre-alarm before heldOpen; 0: none
    // First-person-in: the door stays locked during the schedule until one of `groups` (anyone
    // granted when empty) enters, then is held unlocked until the window ends.
    struct FirstPersonIn {
        std::string schedule;
        std::vector<std::string> groups;
    };
    std::optional<FirstPersonIn> firstPersonIn;
    // Issue 21: "door", "rack" (an electronic rack handle: its opening moves nobody) or
    // "key_cabinet" (the cabinet's door; custody/ releases the slots). DoorSpec::kind.
    std::string kind = "door";
    std::string camera;  // the declared camera that watches it (a rack's aisle camera); optional
};

struct CircleGateConfig {
    std::string id;
    std::string name;
    std::string panel;
    std::string fromZone;
    std::string toZone;
    std::vector<protocol::Factor> entryFactors;
    std::vector<protocol::Factor> exitFactors;
    int maxOccupants = 1;
    double maxWeightKg = 0;  // a cycle weighing more is refused as two people
    std::chrono::milliseconds cycleTimeout{60000};
    std::chrono::milliseconds stepTimeout{15000};
    int fingerThreshold = 60;
    std::optional<PlanPoint> plan;
    // Issue 15 (docs/config.md [[circle_gates]]): the camera watching the booth (a declared
    // [[cameras]] id; its reference rides on every gate event), the plate's tolerance around the
    // person's enrolled weight, and what each leaf does on power loss (fail-safe: released).
    std::string camera;
    int weightTolerancePct = 15;
    bool outerFailSafe = true;
    bool innerFailSafe = false;
};

// [door_lockout]: wrong PINs and wrong fingers are counted per card; `maxFailures` of them
// within `window` lock the card out (access.card_locked_out) for `lock`, during which every
// attempt with it is denied locked_out.
struct LockoutConfig {
    int maxFailures = 5;
    std::chrono::seconds window{300};
    std::chrono::seconds lock{900};
};

// [card_formats]: site-wide rules for the card readings (protocol/card_format.hpp). A Wiegand
// card whose facility code is not listed is denied bad_card_format; empty: any facility.
struct CardFormatsConfig {
    std::vector<std::uint32_t> wiegandFacilityCodes;
};

struct DoorsConfig {
    std::vector<DoorConfig> doors;
    std::vector<CircleGateConfig> circleGates;
    LockoutConfig lockout;
    CardFormatsConfig cardFormats;
};

class DoorConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const DoorsConfig& config() const { return config_; }

  private:
    DoorsConfig config_;
};

}  // namespace sekimori::doors
