#pragma once
// SHA-256 (FIPS 180-4) of bytes and of files, for the report's provenance: the hash of
// every input file, so a reader can tell which records a report was computed from.
#include <cstdint>
#include <span>
#include <string>

namespace sandtable::report {

class Sha256 {
public:
    Sha256();
    void update(std::span<const uint8_t> bytes);
    // The digest as 64 lower-case hex digits; the object is spent afterwards.
    std::string hexDigest();

private:
    void block(const uint8_t* p);
    uint32_t h_[8];
    uint8_t buf_[64];
    size_t used_ = 0;
    uint64_t bits_ = 0;
};

std::string sha256Hex(std::span<const uint8_t> bytes);
// Throws std::runtime_error naming the file when it cannot be read.
std::string sha256File(const std::string& path);

}  // namespace sandtable::report
