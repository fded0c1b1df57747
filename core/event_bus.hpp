#pragma once
// Typed in-process event bus. It lives on the io thread: publish() calls every subscriber of
// that type synchronously, in subscription order. Other threads post to the io_context first.
#include <functional>
#include <memory>
#include <typeindex>
#include <unordered_map>
#include <vector>

namespace sekimori::core {

class EventBus {
  public:
    using Token = std::shared_ptr<void>;  // unsubscribes when the last copy is dropped

    template <class T>
    [[nodiscard]] Token subscribe(std::function<void(const T&)> handler) {
        auto holder = std::make_shared<std::function<void(const T&)>>(std::move(handler));
        auto& list = handlers_[std::type_index(typeid(T))];
        list.push_back(std::weak_ptr<void>(holder));
        return holder;
    }

    template <class T>
    void publish(const T& message) {
        auto it = handlers_.find(std::type_index(typeid(T)));
        if (it == handlers_.end()) {
            return;
        }
        // Copy strong refs first: a handler may subscribe or unsubscribe while we iterate.
        std::vector<std::shared_ptr<void>> live;
        auto& list = it->second;
        for (auto w = list.begin(); w != list.end();) {
            if (auto s = w->lock()) {
                live.push_back(std::move(s));
                ++w;
            } else {
                w = list.erase(w);
            }
        }
        for (auto& s : live) {
            (*std::static_pointer_cast<std::function<void(const T&)>>(s))(message);
        }
    }

  private:
    std::unordered_map<std::type_index, std::vector<std::weak_ptr<void>>> handlers_;
};

}  // namespace sekimori::core
