#include "core/payload_body.hpp"

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sekimori::core {
namespace {

using Json = nlohmann::json;

// The scanner for compact flat objects. Returns nullopt for anything outside that shape (not
// only for errors): the general parser then decides.
class FlatObjectScanner {
  public:
    explicit FlatObjectScanner(std::string_view text) : text_(text) {}

    std::optional<Json> scan() {
        if (!take('{')) {
            return std::nullopt;
        }
        Json out = Json::object();
        auto& object = out.get_ref<Json::object_t&>();
        if (take('}')) {
            return atEnd() ? std::optional<Json>(std::move(out)) : std::nullopt;
        }
        for (;;) {
            auto key = plainString();
            if (!key || !take(':')) {
                return std::nullopt;
            }
            auto value = scalar();
            if (!value) {
                return std::nullopt;
            }
            if (!object.emplace(std::move(*key), std::move(*value)).second) {
                return std::nullopt;  // a repeated key: the general parser's rule applies
            }
            if (take(',')) {
                continue;
            }
            if (take('}')) {
                return atEnd() ? std::optional<Json>(std::move(out)) : std::nullopt;
            }
            return std::nullopt;
        }
    }

  private:
    bool atEnd() const { return pos_ == text_.size(); }
    bool take(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool takeWord(std::string_view word) {
        if (text_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    // Printable ASCII without escapes: exactly the bytes of the value.
    std::optional<std::string> plainString() {
        if (!take('"')) {
            return std::nullopt;
        }
        const std::size_t start = pos_;
        while (pos_ < text_.size()) {
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                std::string out(text_.substr(start, pos_ - start));
                ++pos_;
                return out;
            }
            if (c == '\\' || c < 0x20 || c >= 0x7f) {
                return std::nullopt;
            }
            ++pos_;
        }
        return std::nullopt;
    }

    std::optional<Json> scalar() {
        if (pos_ >= text_.size()) {
            return std::nullopt;
        }
        const char c = text_[pos_];
        if (c == '"') {
            auto s = plainString();
            return s ? std::optional<Json>(Json(std::move(*s))) : std::nullopt;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return integer();
        }
        if (takeWord("true")) {
            return Json(true);
        }
        if (takeWord("false")) {
            return Json(false);
        }
        if (takeWord("null")) {
            return Json(nullptr);
        }
        return std::nullopt;
    }

    // As the general parser types them: unsigned when not negative, signed when negative.
    // Leading zeros, fractions, exponents and overflow are left to it.
    std::optional<Json> integer() {
        const std::size_t start = pos_;
        const bool negative = take('-');
        const std::size_t digits = pos_;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
            ++pos_;
        }
        const std::size_t count = pos_ - digits;
        if (count == 0 || (count > 1 && text_[digits] == '0')) {
            return std::nullopt;
        }
        if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}') {
            return std::nullopt;
        }
        const char* first = text_.data() + start;
        const char* last = text_.data() + pos_;
        if (negative) {
            std::int64_t v = 0;
            const auto r = std::from_chars(first, last, v);
            return r.ec == std::errc() && r.ptr == last ? std::optional<Json>(Json(v))
                                                        : std::nullopt;
        }
        std::uint64_t v = 0;
        const auto r = std::from_chars(first, last, v);
        return r.ec == std::errc() && r.ptr == last ? std::optional<Json>(Json(v)) : std::nullopt;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

std::shared_ptr<const nlohmann::json> parsePayloadBody(std::string_view payload) {
    if (auto flat = FlatObjectScanner(payload).scan()) {
        return std::make_shared<const Json>(std::move(*flat));
    }
    auto parsed = Json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) {
        return nullptr;
    }
    return std::make_shared<const Json>(std::move(parsed));
}

}  // namespace sekimori::core
