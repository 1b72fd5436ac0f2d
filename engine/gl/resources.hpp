#pragma once
// Move-only RAII owners for GL objects (after Magnum's GL wrappers): copy is deleted,
// the destructor deletes the object, and a default-constructed wrapper owns nothing
// (the explicit "not created yet" state for members made later). No raw GLuint outlives
// its owner: id() lends the name for GL calls only.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "engine/gl/gl.hpp"

namespace sandtable::gl {

template <typename Traits>
class Handle {
public:
    Handle() = default;
    static Handle create() {
        Handle h;
        h.id_ = Traits::create();
        return h;
    }
    ~Handle() { reset(); }
    Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, 0)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, 0);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    GLuint id() const { return id_; }
    explicit operator bool() const { return id_ != 0; }
    void reset() {
        if (id_) {
            Traits::destroy(id_);
            id_ = 0;
        }
    }

private:
    GLuint id_ = 0;
};

struct BufferTraits {
    static GLuint create() {
        GLuint i = 0;
        glCreateBuffers(1, &i);
        return i;
    }
    static void destroy(GLuint i) { glDeleteBuffers(1, &i); }
};
struct VertexArrayTraits {
    static GLuint create() {
        GLuint i = 0;
        glCreateVertexArrays(1, &i);
        return i;
    }
    static void destroy(GLuint i) { glDeleteVertexArrays(1, &i); }
};
struct FramebufferTraits {
    static GLuint create() {
        GLuint i = 0;
        glCreateFramebuffers(1, &i);
        return i;
    }
    static void destroy(GLuint i) { glDeleteFramebuffers(1, &i); }
};
struct RenderbufferTraits {
    static GLuint create() {
        GLuint i = 0;
        glCreateRenderbuffers(1, &i);
        return i;
    }
    static void destroy(GLuint i) { glDeleteRenderbuffers(1, &i); }
};
struct QueryTraits {
    static GLuint create() {
        GLuint i = 0;
        glGenQueries(1, &i);
        return i;
    }
    static void destroy(GLuint i) { glDeleteQueries(1, &i); }
};
struct ProgramTraits {
    static GLuint create() { return glCreateProgram(); }
    static void destroy(GLuint i) { glDeleteProgram(i); }
};

using VertexArray = Handle<VertexArrayTraits>;
using Renderbuffer = Handle<RenderbufferTraits>;
using Query = Handle<QueryTraits>;
using ProgramHandle = Handle<ProgramTraits>;

// Declares vertex attribute `index` of a VAO as `size` components of `type` at `offset`
// in the buffer bound to binding point `binding` (float, normalised fixed-point, or
// integer attributes), and enables it.
void vertexAttrib(const VertexArray& vao, GLuint index, GLint size, GLenum type, GLuint offset, bool normalized = false,
                  GLuint binding = 0);
void vertexAttribInt(const VertexArray& vao, GLuint index, GLint size, GLenum type, GLuint offset, GLuint binding = 0);

// Draws one triangle over the viewport (heatmap_quad.vert: the program in use is the
// caller's) with `texture` on unit 0, no depth test or culling, blended over the
// framebuffer's colour as straight alpha (source alpha, one minus source alpha) or as
// premultiplied (one, one minus source alpha); the blend function is left straight.
enum class BlendAlpha { Straight, Premultiplied };
void drawViewportTriangle(const VertexArray& vao, GLuint texture, BlendAlpha alpha);

// GPU memory the engine's own buffers and textures hold now (their storage as
// allocated: a buffer's capacity, a texture's levels, a render target's depth-stencil),
// process-wide; what the driver adds (ImGui's backend, mip padding) is not counted. Soak
// runs and the metrics sample it to show that GPU memory stays flat.
struct MemoryStats {
    int64_t bufferBytes = 0, textureBytes = 0;
    int64_t buffers = 0, textures = 0;
};
MemoryStats memoryStats();

