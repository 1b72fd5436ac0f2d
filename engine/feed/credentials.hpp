#pragma once
// A broker's user name and password from a file, so that the password is never on the
// command line (where `ps` shows it). The file must be a regular file readable by its
// owner only (mode 0600 or 0400): anything group- or world-readable is refused. Format:
// `user = NAME` and `password = SECRET` lines; `#` starts a comment; blank lines are
// ignored. docs/feed.md#mqtt.
#include <stdexcept>
#include <string>

namespace sandtable {

struct Credentials {
    std::string user, password;
};

struct CredentialsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws CredentialsError naming the file and the reason (missing, permissions, a bad line
// with its number, no user).
Credentials readCredentialsFile(const std::string& path);

}  // namespace sandtable
