#pragma once
// A small but real core::Service for the console tests: an in-memory alarm queue with the
// routes a domain would declare (path parameters, a JSON body, io and worker handlers, a
// streamed clip), event rules and a UI plugin. The console sees it exactly as it sees the
// doors service: through Service's interface and nothing else.
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/service.hpp"

namespace sekimori::console::testing {

class AlarmTestService final : public core::Service {
  public:
    struct Alarm {
        std::string id;
        std::string text;
        std::string ackedBy;  // empty: not acknowledged
        std::string comment;
    };

    explicit AlarmTestService(std::optional<std::filesystem::path> pluginDir = std::nullopt)
        : pluginDir_(std::move(pluginDir)) {
        alarms_["a-1"] = Alarm{"a-1", "door server-room forced", "", ""};
        alarms_["a-2"] = Alarm{"a-2", "door handling-area held open", "", ""};
    }

    std::string_view name() const override { return "alarms"; }
    core::Result<void> start() override { return {}; }
    void stop() override {}

    std::vector<core::ApiRoute> routes() override {
        using core::HttpMethod;
        using core::Role;
        const core::RoleSet desk{Role::deskOperator, Role::securityAdmin};
        return {
            {HttpMethod::get, "/api/alarms", desk, core::RunOn::io,
             [this](const core::ApiCall& call, core::ApiReply reply) { list(call, reply); }},
            {HttpMethod::get, "/api/alarms/{id}", desk, core::RunOn::io,
             [this](const core::ApiCall& call, core::ApiReply reply) { one(call, reply); }},
            {HttpMethod::post, "/api/alarms/{id}/ack", desk, core::RunOn::io,
             [this](const core::ApiCall& call, core::ApiReply reply) { ack(call, reply); }},
            // Literal beats parameter: /api/alarms/summary is not the alarm "summary".
            {HttpMethod::get, "/api/alarms/summary", desk, core::RunOn::worker,
             [this](const core::ApiCall& call, core::ApiReply reply) { summary(call, reply); }},
            {HttpMethod::get, "/api/alarms/{id}/clip", desk, core::RunOn::worker,
             [this](const core::ApiCall& call, core::ApiReply reply) { clip(call, reply); }},
            // A signed report's HTML, as the reports and drills domains serve theirs.
            {HttpMethod::get, "/api/alarms/{id}/report.html", desk, core::RunOn::io,
             [](const core::ApiCall&, core::ApiReply reply) {
                 reply(core::oneChunkBody("text/html; charset=utf-8", "",
                                          "<!DOCTYPE html><style>p{}</style><p>report</p>", true));
             }},
        };
    }

    std::vector<core::EventVisibility> eventVisibility() override {
        return {{"alarm.", core::RoleSet{core::Role::deskOperator, core::Role::securityAdmin}},
                {"access.", core::RoleSet{core::Role::deskOperator, core::Role::securityAdmin}},
                {"presence.", core::RoleSet::all()}};
    }

    std::optional<core::UiPlugin> uiPlugin() override {
        if (!pluginDir_) {
            return std::nullopt;
        }
        return core::UiPlugin{"alarms", *pluginDir_, "index.js",
                              core::RoleSet{core::Role::deskOperator, core::Role::securityAdmin}};
    }

    // Threads the handlers ran on, and how many handler calls there were.
    std::set<std::thread::id> handlerThreads() const {
        std::lock_guard lock(mutex_);
        return threads_;
    }
    std::set<std::thread::id> chunkThreads() const {
        std::lock_guard lock(mutex_);
        return chunkThreads_;
    }
    int calls() const { return calls_; }
    std::optional<Alarm> alarm(const std::string& id) const {
        std::lock_guard lock(mutex_);
        auto it = alarms_.find(id);
        return it == alarms_.end() ? std::nullopt : std::optional(it->second);
    }
    // The byte at `offset` of every clip: a pattern that catches lost, doubled or moved chunks.
    static char clipByte(std::size_t offset) {
        return static_cast<char>('a' + (offset * 7 + offset / 65536) % 26);
    }
    static constexpr std::size_t kClipChunk = 64 * 1024;

  private:
    void note() {
        std::lock_guard lock(mutex_);
        threads_.insert(std::this_thread::get_id());
        ++calls_;
    }

    static nlohmann::json toJson(const Alarm& a) {
        return {{"id", a.id},
                {"text", a.text},
                {"acked_by", a.ackedBy.empty() ? nlohmann::json() : nlohmann::json(a.ackedBy)},
                {"comment", a.comment}};
    }

