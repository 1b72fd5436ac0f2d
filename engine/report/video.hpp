#pragma once
// H.264 video of rendered frames through Debian's FFmpeg libraries (libavformat,
// libavcodec with libx264, libswscale): a replay for a briefing. One frame in, one frame
// out, at a constant frame rate with exact timestamps (frame i at i / fps s), so the
// same frames give the same file. MP4 (by the name; .mkv and .mov work too).
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/util/image.hpp"

namespace sandtable {

struct VideoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct VideoOptions {
    int width = 1920, height = 1080;  // even (H.264 4:2:0); odd sizes are refused
    int fps = 30;
    int crf = 20;  // x264 quality (lower: better, bigger)
    std::string preset = "medium";
};

class VideoWriter {
public:
    // Opens the file and the encoder; throws VideoError naming the file and the reason.
    VideoWriter(const std::string& path, const VideoOptions& options);
    ~VideoWriter();
    VideoWriter(const VideoWriter&) = delete;
    VideoWriter& operator=(const VideoWriter&) = delete;

    void add(const Image& frame);  // RGBA, top row first, options' size
    // Flushes the encoder and writes the trailer (the destructor does it too, silently).
    void finish();
    int frames() const { return frames_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
    int frames_ = 0;
    bool finished_ = false;
};

}  // namespace sandtable
