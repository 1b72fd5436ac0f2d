#include "engine/data/scene.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/feed/protocol.hpp"

namespace sandtable {

namespace {
std::string typeName(const nlohmann::json& j) { return j.type_name(); }
}  // namespace

void JsonReader::fail(const std::string& key, const std::string& reason) const {
    throw SceneError(file_ + ": " + keyPath(key) + ": " + reason);
}
void JsonReader::failHere(const std::string& reason) const {
    throw SceneError(file_ + ": " + (path_.empty() ? "(top level)" : path_) + ": " + reason);
}

JsonReader JsonReader::child(const std::string& key) const {
    if (!has(key)) fail(key, "required key is missing");
    return JsonReader(j_.at(key), file_, keyPath(key));
}

JsonReader JsonReader::at(size_t index) const {
    return JsonReader(j_.at(index), file_, path_ + "[" + std::to_string(index) + "]");
}

std::string JsonReader::string(const std::string& key) const {
    if (!has(key)) fail(key, "required key is missing");
    const auto& v = j_.at(key);
    if (!v.is_string()) fail(key, "expected a string, got " + typeName(v));
    return v.get<std::string>();
}
std::string JsonReader::string(const std::string& key, const std::string& def) const {
    return has(key) ? string(key) : def;
}

double JsonReader::number(const std::string& key) const {
    if (!has(key)) fail(key, "required key is missing");
    const auto& v = j_.at(key);
    if (!v.is_number()) fail(key, "expected a number, got " + typeName(v));
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(key, "not a finite number");
    return d;
}
double JsonReader::number(const std::string& key, double def) const { return has(key) ? number(key) : def; }
double JsonReader::number(const std::string& key, double def, double min, double max) const {
    const double d = number(key, def);
    if (d < min || d > max) {
        std::ostringstream os;
        os << "value " << d << " out of range [" << min << ", " << max << "]";
        fail(key, os.str());
    }
    return d;
}

bool JsonReader::boolean(const std::string& key, bool def) const {
    if (!has(key)) return def;
    const auto& v = j_.at(key);
    if (!v.is_boolean()) fail(key, "expected true or false, got " + typeName(v));
    return v.get<bool>();
}

Color JsonReader::colorValue() const {
    if (j_.is_string()) {
        const std::string s = j_.get<std::string>();
        if ((s.size() == 7 || s.size() == 9) && s[0] == '#') {
            char* end = nullptr;
            const unsigned long v = std::strtoul(s.c_str() + 1, &end, 16);
            if (end && *end == '\0') {
                if (s.size() == 7) return Color::fromHex(static_cast<unsigned>(v));
                return Color::fromHex(static_cast<unsigned>(v >> 8), static_cast<float>(v & 0xff) / 255.0f);
            }
        }
        failHere("expected a colour like \"#rrggbb\" or \"#rrggbbaa\", got \"" + s + "\"");
    }
    if (j_.is_array() && (j_.size() == 3 || j_.size() == 4)) {
        float c[4] = {0, 0, 0, 1};
        for (size_t i = 0; i < j_.size(); ++i) {
            if (!j_[i].is_number()) failHere("colour components must be numbers in 0..1");
            c[i] = j_[i].get<float>();
            if (c[i] < 0 || c[i] > 1) failHere("colour components must be in 0..1");
        }
        return {c[0], c[1], c[2], c[3]};
    }
    failHere("expected a colour (\"#rrggbb\" or [r,g,b,a]), got " + typeName(j_));
}

Color JsonReader::color(const std::string& key) const { return child(key).colorValue(); }
Color JsonReader::color(const std::string& key, Color def) const { return has(key) ? color(key) : def; }

std::pair<std::string, std::string> JsonReader::i18n(const std::string& key, const std::string& def) const {
    if (!has(key)) return {def, def};
    const auto& v = j_.at(key);
    if (v.is_string()) return {v.get<std::string>(), v.get<std::string>()};
    if (v.is_object()) {
        JsonReader r = child(key);
        const std::string zh = r.string("zh", def);
        return {zh, r.string("en", zh)};
    }
    fail(key, "expected a string or {\"zh\": ..., \"en\": ...}");
}

std::string SceneSpec::resolve(const std::string& p) const {
    if (p.empty() || p[0] == '/' || p.find(':') != std::string::npos) return p;  // absolute, PG:, /vsi...
    return (std::filesystem::path(baseDir) / p).lexically_normal().string();
}

namespace {

TimeMs isoTime(const JsonReader& r, const std::string& key) {
    const std::string v = r.string(key);
    TimeMs t = 0;
    if (!parseIsoTime(v, t))
        r.fail(key, "expected an ISO 8601 time with offset like \"2024-10-01T00:00:00+08:00\", got \"" + v + "\"");
    return t;
}

IndicatorSceneSpec parseIndicators(const JsonReader& r) {
    if (!r.json().is_object()) r.failHere("expected an object");
    IndicatorSceneSpec spec;
    if (r.has("weights")) {
        const JsonReader w = r.child("weights");
        if (!w.json().is_object()) w.failHere("expected an object of weights by indicator");
        for (const auto& [key, value] : w.json().items()) {
            size_t k = 0;
            while (k < indicators::kSubScoreCount && indicators::kSubScoreKeys[k] != key) ++k;
            if (k == indicators::kSubScoreCount) {
                std::string known;
                for (auto n : indicators::kSubScoreKeys) known += (known.empty() ? "" : ", ") + std::string(n);
                w.fail(key, "unknown indicator (expected one of " + known + ")");
            }
            spec.weights.w[k] = w.number(key, 1.0, 0.0, 1e6);
        }
        double sum = 0;
        for (double x : spec.weights.w) sum += x;
        if (sum <= 0) w.failHere("at least one weight must be positive");
    }
    if (r.has("period")) {
        const JsonReader p = r.child("period");
        spec.periodFrom = isoTime(p, "from");
        spec.periodTo = isoTime(p, "to");
        if (*spec.periodFrom >= *spec.periodTo) p.fail("to", "must be later than from (the period is [from, to))");
    }
    spec.trendPeriods = static_cast<int>(r.number("trends", 6, 1, 36));
    if (spec.trendPeriods != r.number("trends", 6)) r.fail("trends", "expected a whole number of periods");
    return spec;
}

}  // namespace

SceneSpec parseScene(const std::string& text, const std::string& file) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte is the offset; turn it into a line number.
        size_t line = 1;
        for (size_t i = 0; i < std::min(text.size(), static_cast<size_t>(e.byte)); ++i) line += text[i] == '\n';
        throw SceneError(file + ":" + std::to_string(line) + ": not valid JSON: " + e.what());
    } catch (const nlohmann::json::exception& e) {
        // Not a syntax error but still unreadable, e.g. a number beyond a double's range
        // (out_of_range 406), which carries no position.
        throw SceneError(file + ": not valid JSON: " + e.what());
    }
    JsonReader r(j, file, "");
    if (!j.is_object()) r.failHere("the scene must be a JSON object");

    SceneSpec s;
    s.file = file;
    s.baseDir = std::filesystem::path(file).parent_path().string();
    if (s.baseDir.empty()) s.baseDir = ".";
    std::tie(s.titleZh, s.titleEn) = r.i18n("title", "");
    std::tie(s.attributionZh, s.attributionEn) = r.i18n("attribution", "");
    std::tie(s.creditsZh, s.creditsEn) = r.i18n("credits", "");
    s.displayCrs = r.string("crs");
    s.background = r.color("background", Color::fromHex(0x0d1b2a));

    const JsonReader view = r.child("view");
    const JsonReader center = view.child("center");
    if (!center.json().is_array() || center.json().size() != 2 || !center.json()[0].is_number() ||
        !center.json()[1].is_number())
        center.failHere("expected [longitude, latitude] in WGS84 degrees");
    s.viewCenterLonLat = {center.json()[0].get<double>(), center.json()[1].get<double>()};
    if (std::fabs(s.viewCenterLonLat.x) > 180 || std::fabs(s.viewCenterLonLat.y) > 85)
        center.failHere("longitude must be within ±180 and latitude within ±85");
    s.viewZoom = view.number("zoom", 12.0, 0.0, 24.0);
    // The squads' jurisdictions and the patrol checkpoints (simulator, indicators, map).
    if (r.has("jurisdictions")) s.jurisdictionsPath = s.resolve(r.string("jurisdictions"));
    if (r.has("checkpoints")) s.checkpointsPath = s.resolve(r.string("checkpoints"));
    if (r.has("roads")) s.roadsPath = s.resolve(r.string("roads"));
    if (r.has("wall")) {
        const JsonReader w = r.child("wall");
        s.wall.flightSeconds = w.number("flightSeconds", 3.0, 0.0, 60.0);
        s.wall.resumeAfterSeconds = w.number("resumeAfterSeconds", 60.0, 0.0, 86400.0);
        if (w.has("legend")) {
            const JsonReader lg = w.child("legend");
            if (!lg.json().is_array()) lg.failHere("expected an array of layer ids");
            for (size_t i = 0; i < lg.json().size(); ++i) {
                if (!lg.json()[i].is_string()) lg.at(i).failHere("expected a layer id");
                s.wall.legendLayers.push_back(lg.json()[i].get<std::string>());
            }
        }
        if (w.has("tour")) {
            const JsonReader tour = w.child("tour");
            if (!tour.json().is_array()) tour.failHere("expected an array of stops");
            for (size_t i = 0; i < tour.json().size(); ++i) {
                const JsonReader t = tour.at(i);
                TourStop stop;
                if (t.has("view")) {
                    const JsonReader v = t.child("view");
                    const JsonReader c = v.child("center");
                    if (!c.json().is_array() || c.json().size() != 2 || !c.json()[0].is_number() ||
                        !c.json()[1].is_number())
                        c.failHere("expected [longitude, latitude]");
                    stop.kind = TourStop::Kind::View;
                    stop.centerLonLat = {c.json()[0].get<double>(), c.json()[1].get<double>()};
                    if (std::fabs(stop.centerLonLat.x) > 180 || std::fabs(stop.centerLonLat.y) > 85)
                        c.failHere("longitude must be within ±180 and latitude within ±85");
                    stop.zoom = v.number("zoom", 13.0, 0.0, 24.0);
                    stop.rotationDeg = v.number("rotation", 0.0, -360.0, 360.0);
                } else if (t.has("squad")) {
                    stop.kind = TourStop::Kind::Squad;
                    stop.squad = t.string("squad");
                } else {
                    stop.kind = TourStop::Kind::District;
                }
                stop.dwellSeconds = t.number("dwell", 20.0, 1.0, 3600.0);
                std::tie(stop.titleZh, stop.titleEn) = t.i18n("title", "");
                if (t.has("layers")) {
                    const JsonReader ls = t.child("layers");
                    if (!ls.json().is_object()) ls.failHere("expected {\"layer id\": true|false, ...}");
                    for (const auto& item : ls.json().items())
                        stop.layers.emplace_back(item.key(), ls.boolean(item.key(), true));
                }
                s.wall.tour.push_back(std::move(stop));
            }
        }
    }
    s.viewRotationDeg = view.number("rotation", 0.0, -360.0, 360.0);

    const JsonReader layers = r.child("layers");
    if (!layers.json().is_array()) layers.failHere("expected an array of layers");
    std::set<std::string> ids;
    for (size_t i = 0; i < layers.json().size(); ++i) {
        const JsonReader l = layers.at(i);
        if (!l.json().is_object()) l.failHere("each layer must be an object");
        LayerSpec ls;
        ls.keyPath = l.path();
        ls.id = l.string("id");
        if (!ids.insert(ls.id).second) l.fail("id", "duplicate layer id '" + ls.id + "'");
        ls.type = l.string("type");
        std::tie(ls.titleZh, ls.titleEn) = l.i18n("title", ls.id);
        ls.visible = l.boolean("visible", true);
        ls.opacity = l.number("opacity", 1.0, 0.0, 1.0);
        ls.legend = l.boolean("legend", true);
        ls.config = l.json();
        s.layers.push_back(std::move(ls));
    }
    if (r.has("squads")) s.squadsPath = s.resolve(r.string("squads"));
    if (r.has("records")) s.recordsPath = s.resolve(r.string("records"));
    if (r.has("indicators")) s.indicators = parseIndicators(r.child("indicators"));
    return s;
}

SceneSpec loadScene(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SceneError(path + ": cannot open the scene file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parseScene(ss.str(), path);
}

}  // namespace sandtable
