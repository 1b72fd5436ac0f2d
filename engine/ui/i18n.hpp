#pragma once
// UI strings: Simplified Chinese first, English on the toggle. Every string the UI shows
// goes through tr() so that the CJK glyph set of the UI font can be built from this table.
#include <string>
#include <vector>

#include "engine/render/layer.hpp"

namespace sandtable {

const char* tr(const char* key, Language lang);
// All strings of the table (both languages), for building the font's glyph ranges.
std::vector<std::string> allUiStrings();
// Every string literal of the UI sources (engine/ui, layers), collected at build time, so
// that panels written anywhere get their CJK glyphs without registering them.
const char* uiSourceText();

}  // namespace sandtable
