#include "engine/gl/resources.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace sandtable::gl {

namespace {
std::atomic<size_t> gErrors{0};
const char* errorName(GLenum e) {
    switch (e) {
    case GL_INVALID_ENUM:
        return "GL_INVALID_ENUM";
    case GL_INVALID_VALUE:
        return "GL_INVALID_VALUE";
    case GL_INVALID_OPERATION:
        return "GL_INVALID_OPERATION";
    case GL_INVALID_FRAMEBUFFER_OPERATION:
        return "GL_INVALID_FRAMEBUFFER_OPERATION";
    case GL_OUT_OF_MEMORY:
        return "GL_OUT_OF_MEMORY";
    default:
        return "GL error";
    }
}
}  // namespace

bool checkErrors(const char* what, const char* file, int line) {
    bool ok = true;
    for (GLenum e = glGetError(); e != GL_NO_ERROR; e = glGetError()) {
        ok = false;
        ++gErrors;
        std::fprintf(stderr, "sandtable: GL error %s (0x%x) after %s at %s:%d\n", errorName(e), e, what, file, line);
    }
    return ok;
}

size_t errorCount() { return gErrors.load(); }

namespace {
std::atomic<int64_t> gBufferBytes{0}, gTextureBytes{0}, gBuffers{0}, gTextures{0};

// Bytes per texel of the internal formats the engine allocates; 4 for any other.
int64_t texelBytes(GLenum internalFormat) {
    switch (internalFormat) {
    case GL_R8:
        return 1;
    case GL_RG8:
    case GL_R16F:
        return 2;
    case GL_RGBA16F:
    case GL_RG32F:
        return 8;
    case GL_RGBA32F:
        return 16;
    default:  // RGBA8, R32F, R32UI, RG16F, DEPTH24_STENCIL8
        return 4;
    }
}
}  // namespace

MemoryTicket::MemoryTicket(Kind kind, int64_t bytes) : kind_(kind), bytes_(bytes) {
    (kind == Kind::Buffer ? gBufferBytes : gTextureBytes) += bytes;
    ++(kind == Kind::Buffer ? gBuffers : gTextures);
}

void MemoryTicket::release() {
    if (bytes_ < 0) return;
    (kind_ == Kind::Buffer ? gBufferBytes : gTextureBytes) -= bytes_;
    --(kind_ == Kind::Buffer ? gBuffers : gTextures);
    bytes_ = -1;
}

MemoryStats memoryStats() { return {gBufferBytes.load(), gTextureBytes.load(), gBuffers.load(), gTextures.load()}; }

void vertexAttrib(const VertexArray& vao, GLuint index, GLint size, GLenum type, GLuint offset, bool normalized,
                  GLuint binding) {
    glEnableVertexArrayAttrib(vao.id(), index);
    glVertexArrayAttribFormat(vao.id(), index, size, type, normalized ? GL_TRUE : GL_FALSE, offset);
    glVertexArrayAttribBinding(vao.id(), index, binding);
}

void vertexAttribInt(const VertexArray& vao, GLuint index, GLint size, GLenum type, GLuint offset, GLuint binding) {
    glEnableVertexArrayAttrib(vao.id(), index);
    glVertexArrayAttribIFormat(vao.id(), index, size, type, offset);
    glVertexArrayAttribBinding(vao.id(), index, binding);
}

void drawViewportTriangle(const VertexArray& vao, GLuint texture, BlendAlpha alpha) {
    glBindTextureUnit(0, texture);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(alpha == BlendAlpha::Premultiplied ? GL_ONE : GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE,
                        GL_ONE_MINUS_SRC_ALPHA);
    glBindVertexArray(vao.id());
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glBindVertexArray(0);
    if (alpha == BlendAlpha::Premultiplied)
        glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
}

