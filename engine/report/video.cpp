#include "engine/report/video.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

namespace sandtable {

namespace {
std::string averr(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(code, buf, sizeof buf);
    return buf;
}
}  // namespace

struct VideoWriter::Impl {
    AVFormatContext* fmt = nullptr;
    AVCodecContext* enc = nullptr;
    AVStream* stream = nullptr;
    AVFrame* frame = nullptr;
    AVPacket* packet = nullptr;
    SwsContext* sws = nullptr;
    bool headerWritten = false;

    ~Impl() {
        sws_freeContext(sws);
        av_packet_free(&packet);
        av_frame_free(&frame);
        avcodec_free_context(&enc);
        if (fmt) {
            if (fmt->pb) avio_closep(&fmt->pb);
            avformat_free_context(fmt);
        }
    }
    // Sends a frame (or nullptr: flush) and writes every packet the encoder has ready.
    void encode(AVFrame* f, const std::string& path) {
        int rc = avcodec_send_frame(enc, f);
        if (rc < 0) throw VideoError(path + ": encoding failed: " + averr(rc));
        for (;;) {
            rc = avcodec_receive_packet(enc, packet);
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            if (rc < 0) throw VideoError(path + ": encoding failed: " + averr(rc));
            av_packet_rescale_ts(packet, enc->time_base, stream->time_base);
            packet->stream_index = stream->index;
            rc = av_interleaved_write_frame(fmt, packet);
            if (rc < 0) throw VideoError(path + ": cannot write: " + averr(rc));
        }
    }
};

VideoWriter::VideoWriter(const std::string& path, const VideoOptions& o)
    : impl_(std::make_unique<Impl>()), path_(path) {
    if (o.width <= 0 || o.height <= 0 || o.width % 2 || o.height % 2)
        throw VideoError(path + ": the video size must be even (H.264 4:2:0), got " + std::to_string(o.width) + "x" +
                         std::to_string(o.height));
    if (o.fps < 1 || o.fps > 240) throw VideoError(path + ": fps must be 1-240");
    av_log_set_level(AV_LOG_ERROR);  // x264's statistics are not the user's business
    Impl& m = *impl_;
    int rc = avformat_alloc_output_context2(&m.fmt, nullptr, nullptr, path.c_str());
    if (rc < 0 || !m.fmt) throw VideoError(path + ": no container for this name: " + averr(rc));
    const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_H264);
    if (!codec) throw VideoError(path + ": this FFmpeg has no H.264 encoder");
    m.stream = avformat_new_stream(m.fmt, nullptr);
    m.enc = avcodec_alloc_context3(codec);
    if (!m.stream || !m.enc) throw VideoError(path + ": out of memory");
    m.enc->width = o.width;
    m.enc->height = o.height;
    m.enc->time_base = AVRational{1, o.fps};
    m.enc->framerate = AVRational{o.fps, 1};
    m.enc->pix_fmt = AV_PIX_FMT_YUV420P;
    m.enc->gop_size = o.fps * 2;
    if (m.fmt->oformat->flags & AVFMT_GLOBALHEADER) m.enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(m.enc->priv_data, "preset", o.preset.c_str(), 0);
    av_opt_set(m.enc->priv_data, "crf", std::to_string(o.crf).c_str(), 0);
    rc = avcodec_open2(m.enc, codec, nullptr);
    if (rc < 0) throw VideoError(path + ": cannot open the H.264 encoder: " + averr(rc));
    rc = avcodec_parameters_from_context(m.stream->codecpar, m.enc);
    if (rc < 0) throw VideoError(path + ": " + averr(rc));
    m.stream->time_base = m.enc->time_base;
    m.stream->avg_frame_rate = m.enc->framerate;
    // Reproducible files: no creation time, no encoder version string in the container.
    m.fmt->flags |= AVFMT_FLAG_BITEXACT;
    if (!(m.fmt->oformat->flags & AVFMT_NOFILE)) {
        rc = avio_open(&m.fmt->pb, path.c_str(), AVIO_FLAG_WRITE);
        if (rc < 0) throw VideoError("cannot write '" + path + "': " + averr(rc));
    }
    rc = avformat_write_header(m.fmt, nullptr);
    if (rc < 0) throw VideoError(path + ": cannot write the header: " + averr(rc));
    m.headerWritten = true;
    m.frame = av_frame_alloc();
    m.packet = av_packet_alloc();
    if (!m.frame || !m.packet) throw VideoError(path + ": out of memory");
    m.frame->format = m.enc->pix_fmt;
    m.frame->width = o.width;
    m.frame->height = o.height;
    rc = av_frame_get_buffer(m.frame, 0);
    if (rc < 0) throw VideoError(path + ": " + averr(rc));
    m.sws = sws_getContext(o.width, o.height, AV_PIX_FMT_RGBA, o.width, o.height, AV_PIX_FMT_YUV420P,
                           SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT, nullptr, nullptr, nullptr);
    if (!m.sws) throw VideoError(path + ": no RGBA to YUV conversion");
}

VideoWriter::~VideoWriter() {
    if (!finished_) try {
            finish();
        } catch (...) {}
}

void VideoWriter::add(const Image& img) {
    Impl& m = *impl_;
    if (finished_) throw VideoError(path_ + ": the video is finished");
    if (img.width != m.enc->width || img.height != m.enc->height)
        throw VideoError(path_ + ": frame " + std::to_string(frames_) + " is " + std::to_string(img.width) + "x" +
                         std::to_string(img.height) + ", the video " + std::to_string(m.enc->width) + "x" +
                         std::to_string(m.enc->height));
    int rc = av_frame_make_writable(m.frame);
    if (rc < 0) throw VideoError(path_ + ": " + averr(rc));
    const uint8_t* src[1] = {img.rgba.data()};
    const int stride[1] = {img.width * 4};
    sws_scale(m.sws, src, stride, 0, img.height, m.frame->data, m.frame->linesize);
    m.frame->pts = frames_;  // frame i at i / fps: constant rate, frame-exact
    m.encode(m.frame, path_);
    ++frames_;
}

void VideoWriter::finish() {
    if (finished_) return;
    finished_ = true;
    Impl& m = *impl_;
    if (!m.headerWritten) return;
    m.encode(nullptr, path_);
    const int rc = av_write_trailer(m.fmt);
    if (rc < 0) throw VideoError(path_ + ": cannot write the trailer: " + averr(rc));
}

}  // namespace sandtable
