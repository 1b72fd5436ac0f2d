#pragma once
// How each indicator is shown (map legend, panels, the report): its key (the JSON key of
// docs/kpi.md), its name in the string table ("kpi.<key>"), how to read it off the
// figures, where its numerator and denominator are, and how to write its value.
#include <optional>
#include <string>
#include <vector>

#include "engine/indicators/indicators.hpp"

namespace sandtable::indicators {

enum class IndicatorKind : uint8_t { Rate, Score, Count, Index };

struct IndicatorDef {
    const char* key;  // "first_contact_rate"; its name is text("kpi." + key)
    IndicatorKind kind;
    bool higherIsBetter;
    std::optional<double> (*value)(const Figures&);
    const Ratio* (*ratio)(const Figures&);  // rates and case quality; null for counts and the index
};

// The map's choices, the index first.
const std::vector<IndicatorDef>& indicatorDefs();
const IndicatorDef* findIndicator(const std::string& key);
// "98.5%", "92.1", "17"; "—" for no data.
std::string formatIndicator(const IndicatorDef& d, std::optional<double> v);
// The unit's string-table key ("kpi.unit.percent", "kpi.unit.points", "kpi.unit.count").
const char* unitKey(const IndicatorDef& d);

// Natural breaks (Fisher-Jenks, exact for the few values a district has) of `values`
// into at most k classes: the ascending upper bounds of all classes but the last (a
// value v is in class i when breaks[i-1] < v <= breaks[i]). Equal values share a class.
std::vector<double> naturalBreaks(std::vector<double> values, int k);

}  // namespace sandtable::indicators
