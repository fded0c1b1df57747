#pragma once
// A real mosquitto for tests: scripts/broker init + run in a fresh temp dir on a free loopback
// port, with the site's accounts and ACL. Header-only so any test folder can include it:
//
//   sekimori::test::MosquittoBroker broker({.site = "s1", .panels = {"p-a"}});
//   auto link = io::makePahoMqttLink(io.executor(), broker.options("sekimorid"));
//   broker.stop(); ... broker.start();   // a restart keeps port, accounts and persisted state
//
// With `.tls = true` the broker also has its panel listener (TLS, client certificates of the
// site CA, CN = user name); `broker.tlsOptions("p-a")` connects a panel through it.
//
// Failures throw std::runtime_error with the broker's log, which gtest reports as the failure.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "io/mqtt_link.hpp"

#ifndef SEKIMORI_SOURCE_DIR
#error "broker_fixture.hpp needs SEKIMORI_SOURCE_DIR (set by sekimori_test_folder)"
#endif

namespace sekimori::test {

struct BrokerSetup {
    std::string site = "test";
    std::vector<std::string> panels;
    std::vector<std::string> services;     // "sekimorid" always has an account
    std::vector<std::string> witnesses{};  // braces: callers may leave it out (designated init)
    bool tls = false;  // the TLS panel listener, with the site CA and a certificate per panel
};

class MosquittoBroker {
  public:
    explicit MosquittoBroker(BrokerSetup setup = {}) : setup_(std::move(setup)) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "sekimori-broker-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("broker fixture: mkdtemp failed");
        }
        runDir_ = pattern;
        port_ = freeLoopbackPort();
        std::string panels;
        for (const auto& panel : setup_.panels) {
            panels += (panels.empty() ? "" : " ") + panel;
        }
        std::string services = "sekimorid";
        for (const auto& service : setup_.services) {
            services += " " + service;
        }
        std::string witnesses;
        for (const auto& witness : setup_.witnesses) {
            witnesses += (witnesses.empty() ? "" : " ") + witness;
        }
        std::string tls;
        if (setup_.tls) {
            do {
                tlsPort_ = freeLoopbackPort();
            } while (tlsPort_ == port_);
            tls = " --tls-port " + std::to_string(tlsPort_);
        }
        const std::string command = quote(script()) + " init " + quote(runDir_.string()) +
                                    " --port " + std::to_string(port_) + tls + " --site " +
                                    quote(setup_.site) + " --panels " + quote(panels) +
                                    " --services " + quote(services) + " --witnesses " +
                                    quote(witnesses) + " >/dev/null";
        if (std::system(command.c_str()) != 0) {
            std::filesystem::remove_all(runDir_);
            throw std::runtime_error("broker fixture: '" + command + "' failed");
        }
        start();
    }

    ~MosquittoBroker() {
        stop();
        std::error_code ignored;
        std::filesystem::remove_all(runDir_, ignored);
    }

    MosquittoBroker(const MosquittoBroker&) = delete;
    MosquittoBroker& operator=(const MosquittoBroker&) = delete;

    // Runs the broker (again) and returns once it accepts connections.
    void start() {
        if (pid_ > 0) {
            return;
        }
        const std::string bash = "/bin/bash";
        const std::string scriptPath = script();
        const std::string run = "run";
        const std::string dir = runDir_.string();
        const std::string output = (runDir_ / "broker" / "stderr.log").string();
        std::vector<char*> argv{
            const_cast<char*>(bash.c_str()), const_cast<char*>(scriptPath.c_str()),
            const_cast<char*>(run.c_str()), const_cast<char*>(dir.c_str()), nullptr};
        const pid_t parent = getpid();
        const pid_t pid = fork();
        if (pid < 0) {
            throw std::runtime_error("broker fixture: fork failed");
        }
        if (pid == 0) {
            // Only async-signal-safe calls until exec: the test process has other threads.
            prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test leaves no broker behind
            if (getppid() != parent) {
                _exit(127);
            }
            const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
                close(fd);
            }
            execv(argv[0], argv.data());
            _exit(127);
        }
        pid_ = pid;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!accepting(port_) || (tlsPort_ != 0 && !accepting(tlsPort_))) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("broker fixture: mosquitto exited at start:\n" + log());
            }
            if (std::chrono::steady_clock::now() > deadline) {
                stop();
                throw std::runtime_error("broker fixture: mosquitto not accepting:\n" + log());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    // SIGTERM, as an operator would: mosquitto saves sessions and queued messages first.
    void stop() {
        if (pid_ <= 0) {
            return;
        }
        kill(pid_, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        int status = 0;
        while (waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        pid_ = -1;
    }

    bool running() const { return pid_ > 0; }
    std::uint16_t port() const { return port_; }
    std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    std::uint16_t tlsPort() const { return tlsPort_; }  // 0 without `.tls`
    std::string tlsUri() const { return "ssl://127.0.0.1:" + std::to_string(tlsPort_); }
    // What scripts/broker init hands out to a panel: the CA to trust, its certificate and key.
    std::string caFile() const { return (runDir_ / "secrets" / "mqtt" / "ca.crt").string(); }
    std::string certFile(const std::string& account) const {
        return (runDir_ / "secrets" / "mqtt" / (account + ".crt")).string();
    }
    std::string keyFile(const std::string& account) const {
        return (runDir_ / "secrets" / "mqtt" / (account + ".key")).string();
    }
    const std::string& site() const { return setup_.site; }
    const std::filesystem::path& runDir() const { return runDir_; }

    std::string password(const std::string& account) const {
        std::ifstream in(runDir_ / "secrets" / "mqtt" / (account + ".password"));
        std::string line;
        std::getline(in, line);
        return line;
    }

    // Ready-to-use options for an account: this broker, its password, client id (default: the
    // account name), and a persistence dir of its own under the run dir.
    io::MqttOptions options(const std::string& account, std::string clientId = "") const {
        io::MqttOptions options;
        options.serverUri = uri();
        options.clientId = clientId.empty() ? account : std::move(clientId);
        options.username = account;
        options.password = password(account);
        options.persistenceDir = (runDir_ / "clients" / options.clientId).string();
        options.minBackoff = std::chrono::milliseconds(20);
        options.maxBackoff = std::chrono::milliseconds(200);
        return options;
    }

    // The same through the TLS panel listener, with the account's client certificate and no
    // password: the broker takes the user name from the certificate.
    io::MqttOptions tlsOptions(const std::string& account, std::string clientId = "") const {
        io::MqttOptions options = this->options(account, std::move(clientId));
        options.serverUri = tlsUri();
        options.password.clear();
        options.caFile = caFile();
        options.certFile = certFile(account);
        options.keyFile = keyFile(account);
        options.persistenceDir += "-tls";
        return options;
    }

    // mosquitto's own log (connections, refusals), for diagnostics in a failing test.
    std::string log() const {
        std::ostringstream text;
        for (const char* name : {"mosquitto.log", "stderr.log"}) {
            std::ifstream in(runDir_ / "broker" / name);
            text << in.rdbuf();
        }
        return text.str();
    }

  private:
    static std::string script() { return std::string(SEKIMORI_SOURCE_DIR) + "/scripts/broker"; }

    static std::string quote(const std::string& text) {
        std::string quoted = "'";
        for (const char c : text) {
            quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        }
        return quoted + "'";
    }

    static sockaddr_in loopback(std::uint16_t port) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return address;
    }

    // The kernel picks a free port; the broker binds it a moment later (a small race, fine on a
    // test machine).
    static std::uint16_t freeLoopbackPort() {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof address;
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            if (fd >= 0) {
                close(fd);
            }
            throw std::runtime_error("broker fixture: no free loopback port");
        }
        close(fd);
        return ntohs(address.sin_port);
    }

    static bool accepting(std::uint16_t port) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            return false;
        }
        const sockaddr_in address = loopback(port);
        const bool ok =
            connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
        close(fd);
        return ok;
    }

    BrokerSetup setup_;
    std::filesystem::path runDir_;
    std::uint16_t port_ = 0;
    std::uint16_t tlsPort_ = 0;
    pid_t pid_ = -1;
};

}  // namespace sekimori::test