void Buffer::reserve(size_t bytes) {
    if (!h_) h_ = Handle<BufferTraits>::create();
    if (bytes <= capacity_ && capacity_ != 0) return;
    size_t cap = capacity_ ? capacity_ : 256;
    while (cap < bytes) cap *= 2;
    glNamedBufferData(h_.id(), static_cast<GLsizeiptr>(cap), nullptr, GL_DYNAMIC_DRAW);
    capacity_ = cap;
    ticket_ = MemoryTicket(MemoryTicket::Kind::Buffer, static_cast<int64_t>(cap));
    ST_GL_CHECK("Buffer::reserve");
}

void Buffer::upload(const void* data, size_t bytes) {
    reserve(bytes);
    if (bytes) glNamedBufferSubData(h_.id(), 0, static_cast<GLsizeiptr>(bytes), data);
    size_ = bytes;
    ST_GL_CHECK("Buffer::upload");
}

void Buffer::update(size_t offset, const void* data, size_t bytes) {
    if (offset + bytes > capacity_) throw std::out_of_range("Buffer::update past the end of the buffer");
    if (bytes) glNamedBufferSubData(h_.id(), static_cast<GLintptr>(offset), static_cast<GLsizeiptr>(bytes), data);
    if (offset + bytes > size_) size_ = offset + bytes;
    ST_GL_CHECK("Buffer::update");
}

Texture Texture::create2D(GLenum internalFormat, int width, int height, int levels) {
    Texture t;
    glCreateTextures(GL_TEXTURE_2D, 1, &t.id_);
    glTextureStorage2D(t.id_, levels, internalFormat, width, height);
    t.w_ = width;
    t.h_ = height;
    int64_t bytes = 0;
    for (int l = 0, w = width, h = height; l < levels; ++l, w = std::max(1, w / 2), h = std::max(1, h / 2))
        bytes += static_cast<int64_t>(w) * h * texelBytes(internalFormat);
    t.ticket_ = MemoryTicket(MemoryTicket::Kind::Texture, bytes);
    t.setFilter(levels > 1 ? GL_LINEAR_MIPMAP_LINEAR : GL_LINEAR, GL_LINEAR);
    t.setWrap(GL_CLAMP_TO_EDGE);
    ST_GL_CHECK("Texture::create2D");
    return t;
}

void Texture::setFilter(GLenum minFilter, GLenum magFilter) {
    glTextureParameteri(id_, GL_TEXTURE_MIN_FILTER, static_cast<GLint>(minFilter));
    glTextureParameteri(id_, GL_TEXTURE_MAG_FILTER, static_cast<GLint>(magFilter));
}

void Texture::setWrap(GLenum wrap) {
    glTextureParameteri(id_, GL_TEXTURE_WRAP_S, static_cast<GLint>(wrap));
    glTextureParameteri(id_, GL_TEXTURE_WRAP_T, static_cast<GLint>(wrap));
}

RenderTarget RenderTarget::create(int width, int height) {
    RenderTarget rt;
    rt.fbo_ = Handle<FramebufferTraits>::create();
    rt.color_ = Texture::create2D(GL_RGBA8, width, height);
    rt.depth_ = Renderbuffer::create();
    glNamedRenderbufferStorage(rt.depth_.id(), GL_DEPTH24_STENCIL8, width, height);
    rt.depthTicket_ = MemoryTicket(MemoryTicket::Kind::Texture, int64_t{4} * width * height);
    glNamedFramebufferTexture(rt.fbo_.id(), GL_COLOR_ATTACHMENT0, rt.color_.id(), 0);
    glNamedFramebufferRenderbuffer(rt.fbo_.id(), GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER, rt.depth_.id());
    const GLenum status = glCheckNamedFramebufferStatus(rt.fbo_.id(), GL_FRAMEBUFFER);
    if (status != GL_FRAMEBUFFER_COMPLETE)
        throw std::runtime_error("offscreen framebuffer " + std::to_string(width) + "x" + std::to_string(height) +
                                 " incomplete (status 0x" + std::to_string(status) + ")");
    ST_GL_CHECK("RenderTarget::create");
    return rt;
}

void RenderTarget::bind() const {
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_.id());
    glViewport(0, 0, width(), height());
}

}  // namespace sandtable::gl
