#pragma once
// `--name value` options of a CLI subcommand, checked against the names it accepts so a typo
// is an error instead of a silently ignored flag.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace sekimori::app {

class CliArgs {
  public:
    // `args` excludes the subcommand words; flags without a value are listed in `switches`.
    static core::Result<CliArgs> parse(const std::vector<std::string>& args,
                                       const std::set<std::string>& valued,
                                       const std::set<std::string>& switches = {});

    std::optional<std::string> get(const std::string& name) const;
    core::Result<std::string> require(const std::string& name) const;
    bool has(const std::string& name) const { return values_.count(name) != 0; }

  private:
    std::map<std::string, std::string> values_;
};

}  // namespace sekimori::app
