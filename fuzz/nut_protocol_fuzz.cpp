// Feeds arbitrary bytes, as reply lines, to upsd's reply parsers (io/nut/nut_protocol.hpp): the
// LIST VAR reader, GET VAR, OK and ERR replies and the word splitter. Beyond "never crashes,
// never throws", it checks that a refusal always says what was wrong, that the limits hold, and
// that every variable a finished list gave re-encodes (as upsd quotes it) to a line that reads
// back to the same value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/nut/nut_protocol.hpp"

namespace {

using namespace sekimori::io::nut;

void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

template <class R>
void refusalSays(const R& result) {
    if (!result) {
        check(!result.error().code.empty() && !result.error().message.empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    ListVarReader reader("ups1", 16);
    bool failed = false;
    std::size_t start = 0;
    while (start <= input.size()) {
        auto end = input.find('\n', start);
        if (end == std::string_view::npos) {
            end = input.size();
        }
        const auto line = input.substr(start, end - start);
        refusalSays(splitLine(line));
        refusalSays(parseGetVar(line, "ups1", "ups.status"));
        refusalSays(parseOk(line));
        if (const auto err = parseErr(line)) {
            check(!describeErr(err->code).empty());
        }
        if (!failed) {
            const auto fed = reader.feed(line);
            refusalSays(fed);
            failed = !fed;
            check(reader.vars().size() <= 16);
            check(!failed || reader.vars().empty());
        }
        start = end + 1;
    }
    if (reader.done()) {
        for (const auto& [name, value] : reader.vars()) {
            check(isValidName(name));
            const auto quoted = quoteArgument(value);
            if (!quoted) {
                continue;  // a control character (tab) or a value too long to send back
            }
            const std::string line = "VAR ups1 " + name + " " + *quoted;
            const auto again = parseGetVar(line, "ups1", name);
            check(again.ok() && *again == value);
        }
    }
    return 0;
}
