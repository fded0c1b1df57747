#include "io/nut/nut_protocol.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace sekimori::io::nut {
namespace {

core::Error malformed(std::string message) {
    return core::makeError("nut.malformed", std::move(message));
}

// For an error message: the line as read, cut short and with control characters shown.
std::string shown(std::string_view line) {
    std::string out;
    for (const char c : line.substr(0, 80)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            static constexpr char kHex[] = "0123456789abcdef";
            out.append("\\x").push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 0xF]);
        } else {
            out.push_back(c);
        }
    }
    if (line.size() > 80) {
        out += "...";
    }
    return out;
}

core::Result<void> checkLine(std::string_view line) {
    if (line.size() > kMaxLineBytes) {
        return core::makeError("nut.too_long", std::string("a reply line of ")
                                                   .append(std::to_string(line.size()))
                                                   .append(" bytes (at most ")
                                                   .append(std::to_string(kMaxLineBytes))
                                                   .append(")"));
    }
    if (line.empty()) {
        return malformed("an empty reply line");
    }
    return {};
}

core::Error upsdError(std::string_view line) {
    const auto err = parseErr(line);
    std::string message("upsd answered ERR ");
    message.append(shown(err->code)).append(" (").append(describeErr(err->code)).append(")");
    return core::makeError("nut.upsd_error", std::move(message));
}

bool wordsAre(const std::vector<NutWord>& words, std::initializer_list<std::string_view> want) {
    if (words.size() != want.size()) {
        return false;
    }
    std::size_t i = 0;
    for (const auto w : want) {
        if (words[i].quoted || words[i].text != w) {
            return false;
        }
        ++i;
    }
    return true;
}

}  // namespace

core::Result<std::vector<NutWord>> splitLine(std::string_view line) {
    if (auto r = checkLine(line); !r) {
        return r.error();
    }
    std::vector<NutWord> words;
    std::size_t i = 0;
    while (i < line.size()) {
        const char c = line[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ' || c == '\t') {
            ++i;
            continue;
        }
        if (u < 0x20 || u == 0x7F) {
            if (c == '\r' && i + 1 == line.size()) {  // a CRLF line end from a foreign peer
                break;
            }
            return malformed("a control character in the reply line '" + shown(line) + "'");
        }
        NutWord word;
        bool inQuotes = false;
        bool closed = false;
        if (c == '"') {
            word.quoted = inQuotes = true;
            ++i;
        }
        while (i < line.size()) {
            const char d = line[i];
            const auto du = static_cast<unsigned char>(d);
            if (!inQuotes && (d == ' ' || d == '\t')) {
                break;
            }
            if (d != '\t' && (du < 0x20 || du == 0x7F)) {
                if (d == '\r' && i + 1 == line.size() && !inQuotes) {
                    break;
                }
                return malformed("a control character in the reply line '" + shown(line) + "'");
            }
            if (d == '\\') {
                if (i + 1 == line.size()) {
                    return malformed("a backslash ends the reply line '" + shown(line) + "'");
                }
                const auto next = static_cast<unsigned char>(line[i + 1]);
                if (next < 0x20 || next == 0x7F) {
                    return malformed("a control character in the reply line '" + shown(line) + "'");
                }
                word.text.push_back(line[i + 1]);
                i += 2;
                continue;
            }
            if (inQuotes && d == '"') {
                closed = true;
                ++i;
                break;
            }
            if (!inQuotes && d == '"') {
                return malformed("a quote inside a word of the reply line '" + shown(line) + "'");
            }
            word.text.push_back(d);
            ++i;
        }
        if (inQuotes && !closed) {
            return malformed("an unterminated quote in the reply line '" + shown(line) + "'");
        }
        if (closed && i < line.size() && line[i] != ' ' && line[i] != '\t' &&
            !(line[i] == '\r' && i + 1 == line.size())) {
            return malformed("no space after a quoted word in the reply line '" + shown(line) +
                             "'");
        }
        words.push_back(std::move(word));
    }
    return words;
}

std::optional<NutErr> parseErr(std::string_view line) {
    if (line.size() > kMaxLineBytes || (line != "ERR" && line.substr(0, 4) != "ERR ")) {
        return std::nullopt;
    }
    NutErr err;
    const auto start = line.find_first_not_of(' ', 3);
    if (start == std::string_view::npos) {
        return err;
    }
    const auto rest = line.substr(start);
    const auto space = rest.find(' ');
    err.code = std::string(rest.substr(0, space));
    if (space != std::string_view::npos) {
        const auto extra = rest.find_first_not_of(' ', space);
        if (extra != std::string_view::npos) {
            err.extra = std::string(rest.substr(extra));
        }
    }
    return err;
}

