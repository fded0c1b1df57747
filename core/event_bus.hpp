#pragma once
// Typed in-process event bus. It lives on the io thread: publish() calls every subscriber of
// that type synchronously, in subscription order. Other threads post to the io_context first.
//
// RecordedEvents (what the recorder publishes after commit) can also be subscribed to by type:
// a prefix ("door.", "access.", "" = every type) or one exact EventType, so a subscriber
// filters on the type string and never parses a payload it does not want.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/event.hpp"
#include "core/event_type.hpp"

namespace sekimori::core {

class EventBus {
  public:
    using Token = std::shared_ptr<void>;  // unsubscribes when the last copy is dropped
    using RecordedHandler = std::function<void(const RecordedEvent&)>;

    template <class T>
    [[nodiscard]] Token subscribe(std::function<void(const T&)> handler) {
        if constexpr (std::is_same_v<T, RecordedEvent>) {
            return subscribe(std::string_view{}, std::move(handler));  // one list, one order
        } else {
            auto holder = std::make_shared<std::function<void(const T&)>>(std::move(handler));
            handlers_[std::type_index(typeid(T))].push_back(std::weak_ptr<void>(holder));
            return holder;
        }
    }

    // Every RecordedEvent whose type starts with `typePrefix`. End a prefix with '.' to mean a
    // domain ("door." does not match "doorbell.rang"); "" matches every type.
    [[nodiscard]] Token subscribe(std::string_view typePrefix, RecordedHandler handler) {
        return addRecorded(std::string(typePrefix), false, std::move(handler));
    }

    [[nodiscard]] Token subscribe(const char* typePrefix, RecordedHandler handler) {
        return subscribe(std::string_view(typePrefix), std::move(handler));
    }

    // RecordedEvents of exactly this type.
    [[nodiscard]] Token subscribe(EventType type, RecordedHandler handler) {
        return addRecorded(std::string(type.name), true, std::move(handler));
    }

    template <class T>
    void publish(const T& message) {
        if constexpr (std::is_same_v<T, RecordedEvent>) {
            publishRecorded(message);
        } else {
            auto it = handlers_.find(std::type_index(typeid(T)));
            if (it == handlers_.end()) {
                return;
            }
            for (auto& s : liveHandlers(it->second)) {
                (*std::static_pointer_cast<std::function<void(const T&)>>(s))(message);
            }
        }
    }

  private:
    struct RecordedSubscriber {
        std::string type;  // the prefix, or the exact type
        bool exact = false;
        RecordedHandler handler;

        bool wants(std::string_view eventType) const {
            return exact ? eventType == type : eventType.starts_with(type);
        }
    };

    Token addRecorded(std::string type, bool exact, RecordedHandler handler) {
        auto holder = std::make_shared<RecordedSubscriber>(
            RecordedSubscriber{std::move(type), exact, std::move(handler)});
        recorded_.push_back(std::weak_ptr<RecordedSubscriber>(holder));
        return holder;
    }

    void publishRecorded(const RecordedEvent& event) {
        // Copy strong refs first: a handler may subscribe or unsubscribe while we iterate.
        std::vector<std::shared_ptr<RecordedSubscriber>> live;
        for (auto w = recorded_.begin(); w != recorded_.end();) {
            if (auto s = w->lock()) {
                if (s->wants(event.event.type)) {
                    live.push_back(std::move(s));
                }
                ++w;
            } else {
                w = recorded_.erase(w);
            }
        }
        for (auto& s : live) {
            s->handler(event);
        }
    }

    // Copy strong refs first: a handler may subscribe or unsubscribe while we iterate.
    static std::vector<std::shared_ptr<void>> liveHandlers(std::vector<std::weak_ptr<void>>& list) {
        std::vector<std::shared_ptr<void>> live;
        for (auto w = list.begin(); w != list.end();) {
            if (auto s = w->lock()) {
                live.push_back(std::move(s));
                ++w;
            } else {
                w = list.erase(w);
            }
        }
        return live;
    }

    std::unordered_map<std::type_index, std::vector<std::weak_ptr<void>>> handlers_;
    std::vector<std::weak_ptr<RecordedSubscriber>> recorded_;
};

}  // namespace sekimori::core
