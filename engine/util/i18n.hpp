#pragma once
// Every string the operator reads (panels, legends, map furniture, alerts) in Simplified
// Chinese and English, in one table (engine/util/i18n.cpp), looked up by key. The UI
// font's glyph set is built from this table and the scene's own texts, so a string that
// is shown is a string that renders. No UI source holds a Chinese literal of its own
// (tests/style checks it).
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/i18n_text.hpp"

namespace sandtable {

// The text of a key in both languages; an unknown key returns the key itself (and is a
// bug the i18n test catches: every key used in the sources must be in the table).
const I18nText& text(std::string_view key);
// The text of a key in one language (a NUL-terminated string that lives forever).
const char* tr(std::string_view key, Language lang);
// Every entry of the table, for the glyph set and the tests.
struct I18nEntry {
    const char* key;
    I18nText text;
};
const std::vector<I18nEntry>& allTexts();

}  // namespace sandtable
