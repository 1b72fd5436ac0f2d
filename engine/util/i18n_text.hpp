#pragma once
// The two UI languages and a text in both (GL-free: data readers, indicators and the
// report use it as well as the layers and panels).
#include <string>

namespace sandtable {

enum class Language { Chinese, English };

// A string in both UI languages; Chinese first.
struct I18nText {
    std::string zh, en;
    const std::string& get(Language l) const { return (l == Language::English && !en.empty()) ? en : zh; }
};

}  // namespace sandtable
