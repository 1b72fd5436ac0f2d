#include "engine/gl/shader.hpp"

#include <cstring>
#include <regex>
#include <sstream>

#include "engine/gl/shader_sources.hpp"

namespace sandtable {

namespace {

std::string injectDefines(const std::string& src, const std::vector<std::string>& defines) {
    if (defines.empty()) return src;
    // Insert after the #version line, then restore line numbering with #line.
    std::istringstream in(src);
    std::ostringstream out;
    std::string line;
    int n = 0;
    bool done = false;
    while (std::getline(in, line)) {
        ++n;
        out << line << '\n';
        if (!done && line.rfind("#version", 0) == 0) {
            for (const auto& d : defines) out << "#define " << d << '\n';
            out << "#line " << (n + 1) << '\n';
            done = true;
        }
    }
    return out.str();
}

// Rewrites driver log locations ("0:12(5): " from Mesa, "0(12) : " from NVIDIA) as "file:12: ".
std::string annotateLog(const std::string& log, const std::string& file) {
    static const std::regex mesa(R"((^|\n)\d+:(\d+)\(\d+\): )");
    static const std::regex nvidia(R"((^|\n)\d+\((\d+)\) : )");
    std::string s = std::regex_replace(log, mesa, "$1" + file + ":$2: ");
    s = std::regex_replace(s, nvidia, "$1" + file + ":$2: ");
    if (s == log) s = file + ": " + log;
    return s;
}

}  // namespace

const char* ShaderLibrary::source(const std::string& fileName) {
    for (const auto& s : gl::embeddedShaders())
        if (fileName == s.name) return s.source;
    throw ShaderError("shader file '" + fileName + "' is not in shaders/ (not embedded)");
}

GLuint ShaderLibrary::compileStage(GLenum stage, const std::string& fileName, const std::string& source,
                                   const std::vector<std::string>& defines) {
    const std::string text = injectDefines(source, defines);
    GLuint sh = glCreateShader(stage);
    const char* p = text.c_str();
    glShaderSource(sh, 1, &p, nullptr);
    glCompileShader(sh);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        GLint len = 0;
        glGetShaderiv(sh, GL_INFO_LOG_LENGTH, &len);
        std::string log(static_cast<size_t>(std::max(len, 1)), '\0');
        glGetShaderInfoLog(sh, len, nullptr, log.data());
        glDeleteShader(sh);
        while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
        throw ShaderError("shader compile error: " + annotateLog(log, "shaders/" + fileName));
    }
    return sh;
}

namespace {
// A compiled stage, deleted when the scope ends: after a link too (it is flagged and goes
// with its program) and on every throw (a failed link used to leak both stages).
struct Stage {
    GLuint id = 0;
    Stage() = default;
    explicit Stage(GLuint s) : id(s) {}
    Stage(const Stage&) = delete;
    Stage& operator=(const Stage&) = delete;
    ~Stage() {
        if (id) glDeleteShader(id);
    }
};
void linkOrThrow(GLuint prog, const std::string& what) {
    glLinkProgram(prog);
    GLint ok = 0;
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    if (!ok) {
        GLint len = 0;
        glGetProgramiv(prog, GL_INFO_LOG_LENGTH, &len);
        std::string log(static_cast<size_t>(std::max(len, 1)), '\0');
        glGetProgramInfoLog(prog, len, nullptr, log.data());
        throw ShaderError("shader link error in " + what + ": " + log);
    }
}
std::string key(const std::vector<std::string>& files, const std::vector<std::string>& defines) {
    std::string k;
    for (const auto& f : files) k += f + "|";
    for (const auto& d : defines) k += "#" + d;
    return k;
}
}  // namespace

Program& ShaderLibrary::graphics(const std::string& vert, const std::string& frag,
                                 const std::vector<std::string>& defines) {
    const std::string k = key({vert, frag}, defines);
    if (auto it = programs_.find(k); it != programs_.end()) return *it->second;
    auto prog = std::make_unique<Program>();
    prog->h_ = gl::ProgramHandle::create();
    const Stage vs(compileStage(GL_VERTEX_SHADER, vert, source(vert), defines));
    const Stage fs(compileStage(GL_FRAGMENT_SHADER, frag, source(frag), defines));
    glAttachShader(prog->id(), vs.id);
    glAttachShader(prog->id(), fs.id);
    linkOrThrow(prog->id(), "shaders/" + vert + " + shaders/" + frag);
    glDetachShader(prog->id(), vs.id);
    glDetachShader(prog->id(), fs.id);
    ST_GL_CHECK("ShaderLibrary::graphics");
    return *programs_.emplace(k, std::move(prog)).first->second;
}

Program& ShaderLibrary::compute(const std::string& comp, const std::vector<std::string>& defines) {
    const std::string k = key({comp}, defines);
    if (auto it = programs_.find(k); it != programs_.end()) return *it->second;
    auto prog = std::make_unique<Program>();
    prog->h_ = gl::ProgramHandle::create();
    const Stage cs(compileStage(GL_COMPUTE_SHADER, comp, source(comp), defines));
    glAttachShader(prog->id(), cs.id);
    linkOrThrow(prog->id(), "shaders/" + comp);
    glDetachShader(prog->id(), cs.id);
    ST_GL_CHECK("ShaderLibrary::compute");
    return *programs_.emplace(k, std::move(prog)).first->second;
}

GLint Program::uniform(const char* name) const {
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    const GLint loc = glGetUniformLocation(h_.id(), name);
    cache_.emplace(name, loc);
    return loc;
}

void Program::set(const char* name, float v) const { glProgramUniform1f(id(), uniform(name), v); }
void Program::set(const char* name, int v) const { glProgramUniform1i(id(), uniform(name), v); }
void Program::set(const char* name, Vec2f v) const { glProgramUniform2f(id(), uniform(name), v.x, v.y); }
void Program::set(const char* name, float x, float y) const { glProgramUniform2f(id(), uniform(name), x, y); }
void Program::set(const char* name, int x, int y) const { glProgramUniform2i(id(), uniform(name), x, y); }
void Program::set(const char* name, const Color& c) const {
    glProgramUniform4f(id(), uniform(name), c.r, c.g, c.b, c.a);
}
void Program::set(const char* name, const Mat4f& m) const {
    glProgramUniformMatrix4fv(id(), uniform(name), 1, GL_FALSE, m.data());
}

}  // namespace sandtable
