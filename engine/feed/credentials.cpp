#include "engine/feed/credentials.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

namespace sandtable {

namespace {
std::string trim(const std::string& s) {
    const auto a = s.find_first_not_of(" \t\r");
    if (a == std::string::npos) return {};
    const auto b = s.find_last_not_of(" \t\r");
    return s.substr(a, b - a + 1);
}
}  // namespace

Credentials readCredentialsFile(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw CredentialsError(path + ": no such credentials file");
    if (!S_ISREG(st.st_mode)) throw CredentialsError(path + ": not a regular file");
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw CredentialsError(path + ": readable or writable by others (mode " + mode +
                               "); a password file must be the owner's only: chmod 600 " + path);
    }
    std::ifstream in(path);
    if (!in) throw CredentialsError(path + ": cannot be read");
    Credentials c;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        const auto eq = t.find('=');
        const std::string key = eq == std::string::npos ? std::string() : trim(t.substr(0, eq));
        if (key != "user" && key != "password")
            throw CredentialsError(path + ":" + std::to_string(n) + ": expected 'user = NAME' or 'password = SECRET'");
        (key == "user" ? c.user : c.password) = trim(t.substr(eq + 1));
    }
    if (c.user.empty()) throw CredentialsError(path + ": no 'user = NAME' line");
    return c;
}

}  // namespace sandtable