std::string_view describeErr(std::string_view code) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kCodes{{
        {"ACCESS-DENIED", "the user may not do that, or the password is wrong"},
        {"UNKNOWN-UPS", "upsd serves no UPS of that name"},
        {"VAR-NOT-SUPPORTED", "the UPS does not report that variable"},
        {"CMD-NOT-SUPPORTED", "the UPS has no such instant command"},
        {"INVALID-ARGUMENT", "upsd refused an argument"},
        {"INSTCMD-FAILED", "the driver failed to run the command"},
        {"SET-FAILED", "the driver failed to set the variable"},
        {"READONLY", "the variable cannot be written"},
        {"TOO-LONG", "the value is too long"},
        {"FEATURE-NOT-SUPPORTED", "upsd does not support that feature"},
        {"FEATURE-NOT-CONFIGURED", "that feature is not configured in upsd"},
        {"DRIVER-NOT-CONNECTED", "upsd has lost its driver for the UPS"},
        {"DATA-STALE", "the driver's data is stale: it stopped updating"},
        {"ALREADY-LOGGED-IN", "this connection already logged in"},
        {"INVALID-PASSWORD", "the password is not valid"},
        {"ALREADY-SET-PASSWORD", "the password was already sent"},
        {"INVALID-USERNAME", "the user name is not valid"},
        {"ALREADY-SET-USERNAME", "the user name was already sent"},
        {"USERNAME-REQUIRED", "the command needs a user name first"},
        {"PASSWORD-REQUIRED", "the command needs a password first"},
        {"UNKNOWN-COMMAND", "upsd does not know the command"},
        {"INVALID-VALUE", "the value is not valid for the variable"},
        {"ALREADY-SSL-MODE", "the connection is already in TLS mode"},
        {"", "upsd gave no error code"},
    }};
    for (const auto& [c, text] : kCodes) {
        if (c == code) {
            return text;
        }
    }
    return "an error code this client does not know";
}

bool isValidName(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

core::Result<std::string> quoteArgument(std::string_view word) {
    std::string out = "\"";
    for (const char c : word) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            return core::makeError("nut.bad_argument",
                                   "an argument for upsd holds a control character");
        }
        if (c == '"' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('"');
    if (out.size() > kMaxLineBytes / 2) {
        return core::makeError("nut.bad_argument", "an argument for upsd is too long");
    }
    return out;
}

ListVarReader::ListVarReader(std::string ups, std::size_t maxVars)
    : ups_(std::move(ups)), maxVars_(maxVars) {}

core::Error ListVarReader::fail(std::string code, std::string message) {
    state_ = State::failed;
    vars_.clear();
    return core::makeError(std::move(code), std::move(message));
}

core::Result<void> ListVarReader::feed(std::string_view line) {
    if (state_ == State::done || state_ == State::failed) {
        return fail("nut.malformed",
                    "a line after the end of the LIST VAR reply: '" + shown(line) + "'");
    }
    if (auto r = checkLine(line); !r) {
        return fail(r.error().code, r.error().message);
    }
    if (state_ == State::begin && parseErr(line)) {
        auto e = upsdError(line);
        return fail(e.code, e.message);
    }
    auto words = splitLine(line);
    if (!words) {
        return fail(words.error().code, words.error().message);
    }
    if (state_ == State::begin) {
        if (!wordsAre(*words, {"BEGIN", "LIST", "VAR", ups_})) {
            return fail("nut.malformed",
                        "expected 'BEGIN LIST VAR " + ups_ + "', got '" + shown(line) + "'");
        }
        state_ = State::vars;
        return {};
    }
    const auto& w = *words;
    if (wordsAre(w, {"END", "LIST", "VAR", ups_})) {
        state_ = State::done;
        return {};
    }
    if (w.size() != 4 || w[0].quoted || w[0].text != "VAR" || w[1].quoted || w[1].text != ups_ ||
        w[2].quoted || !isValidName(w[2].text) || !w[3].quoted) {
        return fail("nut.malformed",
                    "expected 'VAR " + ups_ + " <name> \"<value>\"', got '" + shown(line) + "'");
    }
    if (vars_.size() >= maxVars_) {
        return fail("nut.too_many", std::string("more than ")
                                        .append(std::to_string(maxVars_))
                                        .append(" variables in the LIST VAR reply of ")
                                        .append(ups_));
    }
    if (!vars_.emplace(w[2].text, w[3].text).second) {
        return fail("nut.malformed", "the variable " + w[2].text + " twice in one LIST VAR reply");
    }
    return {};
}

core::Result<std::string> parseGetVar(std::string_view line, std::string_view ups,
                                      std::string_view name) {
    if (auto r = checkLine(line); !r) {
        return r.error();
    }
    if (parseErr(line)) {
        return upsdError(line);
    }
    auto words = splitLine(line);
    if (!words) {
        return words.error();
    }
    auto& w = *words;
    if (w.size() != 4 || w[0].quoted || w[0].text != "VAR" || w[1].quoted || w[1].text != ups ||
        w[2].quoted || w[2].text != name || !w[3].quoted) {
        return malformed(std::string("expected 'VAR ")
                             .append(ups)
                             .append(" ")
                             .append(name)
                             .append(" \"<value>\"', got '")
                             .append(shown(line))
                             .append("'"));
    }
    return std::move(w[3].text);
}

core::Result<void> parseOk(std::string_view line) {
    if (auto r = checkLine(line); !r) {
        return r.error();
    }
    if (parseErr(line)) {
        return upsdError(line);
    }
    if (line == "OK" || line.substr(0, 3) == "OK ") {
        return {};
    }
    return malformed("expected 'OK', got '" + shown(line) + "'");
}

}  // namespace sekimori::io::nut
