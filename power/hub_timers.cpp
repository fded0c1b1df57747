#include "power/hub_timers.hpp"

#include <algorithm>

#include "power/hub_event_types.hpp"

namespace sekimori::power {

namespace {

using json = nlohmann::json;

constexpr core::TimeUs kUsPerMs = 1000;
constexpr core::TimeUs kUsPerMinute = 60'000'000;
// How far policy::nextChangeUs looks: a schedule that does not change that long has no next
// change to show (an always-open hub has no cut coming).
constexpr core::TimeUs kLookAheadUs = 8 * 24 * 60 * kUsPerMinute;

core::TimeUs us(std::chrono::milliseconds ms) {
    return ms.count() * kUsPerMs;
}

json onOff(HubState state) {
    return std::string(toString(state));
}

}  // namespace

std::string_view toString(HubState state) {
    switch (state) {
        case HubState::on:
            return "on";
        case HubState::off:
            return "off";
        case HubState::unknown:
            return "unknown";
    }
    return "unknown";
}

HubTimers::HubTimers(std::vector<HubTimerSpec> specs, HubTimerOptions options)
    : specs_(std::move(specs)), options_(options) {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
        Hub hub;
        hub.spec = i;
        hubs_.emplace(specs_[i].config.id, std::move(hub));
    }
}

const HubTimerSpec* HubTimers::find(const std::string& hub) const {
    auto it = hubs_.find(hub);
    return it == hubs_.end() ? nullptr : &spec(it->second);
}

core::Event HubTimers::event(const Hub& hub, core::TimeUs now, std::string_view type,
                             json payload) const {
    const auto& s = spec(hub);
    json body{{"hub", s.config.id}, {"device", s.config.relay.device}, {"point", s.point}};
    body.update(payload);
    return core::Event{now, std::string(type), "hub:" + s.config.id, "", body.dump()};
}

void HubTimers::changed(const Hub& hub) {
    const std::string& id = spec(hub).config.id;
    if (std::find(changed_.begin(), changed_.end(), id) == changed_.end()) {
        changed_.push_back(id);
    }
}

std::vector<std::string> HubTimers::takeChanged() {
    std::vector<std::string> out;
    out.swap(changed_);
    return out;
}

HubStep HubTimers::addOverride(HubOverride override, core::TimeUs now) {
    HubStep out;
    auto it = hubs_.find(override.hub);
    if (it == hubs_.end()) {
        return out;
    }
    Hub& hub = it->second;
    if (hub.override) {
        out.events.push_back(event(hub, now, kHubOverrideEnded.name,
                                   {{"approval", hub.override->approval},
                                    {"reason", "superseded"},
                                    {"by", override.approval}}));
    }
    hub.override = std::move(override);
    changed(hub);
    return out;
}

void HubTimers::apply(const core::Event& recorded) {
    if (recorded.type != kHubOverrideApproved.name && recorded.type != kHubOverrideStarted.name &&
        recorded.type != kHubOverrideEnded.name) {
        return;
    }
    const json payload = json::parse(recorded.payload, nullptr, false);
    if (!payload.is_object()) {
        return;
    }
    auto it = hubs_.find(payload.value("hub", ""));
    if (it == hubs_.end()) {
        return;
    }
    auto& current = it->second.override;
    const std::string approval = payload.value("approval", "");
    if (recorded.type == kHubOverrideApproved.name) {
        HubOverride o;
        o.approval = approval;
        o.hub = it->first;
        o.fromUs = payload.value("from_us", core::TimeUs{0});
        o.untilUs = payload.value("until_us", core::TimeUs{0});
        o.reason = payload.value("reason", "");
        o.requestedBy = payload.value("requested_by", "");
        o.approvedBy = payload.value("approved_by", "");
        current = std::move(o);
    } else if (current && current->approval == approval) {
        if (recorded.type == kHubOverrideStarted.name) {
            current->started = true;
        } else {
            current.reset();
        }
    }
}

HubStep HubTimers::evaluate(const std::map<std::string, HubReading>& readings, core::TimeUs now) {
    HubStep out;
    const HubReading none;
    for (auto& [id, hub] : hubs_) {
        auto reading = readings.find(id);
        step(hub, reading == readings.end() ? none : reading->second, now, out);
    }
    return out;
}

