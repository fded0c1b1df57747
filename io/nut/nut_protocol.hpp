#pragma once
// The replies of NUT's upsd (network protocol, TCP 3493) as data: pure parsing, no I/O, so the
// poller and the fuzz target share one reader. A reply is a sequence of lines without their
// "\n"; a line longer than kMaxLineBytes, a list longer than kMaxListVars, a control character,
// an unterminated quote or a line that is not what the request expects is refused with an error
// that says which (code "nut.malformed", "nut.too_long" or "nut.too_many"); an `ERR <code>` reply
// is "nut.upsd_error" and parseErr() gives its code.
//
// Quoting follows upsd (and NUT's own client, common/parseconf.c): words are separated by
// spaces; "..." groups a word; a backslash makes the next character literal (upsd itself only
// writes \" and \\).
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sekimori::io::nut {

inline constexpr std::size_t kMaxLineBytes = 1024;  // a value is at most 256 bytes in upsd
inline constexpr std::size_t kMaxListVars = 1024;   // one UPS's variables in a LIST VAR

// One word of a line, and whether it was written in quotes (upsd quotes every value).
struct NutWord {
    std::string text;
    bool quoted = false;
};

// The words of one line.
core::Result<std::vector<NutWord>> splitLine(std::string_view line);

// An ERR reply: `ERR <CODE> [<extra>]`, e.g. ERR DATA-STALE, ERR UNKNOWN-UPS, ERR ACCESS-DENIED.
struct NutErr {
    std::string code;
    std::string extra;
};
std::optional<NutErr> parseErr(std::string_view line);
// What upsd's code means, for people ("the driver's data is stale"); the code itself if unknown.
std::string_view describeErr(std::string_view code);

// A UPS or variable name as upsd accepts it: 1..64 of [A-Za-z0-9._-].
bool isValidName(std::string_view name);
// A word for a command line: quoted with \" and \\ escaped. Control characters are refused.
core::Result<std::string> quoteArgument(std::string_view word);

// Reads the reply to `LIST VAR <ups>`: BEGIN LIST VAR <ups>, VAR <ups> <name> "<value>" lines,
// END LIST VAR <ups>; or one ERR line instead of all of it.
class ListVarReader {
  public:
    explicit ListVarReader(std::string ups, std::size_t maxVars = kMaxListVars);

    // One line of the reply. After an error the reader is spent: feed nothing more.
    core::Result<void> feed(std::string_view line);
    bool done() const { return state_ == State::done; }
    const std::map<std::string, std::string>& vars() const { return vars_; }
    std::map<std::string, std::string> takeVars() { return std::move(vars_); }

  private:
    enum class State { begin, vars, done, failed };
    core::Error fail(std::string code, std::string message);

    std::string ups_;
    std::size_t maxVars_;
    State state_ = State::begin;
    std::map<std::string, std::string> vars_;
};

// The reply to `GET VAR <ups> <name>`: its value.
core::Result<std::string> parseGetVar(std::string_view line, std::string_view ups,
                                      std::string_view name);
// A reply of "OK" (or "OK <anything>", as for LOGOUT's "OK Goodbye").
core::Result<void> parseOk(std::string_view line);

}  // namespace sekimori::io::nut
