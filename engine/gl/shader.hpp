#pragma once
// GLSL programs built from the embedded shaders/ files. Variants are made by injecting
// #defines after the #version line (followed by #line so line numbers stay true). A
// compile or link error throws ShaderError whose message names the file and line.
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/gl/resources.hpp"
#include "engine/util/math.hpp"

namespace sandtable {

struct ShaderError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Program {
public:
    Program() = default;
    GLuint id() const { return h_.id(); }
    void use() const { glUseProgram(h_.id()); }
    GLint uniform(const char* name) const;  // cached; -1 if not active
    void set(const char* name, float v) const;
    void set(const char* name, int v) const;
    void set(const char* name, Vec2f v) const;
    void set(const char* name, float x, float y) const;
    void set(const char* name, int x, int y) const;    // ivec2
    void set(const char* name, const Color& c) const;  // vec4
    void set(const char* name, const Mat4f& m) const;

private:
    friend class ShaderLibrary;
    gl::ProgramHandle h_;
    mutable std::unordered_map<std::string, GLint> cache_;
};

class ShaderLibrary {
public:
    // Compiles (once) and returns the program of these embedded files and defines.
    Program& graphics(const std::string& vert, const std::string& frag, const std::vector<std::string>& defines = {});
    Program& compute(const std::string& comp, const std::vector<std::string>& defines = {});

    // Compiles a source as if it were the named file (used by tests for error messages).
    static GLuint compileStage(GLenum stage, const std::string& fileName, const std::string& source,
                               const std::vector<std::string>& defines);
    static const char* source(const std::string& fileName);  // throws if unknown

private:
    std::map<std::string, std::unique_ptr<Program>> programs_;
};

}  // namespace sandtable
