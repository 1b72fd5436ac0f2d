// The fuzz targets without libFuzzer: runs every file of the given corpus folders (or the
// given files) once through LLVMFuzzerTestOneInput, so CTest replays each corpus,
// crash reproducers included, in every build. Fails when a folder is missing or empty.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool runFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "%s: cannot read\n", p.string().c_str());
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy of exactly the file's size, so a read past the end is caught by ASan.
    std::vector<uint8_t> input(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
        return 2;
    }
    size_t total = 0;
    for (int a = 1; a < argc; ++a) {
        const std::filesystem::path arg(argv[a]);
        std::error_code ec;
        if (std::filesystem::is_regular_file(arg, ec)) {
            if (!runFile(arg)) return 1;
            ++total;
            continue;
        }
        if (!std::filesystem::is_directory(arg, ec)) {
            std::fprintf(stderr, "%s: no such corpus folder\n", argv[a]);
            return 1;
        }
        std::vector<std::filesystem::path> files;
        for (const auto& e : std::filesystem::recursive_directory_iterator(arg))
            if (e.is_regular_file()) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        if (files.empty()) {
            std::fprintf(stderr, "%s: empty corpus folder\n", argv[a]);
            return 1;
        }
        for (const auto& f : files)
            if (!runFile(f)) return 1;
        std::printf("%s: %zu inputs ran\n", argv[a], files.size());
        total += files.size();
    }
    std::printf("%zu inputs ran, no crash\n", total);
    return 0;
}
