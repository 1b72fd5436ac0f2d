#include "engine/util/sample_data.hpp"

#include <filesystem>
#include <vector>

namespace sandtable {

std::string findSampleData(const std::string& name, const std::string& sourceDir) {
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates;
    if (!sourceDir.empty()) candidates.push_back(fs::path(sourceDir) / "data/putuo" / name);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
            candidates.push_back(p / "data/putuo" / name);
    for (const auto& c : candidates)
        if (fs::exists(c, ec)) return c.string();
    return {};
}

}  // namespace sandtable
