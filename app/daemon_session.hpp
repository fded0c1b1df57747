#pragma once
// One CLI command's session with the daemon: which socket (--socket, else the site file's
// <data_dir>/sekimori.sock), who (--operator NAME) and the password (--password-file F, else
// $SEKIMORI_PASSWORD_FILE, else a prompt on the terminal without echo). Logs in on open, logs
// out when it ends. The actor in the trail is the operator the daemon authenticated, and the
// Unix user the kernel names; nothing the command line says.
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "app/api_client.hpp"
#include "app/cli_args.hpp"
#include "core/result.hpp"

namespace sekimori::app {

// The options of every command that talks to the daemon.
std::set<std::string> daemonOptions(std::set<std::string> commandOptions);

// --socket, else <data_dir>/sekimori.sock of the --config site file.
core::Result<std::string> socketPathFor(const CliArgs& args);

// The first line of `path` (the file should be 0600); an error names the file.
core::Result<std::string> readPasswordFile(const std::string& path);
// Asks on /dev/tty with echo off; an error when there is no terminal.
core::Result<std::string> promptPassword(const std::string& prompt);

// An answer the daemon refused, as an error ("api.refused": the CLI exits 1).
core::Error refusal(const ApiAnswer& answer);

class DaemonSession {
  public:
    enum class Purpose { work, changePassword };

    // Connects and logs in. Refused (exit 1) on a wrong password, a disabled account, and -
    // unless the purpose is to change it - an account that must set a new password first.
    static core::Result<DaemonSession> open(const CliArgs& args, Purpose purpose = Purpose::work);
    ~DaemonSession();
    DaemonSession(DaemonSession&&) noexcept = default;
    DaemonSession& operator=(DaemonSession&&) = delete;

    // Any answer, refused or not.
    core::Result<ApiAnswer> call(ApiVerb verb, const std::string& target,
                                 std::optional<nlohmann::json> body = std::nullopt);
    // An answer with status 2xx, else the refusal as an error.
    core::Result<ApiAnswer> expectOk(ApiVerb verb, const std::string& target,
                                     std::optional<nlohmann::json> body = std::nullopt);

    const std::string& operatorName() const { return operator_; }
    // The password the login used (for a password change); wiped at the end.
    const std::string& password() const { return password_; }

  private:
    DaemonSession(ApiClient client, std::string operatorName);

    ApiClient client_;
    std::string operator_;
    std::string password_;
};

}  // namespace sekimori::app
