#include "app/daemon_session.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "app/site_file.hpp"
#include "app/site_paths.hpp"

namespace sekimori::app {

namespace {

constexpr const char* kPasswordFileEnv = "SEKIMORI_PASSWORD_FILE";

void wipe(std::string& secret) {
    sodium_memzero(secret.data(), secret.size());
    secret.clear();
}

std::string chomp(std::string line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.pop_back();
    }
    return line;
}

}  // namespace

std::set<std::string> daemonOptions(std::set<std::string> commandOptions) {
    commandOptions.insert({"config", "socket", "operator", "password-file"});
    return commandOptions;
}

core::Result<std::string> socketPathFor(const CliArgs& args) {
    if (auto socket = args.get("socket"); socket && !socket->empty()) {
        return *socket;
    }
    auto configPath = args.get("config");
    if (!configPath || configPath->empty()) {
        return core::makeError("cli.missing_option",
                               "give --config SITE.toml (or --socket PATH of the daemon)");
    }
    auto file = loadSiteFile(*configPath);  // read only: the whole-file check, nothing written
    if (!file) {
        return file.error();
    }
    return sitePaths(file->site).localSocket.string();
}

core::Result<std::string> readPasswordFile(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) {
        return core::makeError("cli.password_file", "cannot read a password from " + path);
    }
    line = chomp(std::move(line));
    if (line.empty()) {
        return core::makeError("cli.password_file", "the first line of " + path + " is empty");
    }
    return line;
}

core::Result<std::string> promptPassword(const std::string& prompt) {
    const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) {
        return core::makeError("cli.no_password",
                               "no terminal to ask for the password: give --password-file F "
                               "or set " +
                                   std::string(kPasswordFileEnv));
    }
    termios saved{};
    const bool isTerminal = ::tcgetattr(tty, &saved) == 0;
    if (isTerminal) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        ::tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    [[maybe_unused]] auto written = ::write(tty, prompt.data(), prompt.size());
    std::string line;
    char c = 0;
    while (::read(tty, &c, 1) == 1 && c != '\n') {
        line.push_back(c);
    }
    if (isTerminal) {
        ::tcsetattr(tty, TCSAFLUSH, &saved);
    }
    ::close(tty);
    line = chomp(std::move(line));
    if (line.empty()) {
        return core::makeError("cli.no_password", "no password given");
    }
    return line;
}

core::Error refusal(const ApiAnswer& answer) {
    return core::makeError("api.refused", describeRefusal(answer));
}

DaemonSession::DaemonSession(ApiClient client, std::string operatorName)
    : client_(std::move(client)), operator_(std::move(operatorName)) {}

core::Result<DaemonSession> DaemonSession::open(const CliArgs& args, Purpose purpose) {
    auto name = args.require("operator");
    if (!name) {
        return core::makeError("cli.missing_option",
                               "option --operator NAME is required: who you are to the daemon");
    }
    auto socket = socketPathFor(args);
    if (!socket) {
        return socket.error();
    }
    core::Result<std::string> password = core::makeError("cli.no_password", "");
    if (auto file = args.get("password-file")) {
        password = readPasswordFile(*file);
    } else if (const char* env = std::getenv(kPasswordFileEnv); env && *env) {
        password = readPasswordFile(env);
    } else {
        password = promptPassword("password for " + *name + ": ");
    }
    if (!password) {
        return password.error();
    }
    DaemonSession session(ApiClient(*socket), *name);
    session.password_ = std::move(*password);
    auto answer =
        session.client_.call(ApiVerb::post, "/api/login",
                             nlohmann::json{{"name", *name}, {"password", session.password_}});
    if (!answer) {
        return answer.error();
    }
    if (answer->status != 200 || !session.client_.hasSession()) {
        return refusal(*answer);
    }
    const auto& body = answer->body;
    const bool mustChange = body.is_object() && body.value("must_change_password", false);
    if (mustChange && purpose != Purpose::changePassword) {
        return core::makeError("api.refused",
                               "the password of " + *name +
                                   " must be changed before anything else: sekimori password "
                                   "--operator " +
                                   *name + " ...");
    }
    return session;
}

DaemonSession::~DaemonSession() {
    wipe(password_);
    if (client_.hasSession()) {
        // Best effort: the session ends by itself when idle if the daemon went away meanwhile.
        (void)client_.call(ApiVerb::post, "/api/logout");
        client_.forgetSession();
    }
}

core::Result<ApiAnswer> DaemonSession::call(ApiVerb verb, const std::string& target,
                                            std::optional<nlohmann::json> body) {
    return client_.call(verb, target, std::move(body));
}

core::Result<ApiAnswer> DaemonSession::expectOk(ApiVerb verb, const std::string& target,
                                                std::optional<nlohmann::json> body) {
    auto answer = client_.call(verb, target, std::move(body));
    if (!answer) {
        return answer.error();
    }
    if (answer->status < 200 || answer->status >= 300) {
        return refusal(*answer);
    }
    return answer;
}

}  // namespace sekimori::app
