#pragma once
// A path in the temp folder that no other test process uses: every CTest entry is a
// process of its own and scripts/test.sh runs four at once, so a fixed name (two cases
// writing /tmp/x.tif) is a race. The file keeps its name, in a folder of this process's.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace sandtable::test {

inline std::filesystem::path processTempPath(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("sandtable-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

}  // namespace sandtable::test