void HubTimers::step(Hub& hub, const HubReading& reading, core::TimeUs now, HubStep& out) {
    const auto& s = spec(hub);
    if (!hub.evaluated) {
        hub.firstUs = now;
    }
    // The override's own window, by this clock.
    bool overrideEnded = false;
    if (hub.override && now >= hub.override->untilUs) {
        out.events.push_back(event(hub, now, kHubOverrideEnded.name,
                                   {{"approval", hub.override->approval},
                                    {"reason", "expired"},
                                    {"until_us", hub.override->untilUs}}));
        overrideEnded = hub.override->started;
        hub.override.reset();
        changed(hub);
    } else if (hub.override && !hub.override->started && now >= hub.override->fromUs) {
        hub.override->started = true;
        out.events.push_back(event(hub, now, kHubOverrideStarted.name,
                                   {{"approval", hub.override->approval},
                                    {"until_us", hub.override->untilUs},
                                    {"reason", hub.override->reason},
                                    {"requested_by", hub.override->requestedBy},
                                    {"approved_by", hub.override->approvedBy}}));
        changed(hub);
    }
    // The schedule, looked at again only when it may have changed (or the clock went back).
    if (!hub.evaluated || now >= hub.windowChangeUs || now < hub.windowCheckedUs) {
        hub.inWindow = policy::isWithin(s.schedule, now);
        hub.windowChangeUs = policy::nextChangeUs(s.schedule, now);
        hub.windowChangeKnown = hub.windowChangeUs < now + kLookAheadUs;
    }
    hub.windowCheckedUs = now;
    const bool overrideOn = hub.override && hub.override->started;
    const bool desired = hub.inWindow || overrideOn;
    if (!hub.evaluated) {
        hub.cause = "reassert";
        hub.desired = desired;
        changed(hub);
    } else if (desired != hub.desired) {
        if (desired) {
            hub.cause = hub.inWindow ? "window_opened" : "override_started";
        } else {
            hub.cause = overrideEnded ? "override_ended" : "window_closed";
            hub.warnedCutUs = 0;
        }
        hub.freshCause = hub.cause;
        hub.desired = desired;
        hub.failing = false;  // a new state to reach: try it now, not at the retry pace
        changed(hub);
    }
    hub.evaluated = true;

    // What the relay reads.
    hub.readQuality = reading.quality;
    hub.readUs = reading.timeUs;
    const HubState actual =
        reading.on ? (*reading.on ? HubState::on : HubState::off) : HubState::unknown;
    if (actual == HubState::unknown) {
        const bool graceOver = now - hub.firstUs >= us(options_.confirmWithin);
        if (!hub.unknownReported && (hub.actual != HubState::unknown || graceOver)) {
            out.events.push_back(event(hub, now, kHubUnknown.name,
                                       {{"state", "active"},
                                        {"quality", reading.quality},
                                        {"desired", hub.desired ? "on" : "off"}}));
            hub.unknownReported = true;
        }
        hub.reassert = true;  // whatever happened meanwhile, the desired state is written again
    } else if (hub.unknownReported) {
        out.events.push_back(
            event(hub, now, kHubUnknown.name, {{"state", "cleared"}, {"read", onOff(actual)}}));
        hub.unknownReported = false;
    }
    if (actual != hub.actual) {
        hub.actual = actual;
        changed(hub);
    }

    // A write under way: confirmed by a reading taken after its echo, or given up at the limit.
    if (hub.pending) {
        auto& p = *hub.pending;
        if (p.echoedUs != 0 && reading.on && reading.timeUs > p.echoedUs && *reading.on == p.on) {
            out.events.push_back(event(hub, now, kHubSwitched.name,
                                       {{"state", p.on ? "on" : "off"},
                                        {"was", onOff(p.was)},
                                        {"cause", p.cause},
                                        {"took_ms", (reading.timeUs - p.askedUs) / kUsPerMs}}));
            hub.pending.reset();
            hub.failing = false;
            changed(hub);
        } else if (now >= p.askedUs + us(options_.confirmWithin)) {
            fail(hub, p.echoedUs == 0 ? "no_answer" : "unconfirmed",
                 p.echoedUs == 0 ? "the device did not answer the write"
                                 : "the relay did not read back the state written",
                 now, out);
        }
    }

    // A write to send: the state differs, or is re-asserted after a start or a lost link.
    if (!hub.pending && actual != HubState::unknown) {
        const bool mismatch = (actual == HubState::on) != hub.desired;
        const bool paced = !hub.failing || now - hub.failedUs >= us(options_.retryAfter);
        if ((mismatch || hub.reassert) && paced) {
            std::string cause = !hub.freshCause.empty() ? hub.freshCause
                                : hub.reassert          ? std::string("reassert")
                                                        : std::string("correction");
            Pending p;
            p.id = nextWriteId_++;
            p.on = hub.desired;
            p.was = actual;
            p.cause = std::move(cause);
            p.askedUs = now;
            out.writes.push_back(HubWrite{p.id, s.config.id, s.config.relay.device, s.point, p.on});
            hub.pending = std::move(p);
            hub.freshCause.clear();
            hub.reassert = false;
            changed(hub);
        }
    }

    // Powered while it should be cut, and no write of ours is still on its way to fix it.
    const bool outside = actual == HubState::on && !hub.desired && !hub.pending;
    if (outside && !hub.outsideReported) {
        out.events.push_back(
            event(hub, now, kHubOutsideWindow.name,
                  {{"state", "active"}, {"schedule", s.config.schedule}, {"read", "on"}}));
        hub.outsideReported = true;
        changed(hub);
    } else if (hub.outsideReported && (actual == HubState::off || hub.desired)) {
        out.events.push_back(event(hub, now, kHubOutsideWindow.name,
                                   {{"state", "cleared"}, {"read", onOff(actual)}}));
        hub.outsideReported = false;
        changed(hub);
    }

    // The terminals' users hear of a cut before it happens.
    if (hub.desired) {
        const core::TimeUs cut = cutAtUs(hub, now);
        const core::TimeUs warnUs = std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::minutes(s.warnBefore))
                                        .count();
        if (cut != kNoCut && cut > now && cut - now <= warnUs && hub.warnedCutUs != cut) {
            const core::TimeUs left = (cut - now + kUsPerMinute - 1) / kUsPerMinute;
            out.events.push_back(
                event(hub, now, kHubCutWarning.name, {{"cut_at_us", cut}, {"minutes_left", left}}));
            hub.warnedCutUs = cut;
            changed(hub);
        }
    }
}

