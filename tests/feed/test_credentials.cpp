// Broker credentials from a file (engine/feed/credentials): never on the command line, and
// refused when others can read the file.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "engine/feed/credentials.hpp"
#include "test_support.hpp"

using namespace sandtable;

TEST_CASE("a credentials file readable by others is refused, the owner's is read", "[feed][mqtt][credentials]") {
    feedtest::TempDir dir;
    const std::string path = dir.file("broker.cred");
    {
        std::ofstream f(path);
        f << "# the wall's broker account\nuser = wall-01\n\npassword = s3cret = with equals  \n";
    }
    ::chmod(path.c_str(), 0644);
    CHECK_THROWS_WITH(readCredentialsFile(path), Catch::Contains("mode 0644") && Catch::Contains("chmod 600"));
    ::chmod(path.c_str(), 0640);
    CHECK_THROWS_WITH(readCredentialsFile(path), Catch::Contains("readable or writable by others"));
    ::chmod(path.c_str(), 0600);
    const Credentials c = readCredentialsFile(path);
    CHECK(c.user == "wall-01");
    CHECK(c.password == "s3cret = with equals");
    ::chmod(path.c_str(), 0400);
    CHECK(readCredentialsFile(path).user == "wall-01");

    const std::string bad = dir.file("bad.cred");
    {
        std::ofstream f(bad);
        f << "user = a\npasswd: x\n";
    }
    ::chmod(bad.c_str(), 0600);
    CHECK_THROWS_WITH(readCredentialsFile(bad), Catch::Contains("bad.cred:2:"));
    const std::string nouser = dir.file("nouser.cred");
    {
        std::ofstream f(nouser);
        f << "password = x\n";
    }
    ::chmod(nouser.c_str(), 0600);
    CHECK_THROWS_WITH(readCredentialsFile(nouser), Catch::Contains("no 'user = NAME'"));
    CHECK_THROWS_WITH(readCredentialsFile(dir.file("missing.cred")), Catch::Contains("no such credentials file"));
}