    void list(const core::ApiCall& call, const core::ApiReply& reply) {
        note();
        for (const auto& [key, value] : call.query) {
            if (key != "text") {
                reply(core::apiError(400, "unknown query parameter '" + key + "'"));
                return;
            }
        }
        nlohmann::json out = nlohmann::json::array();
        std::lock_guard lock(mutex_);
        for (const auto& [id, a] : alarms_) {
            if (!call.query.contains("text") ||
                a.text.find(call.query.at("text")) != std::string::npos) {
                out.push_back(toJson(a));
            }
        }
        reply(core::ApiResult{200, {{"alarms", std::move(out)}, {"asked_by", call.actor}}});
    }

    void one(const core::ApiCall& call, const core::ApiReply& reply) {
        note();
        const auto& id = call.params.at("id");
        auto a = alarm(id);
        if (!a) {
            reply(core::apiError(404, "no alarm '" + id + "'"));
            return;
        }
        reply(core::ApiResult{200, toJson(*a)});
    }

    void ack(const core::ApiCall& call, const core::ApiReply& reply) {
        note();
        const auto& id = call.params.at("id");
        if (!call.body.is_null() && !call.body.is_object()) {
            reply(core::apiError(400, "body: expected an object {\"comment\": ...}"));
            return;
        }
        std::string comment;
        if (call.body.is_object() && call.body.contains("comment")) {
            if (!call.body["comment"].is_string()) {
                reply(core::apiError(400, "comment: must be a string"));
                return;
            }
            comment = call.body["comment"].get<std::string>();
        }
        std::lock_guard lock(mutex_);
        auto it = alarms_.find(id);
        if (it == alarms_.end()) {
            reply(core::apiError(404, "no alarm '" + id + "'"));
            return;
        }
        if (!it->second.ackedBy.empty()) {
            reply(core::apiError(409,
                                 "alarm '" + id + "' was acknowledged by " + it->second.ackedBy));
            return;
        }
        it->second.ackedBy = call.actor;
        it->second.comment = comment;
        reply(core::ApiResult{200,
                              {{"alarm", toJson(it->second)},
                               {"role", std::string(core::roleName(call.role))},
                               {"remote", call.remote}}});
    }

    void summary(const core::ApiCall&, const core::ApiReply& reply) {
        note();
        std::lock_guard lock(mutex_);
        reply(core::ApiResult{200, {{"open", alarms_.size()}}});
    }

    // ?bytes=N (the clip's size), ?fail_after=K (the K+1-th chunk is an error).
    void clip(const core::ApiCall& call, const core::ApiReply& reply) {
        note();
        if (!alarm(call.params.at("id"))) {
            reply(core::apiError(404, "no alarm '" + call.params.at("id") + "'"));
            return;
        }
        const std::size_t total =
            call.query.contains("bytes") ? std::stoul(call.query.at("bytes")) : 1000;
        const long failAfter =
            call.query.contains("fail_after") ? std::stol(call.query.at("fail_after")) : -1;
        struct Cursor {
            std::size_t sent = 0;
            long chunks = 0;
        };
        auto cursor = std::make_shared<Cursor>();
        core::StreamBody body;
        body.contentType = "video/mp4";
        body.fileName = "clip-" + call.params.at("id") + ".mp4";
        body.next = [this, cursor, total, failAfter]() -> core::Result<std::string> {
            {
                std::lock_guard lock(mutex_);
                chunkThreads_.insert(std::this_thread::get_id());
            }
            if (failAfter >= 0 && cursor->chunks == failAfter) {
                return core::makeError("alarms.clip_lost", "the recording went away");
            }
            ++cursor->chunks;
            const std::size_t n = std::min(kClipChunk, total - cursor->sent);
            std::string chunk(n, '\0');
            for (std::size_t i = 0; i < n; ++i) {
                chunk[i] = clipByte(cursor->sent + i);
            }
            cursor->sent += n;
            return chunk;
        };
        reply(std::move(body));
    }

    std::optional<std::filesystem::path> pluginDir_;
    mutable std::mutex mutex_;
    std::map<std::string, Alarm> alarms_;
    std::set<std::thread::id> threads_;
    std::set<std::thread::id> chunkThreads_;
    std::atomic<int> calls_{0};
};

}  // namespace sekimori::console::testing