void HubTimers::fail(Hub& hub, const std::string& error, const std::string& message,
                     core::TimeUs now, HubStep& out) {
    const auto& p = *hub.pending;
    out.events.push_back(event(hub, now, kHubSwitchFailed.name,
                               {{"asked", p.on ? "on" : "off"},
                                {"cause", p.cause},
                                {"error", error},
                                {"message", message}}));
    hub.pending.reset();
    hub.failing = true;
    hub.failedUs = now;
    changed(hub);
}

HubStep HubTimers::writeDone(std::uint64_t id, bool ok, const std::string& error,
                             const std::string& message, core::TimeUs echoUs) {
    HubStep out;
    for (auto& [name, hub] : hubs_) {
        if (!hub.pending || hub.pending->id != id) {
            continue;
        }
        if (ok) {
            hub.pending->echoedUs = std::max(echoUs, hub.pending->askedUs);
        } else {
            fail(hub, error, message, echoUs, out);
        }
        break;
    }
    return out;
}

core::TimeUs HubTimers::cutAtUs(const Hub& hub, core::TimeUs now) const {
    if (!hub.desired) {
        return now;
    }
    if (hub.inWindow && !hub.windowChangeKnown) {
        return kNoCut;
    }
    const core::TimeUs windowEnd = hub.inWindow ? hub.windowChangeUs : now;
    const core::TimeUs overrideEnd =
        hub.override && hub.override->started ? hub.override->untilUs : now;
    return std::max(windowEnd, overrideEnd);
}

json HubTimers::hubView(const std::string& id, core::TimeUs now) const {
    auto it = hubs_.find(id);
    if (it == hubs_.end()) {
        return nullptr;
    }
    const Hub& hub = it->second;
    const auto& s = spec(hub);
    json out{{"id", s.config.id},
             {"name", s.config.name},
             {"device", s.config.relay.device},
             {"point", s.point},
             {"schedule", s.config.schedule},
             {"allow_override", s.config.allowOverride},
             {"desired", hub.desired ? "on" : "off"},
             {"state", std::string(toString(hub.actual))},
             {"in_window", hub.inWindow},
             {"read_quality", hub.readQuality},
             {"read_us", hub.readUs},
             {"cause", hub.cause},
             {"failing", hub.failing},
             {"outside_window", hub.outsideReported},
             {"warn_before_min", s.warnBefore.count()}};
    out["window_change_us"] = hub.windowChangeKnown ? json(hub.windowChangeUs) : json(nullptr);
    const core::TimeUs cut = hub.desired ? cutAtUs(hub, now) : kNoCut;
    out["cut_at_us"] = cut != kNoCut ? json(cut) : json(nullptr);
    out["pending"] = hub.pending ? json{{"on", hub.pending->on},
                                        {"cause", hub.pending->cause},
                                        {"asked_us", hub.pending->askedUs}}
                                 : json(nullptr);
    if (hub.override) {
        const auto& o = *hub.override;
        out["override"] = {{"approval", o.approval},        {"from_us", o.fromUs},
                           {"until_us", o.untilUs},         {"reason", o.reason},
                           {"requested_by", o.requestedBy}, {"approved_by", o.approvedBy},
                           {"started", o.started}};
    } else {
        out["override"] = nullptr;
    }
    return out;
}

json HubTimers::view(core::TimeUs now) const {
    json out = json::array();
    for (const auto& s : specs_) {
        out.push_back(hubView(s.config.id, now));
    }
    return out;
}

}  // namespace sekimori::power
