#include "app/report_command.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "app/cli_failure.hpp"
#include "app/daemon_session.hpp"
#include "core/crypto.hpp"
#include "core/report_signer.hpp"

extern char** environ;

namespace sekimori::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sekimori report <kind> --operator NAME [--config SITE.toml | --socket PATH]\n"
    "                       [--password-file F] [--from T] [--to T] [--out FILE]\n"
    "  kinds: access, suspicious, privileges, operators, exports (JSON, to --out or stdout)\n"
    "         compliance (the signed HTML summary: --out FILE, default compliance.html, and\n"
    "         FILE.sig, the detached Ed25519 signature, and FILE.pub.pem, the daemon's\n"
    "         report-signing key; --pdf OUT.pdf also prints it with headless chromium)\n"
    "         signing-key (the public key PEM, to --out or stdout)\n"
    "  T: 2026-12-01 (the site's day), 2026-12-01T09:30[:00][+09:00|Z] or microseconds;\n"
    "     default: the last 30 days (compliance: 90), to now\n";

bool writeFile(const std::string& path, const std::string& bytes, std::ostream& err) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << bytes;
    f.close();
    if (!f) {
        err << "sekimori: cannot write " << path << "\n";
        return false;
    }
    return true;
}

std::string rangeQuery(const CliArgs& args) {
    std::string query;
    for (const char* key : {"from", "to"}) {
        if (auto v = args.get(key)) {
            query += query.empty() ? '?' : '&';
            query += key;
            query += '=';
            query += pathSegment(*v);
        }
    }
    return query;
}

// chromium --headless=new --print-to-pdf=OUT file://HTML; an error when there is none.
int printPdf(const std::string& html, const std::string& pdf, std::ostream& err) {
    std::string chromium;
    for (const char* candidate :
         {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
        if (std::filesystem::exists(candidate)) {
            chromium = candidate;
            break;
        }
    }
    if (chromium.empty()) {
        err << "sekimori: no chromium found for --pdf; open " << html
            << " in a browser and print it (the signature covers the HTML only)\n";
        return 2;
    }
    const std::string printTo = "--print-to-pdf=" + std::filesystem::absolute(pdf).string();
    const std::string url = "file://" + std::filesystem::absolute(html).string();
    std::vector<std::string> argv{chromium,
                                  "--headless=new",
                                  "--no-sandbox",
                                  "--disable-gpu",
                                  "--no-pdf-header-footer",
                                  printTo,
                                  url};
    std::vector<char*> cargv;
    for (auto& a : argv) {
        cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, chromium.c_str(), nullptr, nullptr, cargv.data(), environ) != 0) {
        err << "sekimori: cannot run " << chromium << "\n";
        return 2;
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !std::filesystem::exists(pdf)) {
        err << "sekimori: chromium could not print " << pdf << "\n";
        return 1;
    }
    return 0;
}

int compliance(DaemonSession& session, const CliArgs& args, std::ostream& out, std::ostream& err) {
    auto answer = session.expectOk(ApiVerb::get, "/api/reports/compliance" + rangeQuery(args));
    if (!answer) {
        return reportFailure(answer.error(), err);
    }
    const auto& body = answer->body;
    const std::string html = body.value("html", "");
    const std::string pem = body.value("public_key_pem", "");
    auto signature = core::fromBase64(body.value("signature", ""));
    if (html.empty() || !signature) {
        err << "sekimori: the daemon's answer holds no signed summary\n";
        return 1;
    }
    // Checked here as the auditor will check it: the bytes written are the bytes signed.
    if (!core::verifyReportSignature(pem, html, *signature)) {
        err << "sekimori: the summary's signature does not verify under the daemon's key\n";
        return 1;
    }
    const std::string path = args.get("out").value_or("compliance.html");
    if (!writeFile(path, html, err) || !writeFile(path + ".sig", *signature, err) ||
        !writeFile(path + ".pub.pem", pem, err)) {
        return 1;
    }
    out << path << " sha256 " << body.value("html_sha256", "") << "\n"
        << path << ".sig (Ed25519, key sha256 " << body.value("signing_key_sha256", "") << ")\n"
        << "verify: openssl pkeyutl -verify -pubin -inkey " << path << ".pub.pem -rawin -in "
        << path << " -sigfile " << path << ".sig\n";
    for (const auto& row : body["summary"].value("rows", nlohmann::json::array())) {
        out << "  " << row.value("status", "") << "\t" << row.value("id", "") << "\n";
    }
    if (auto pdf = args.get("pdf")) {
        if (int rc = printPdf(path, *pdf, err); rc != 0) {
            return rc;
        }
        out << *pdf << " (printed from " << path << "; the signature covers the HTML)\n";
    }
    return 0;
}

}  // namespace

int runReportCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help") {
        err << kUsage;
        return 2;
    }
    const std::string kind = args[0];
    auto parsed =
        CliArgs::parse({args.begin() + 1, args.end()}, daemonOptions({"from", "to", "out", "pdf"}));
    if (!parsed) {
        err << kUsage;
        return reportFailure(parsed.error(), err);
    }
    static const std::vector<std::string> kinds{"access",  "suspicious", "privileges", "operators",
                                                "exports", "compliance", "signing-key"};
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
        err << "sekimori: unknown report " << kind << "\n" << kUsage;
        return 2;
    }
    if (parsed->has("pdf") && kind != "compliance") {
        err << "sekimori: --pdf is for the compliance summary\n";
        return 2;
    }
    auto session = DaemonSession::open(*parsed);
    if (!session) {
        return reportFailure(session.error(), err);
    }
    if (kind == "compliance") {
        return compliance(*session, *parsed, out, err);
    }
    std::string text;
    if (kind == "signing-key") {
        auto answer = session->expectOk(ApiVerb::get, "/api/reports");
        if (!answer) {
            return reportFailure(answer.error(), err);
        }
        text = answer->body.value("public_key_pem", "");
    } else {
        auto answer = session->expectOk(ApiVerb::get, "/api/reports/" + kind + rangeQuery(*parsed));
        if (!answer) {
            return reportFailure(answer.error(), err);
        }
        text = answer->body.dump(2) + "\n";
    }
    if (auto path = parsed->get("out")) {
        return writeFile(*path, text, err) ? 0 : 1;
    }
    out << text;
    return 0;
}

}  // namespace sekimori::app
