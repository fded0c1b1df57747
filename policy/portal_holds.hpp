#pragma once
// Portals another domain holds shut: a metal-detector hit at the circle gate (custody/) holds
// the gate until a guard clears it with a comment. The holding domain publishes the whole set on
// the core::EventBus after every durable change; the doors' decision refuses entry at a held
// portal with `portal_held` (doors/admission.hpp). Pure values; no I/O.
#include <map>
#include <memory>
#include <string>

namespace sekimori::policy {

struct PortalHoldsPublished {
    std::string holder;  // the publishing domain ("custody"): each holder replaces only its own
    // Portal (door or gate id) -> why, for operators ("metal detector md-gate: detection 72").
    std::shared_ptr<const std::map<std::string, std::string, std::less<>>> holds;
};

}  // namespace sekimori::policy