// The bytes one allocation holds, added to a process-wide tally while it lives.
class MemoryTicket {
public:
    enum class Kind { Buffer, Texture };
    MemoryTicket() = default;
    MemoryTicket(Kind kind, int64_t bytes);
    ~MemoryTicket() { release(); }
    MemoryTicket(MemoryTicket&& o) noexcept : kind_(o.kind_), bytes_(std::exchange(o.bytes_, -1)) {}
    MemoryTicket& operator=(MemoryTicket&& o) noexcept {
        if (this != &o) {
            release();
            kind_ = o.kind_;
            bytes_ = std::exchange(o.bytes_, -1);
        }
        return *this;
    }
    MemoryTicket(const MemoryTicket&) = delete;
    MemoryTicket& operator=(const MemoryTicket&) = delete;
    void release();

private:
    Kind kind_ = Kind::Buffer;
    int64_t bytes_ = -1;  // -1: holds nothing (0 bytes still counts one object)
};

// A GPU buffer with its size; storage is (re)allocated by upload when it grows.
class Buffer {
public:
    Buffer() = default;
    static Buffer create() {
        Buffer b;
        b.h_ = Handle<BufferTraits>::create();
        return b;
    }
    GLuint id() const { return h_.id(); }
    explicit operator bool() const { return static_cast<bool>(h_); }
    size_t size() const { return size_; }

    // Replaces the whole contents (grows storage as needed; usage GL_DYNAMIC_DRAW).
    void upload(const void* data, size_t bytes);
    // Updates a byte range inside the current storage.
    void update(size_t offset, const void* data, size_t bytes);
    template <typename T>
    void upload(std::span<const T> v) {
        upload(v.data(), v.size_bytes());
    }
    // Ensures capacity (contents undefined if it grows).
    void reserve(size_t bytes);

private:
    Handle<BufferTraits> h_;
    size_t size_ = 0;      // bytes in use
    size_t capacity_ = 0;  // bytes allocated
    MemoryTicket ticket_;  // capacity_, in memoryStats()
};

class Texture {
public:
    Texture() = default;
    // Immutable-storage 2D texture.
    static Texture create2D(GLenum internalFormat, int width, int height, int levels = 1);
    GLuint id() const { return id_; }
    int width() const { return w_; }
    int height() const { return h_; }
    explicit operator bool() const { return id_ != 0; }
    ~Texture() { reset(); }
    Texture(Texture&& o) noexcept : id_(std::exchange(o.id_, 0)), w_(o.w_), h_(o.h_), ticket_(std::move(o.ticket_)) {}
    Texture& operator=(Texture&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, 0);
            w_ = o.w_;
            h_ = o.h_;
            ticket_ = std::move(o.ticket_);
        }
        return *this;
    }
    Texture(const Texture&) = delete;
    Texture& operator=(const Texture&) = delete;
    void reset() {
        if (id_) {
            glDeleteTextures(1, &id_);
            id_ = 0;
        }
        ticket_.release();
    }
    void setFilter(GLenum minFilter, GLenum magFilter);
    void setWrap(GLenum wrap);

private:
    GLuint id_ = 0;
    int w_ = 0, h_ = 0;
    MemoryTicket ticket_;  // its levels' bytes, in memoryStats()
};

// An offscreen colour (+ depth-stencil) target. Multisampling is off by design so that
// software GL renders the same image every time.
class RenderTarget {
public:
    RenderTarget() = default;
    static RenderTarget create(int width, int height);
    GLuint framebuffer() const { return fbo_.id(); }
    const Texture& color() const { return color_; }
    int width() const { return color_.width(); }
    int height() const { return color_.height(); }
    void bind() const;

private:
    Handle<FramebufferTraits> fbo_;
    Texture color_;
    Renderbuffer depth_;
    MemoryTicket depthTicket_;
};

}  // namespace sandtable::gl
