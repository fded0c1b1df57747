#include "app/cli_args.hpp"

namespace sekimori::app {

core::Result<CliArgs> CliArgs::parse(const std::vector<std::string>& args,
                                     const std::set<std::string>& valued,
                                     const std::set<std::string>& switches) {
    CliArgs out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0) {
            return core::makeError("cli.bad_argument", "unexpected argument '" + arg + "'");
        }
        const std::string name = arg.substr(2);
        if (switches.count(name)) {
            out.values_[name] = "";
            continue;
        }
        if (!valued.count(name)) {
            return core::makeError("cli.unknown_option", "unknown option --" + name);
        }
        if (i + 1 >= args.size()) {
            return core::makeError("cli.missing_value", "option --" + name + " needs a value");
        }
        out.values_[name] = args[++i];
    }
    return out;
}

std::optional<std::string> CliArgs::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) {
        return std::nullopt;
    }
    return it->second;
}

core::Result<std::string> CliArgs::require(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) {
        return core::makeError("cli.missing_option", "option --" + name + " is required");
    }
    return it->second;
}

}  // namespace sekimori::app
