#pragma once
// Helpers shared by the fuzz targets (tests/fuzz/fuzz_*.cpp): quiet GDAL, inputs as GDAL
// in-memory files, and the one way a target reports a broken invariant (abort, so both
// libFuzzer and the regression runner see a crash).
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>

namespace sandtable::fuzz {

// GDAL drivers registered, its messages silenced (bad input is expected here; the
// readers turn errors into counted rows or exceptions of their own).
inline void initGdal() {
    static std::once_flag once;
    std::call_once(once, [] {
        GDALAllRegister();
        CPLSetErrorHandler(CPLQuietErrorHandler);
    });
}

// A file under /vsimem/ holding a copy of the bytes, removed when this goes away.
class MemFile {
public:
    MemFile(std::string path, std::string_view bytes) : path_(std::move(path)) {
        auto* copy = static_cast<GByte*>(CPLMalloc(bytes.size() + 1));
        if (!bytes.empty()) std::memcpy(copy, bytes.data(), bytes.size());
        VSIFCloseL(VSIFileFromMemBuffer(path_.c_str(), copy, static_cast<vsi_l_offset>(bytes.size()), TRUE));
    }
    ~MemFile() { VSIUnlink(path_.c_str()); }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// A broken invariant: a bug, reported as a crash.
[[noreturn]] inline void bug(const char* what) {
    std::fprintf(stderr, "fuzz: invariant broken: %s\n", what);
    std::abort();
}

inline std::string_view asText(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

}  // namespace sandtable::fuzz
