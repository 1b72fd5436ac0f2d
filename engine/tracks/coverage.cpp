#include "engine/tracks/coverage.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "engine/feed/feed_state.hpp"  // localDistanceM: the feed's own speed measure

namespace sandtable {

namespace {
// One Transformer per thread and CRS (PROJ objects are not shared between threads), kept:
// building one costs more than a squad's coverage.
std::shared_ptr<const Transformer> metricTransformer(const std::string& crs) {
    thread_local std::map<std::string, std::shared_ptr<const Transformer>> cache;
    auto& t = cache[crs];
    if (!t) t = std::make_shared<const Transformer>("EPSG:4326", crs);
    return t;
}
}  // namespace

CoverageGrid::CoverageGrid(const Jurisdiction& j, const CoverageOptions& o)
    : toMetric_(metricTransformer(o.metricCrs)), cell_(o.cellM > 0 ? o.cellM : 50.0) {
    BBox box;
    for (const auto& ring : j.rings) {
        std::vector<Vec2d> m;
        for (const Vec2d& ll : ring) {
            Vec2d p = ll;
            if (!toMetric_->forward(p))
                throw std::runtime_error("coverage: jurisdiction '" + j.squad + "' cannot be projected to " +
                                         o.metricCrs);
            m.push_back(p);
            box.extend(p);
        }
        for (size_t i = 0; i + 1 < m.size(); ++i) edges_.push_back({m[i], m[i + 1]});
        if (m.size() > 2 && !(m.front() == m.back())) edges_.push_back({m.back(), m.front()});  // close the ring
    }
    if (!box.valid() || edges_.size() < 3)
        throw std::runtime_error("coverage: jurisdiction '" + j.squad + "' has no area");
    // Cells aligned to multiples of the cell size: the same cell everywhere for a point.
    origin_ = {std::floor(box.minX / cell_) * cell_, std::floor(box.minY / cell_) * cell_};
    nx_ = std::max(1, static_cast<int>(std::ceil((box.maxX - origin_.x) / cell_)));
    ny_ = std::max(1, static_cast<int>(std::ceil((box.maxY - origin_.y) / cell_)));
    const size_t n = static_cast<size_t>(nx_) * static_cast<size_t>(ny_);
    inside_.assign(n, 0);
    boundary_.assign(n, 0);
    visited_.assign(n, 0);
    for (int iy = 0; iy < ny_; ++iy)
        for (int ix = 0; ix < nx_; ++ix) {
            const Vec2d c{origin_.x + (ix + 0.5) * cell_, origin_.y + (iy + 0.5) * cell_};
            if (insidePolygon(c)) {
                inside_[index(ix, iy)] = 1;
                ++total_;
            }
        }
    // Which edges cross which cells: a cell no edge crosses is wholly inside or outside.
    std::vector<std::vector<uint32_t>> perCell(n);
    for (uint32_t e = 0; e < edges_.size(); ++e)
        walk(edges_[e].a, edges_[e].b, [&](int ix, int iy, double, double) {
            // The neighbours too: an edge along a cell border must not be missed by rounding.
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    const int x = ix + dx, y = iy + dy;
                    if (x < 0 || y < 0 || x >= nx_ || y >= ny_) continue;
                    auto& v = perCell[index(x, y)];
                    if (v.empty() || v.back() != e) v.push_back(e);
                }
        });
    edgeStart_.assign(n + 1, 0);
    for (size_t c = 0; c < n; ++c) {
        boundary_[c] = perCell[c].empty() ? 0 : 1;
        edgeStart_[c + 1] = edgeStart_[c] + static_cast<uint32_t>(perCell[c].size());
        edgeIds_.insert(edgeIds_.end(), perCell[c].begin(), perCell[c].end());
    }
}

bool CoverageGrid::toMetric(double lon, double lat, Vec2d& out) const {
    out = {lon, lat};
    return toMetric_->forward(out);
}

bool CoverageGrid::insidePolygon(Vec2d p) const {
    bool in = false;
    for (const Edge& e : edges_) {
        if ((e.a.y > p.y) != (e.b.y > p.y)) {
            const double x = e.a.x + (p.y - e.a.y) / (e.b.y - e.a.y) * (e.b.x - e.a.x);
            if (p.x < x) in = !in;
        }
    }
    return in;
}

double CoverageGrid::insideLength(Vec2d a, Vec2d b, int ix, int iy, double ta, double tb) const {
    const double len = std::hypot(b.x - a.x, b.y - a.y) * (tb - ta);
    if (len <= 0) return 0;
    const size_t c = index(ix, iy);
    if (!boundary_[c]) return inside_[c] ? len : 0.0;
    // Where the piece crosses the cell's edges; each sub-piece is wholly in or out.
    const Vec2d d{b.x - a.x, b.y - a.y};
    // Crossings of a piece with a cell's edges are few: no allocation per piece.
    thread_local std::vector<double> ts;
    ts.assign({ta, tb});
    for (uint32_t k = edgeStart_[c]; k < edgeStart_[c + 1]; ++k) {
        const Edge& e = edges_[edgeIds_[k]];
        const Vec2d f{e.b.x - e.a.x, e.b.y - e.a.y};
        const double den = d.x * f.y - d.y * f.x;
        if (den == 0) continue;  // parallel: no single crossing
        const Vec2d w{e.a.x - a.x, e.a.y - a.y};
        const double t = (w.x * f.y - w.y * f.x) / den, u = (w.x * d.y - w.y * d.x) / den;
        if (t > ta && t < tb && u >= 0 && u <= 1) ts.push_back(t);
    }
    std::sort(ts.begin(), ts.end());
    const double full = std::hypot(d.x, d.y);
    double in = 0;
    for (size_t i = 0; i + 1 < ts.size(); ++i) {
        const double m = (ts[i] + ts[i + 1]) * 0.5;
        if (insidePolygon({a.x + d.x * m, a.y + d.y * m})) in += (ts[i + 1] - ts[i]) * full;
    }
    return in;
}

double CoverageGrid::addSegment(Vec2d a, Vec2d b) {
    double in = 0;
    walk(a, b, [&](int ix, int iy, double ta, double tb) {
        const size_t c = index(ix, iy);
        if (inside_[c] && !visited_[c]) {
            visited_[c] = 1;
            ++visitedCount_;
        }
        in += insideLength(a, b, ix, iy, ta, tb);
    });
    return in;
}

void CoverageGrid::addPoint(Vec2d p) { addSegment(p, p); }

CoverageResult coverage(const std::vector<std::vector<PositionFix>>& runs, const Jurisdiction& j,
                        const CoverageOptions& o) {
    CoverageGrid grid(j, o);
    CoverageResult r;
    r.squad = j.squad;
    r.cellsTotal = grid.cellsTotal();
    double metres = 0;
    std::vector<Vec2d> m;
    for (const auto& run : runs) {
        m.resize(run.size());
        std::vector<char> ok(run.size());
        for (size_t i = 0; i < run.size(); ++i) {
            ok[i] = grid.toMetric(run[i].lon, run[i].lat, m[i]);
            if (ok[i]) grid.addPoint(m[i]);  // a fix marks its own cell, whatever its neighbours
        }
        r.fixes += run.size();
        for (size_t i = 1; i < run.size(); ++i) {
            if (!ok[i - 1] || !ok[i]) continue;
            const TimeMs dt = run[i].t - run[i - 1].t;
            if (dt > o.maxGapMs) {
                ++r.gapsSkipped;  // a silence: where the officer went is unknown
                continue;
            }
            // Speed from ground distance (the feed's check), not from the projected metres.
            const double dist = localDistanceM(run[i - 1].lon, run[i - 1].lat, run[i].lon, run[i].lat);
            if (dt <= 0 || dist > o.maxSpeedMps * (static_cast<double>(dt) / 1000.0)) {
                ++r.fastSkipped;
                continue;
            }
            ++r.segments;
            metres += grid.addSegment(m[i - 1], m[i]);
        }
    }
    r.km = metres / 1000.0;
    r.cellsVisited = grid.cellsVisited();
    r.visitedCells.reserve(r.cellsVisited);
    for (int iy = 0; iy < grid.height(); ++iy)
        for (int ix = 0; ix < grid.width(); ++ix)
            if (grid.visited(ix, iy) && grid.jurisdictionCell(ix, iy))
                r.visitedCells.push_back(
                    {grid.origin().x + (ix + 0.5) * grid.cell(), grid.origin().y + (iy + 0.5) * grid.cell()});
    r.share = r.cellsTotal ? static_cast<double>(r.cellsVisited) / static_cast<double>(r.cellsTotal) : 0.0;
    return r;
}

CoverageResult coverage(const TrackView& view, int squad, const Jurisdiction& j, TimeMs t0, TimeMs t1,
                        const CoverageOptions& o) {
    std::vector<std::vector<PositionFix>> runs;
    size_t officers = 0;
    for (uint32_t slot = 0; slot < view.slots(); ++slot) {
        bool open = false, counted = false;
        view.forEach(slot, t0, t1, [&](const PositionFix& f) {
            // A reassignment ends the run: a segment joins two fixes of the same squad only.
            if (view.squadAt(slot, f.t) != squad) {
                open = false;
                return;
            }
            if (!open) {
                runs.emplace_back();
                open = true;
            }
            runs.back().push_back(f);
            counted = true;
        });
        officers += counted ? 1 : 0;
    }
    CoverageResult r = coverage(runs, j, o);
    r.t0 = t0;
    r.t1 = t1;
    r.officers = officers;
    return r;
}

std::vector<CoverageResult> coverageBySquad(const TrackView& view, const std::vector<Jurisdiction>& jurisdictions,
                                            TimeMs t0, TimeMs t1, const CoverageOptions& o) {
    std::vector<CoverageResult> out;
    for (const Jurisdiction& j : jurisdictions) {
        const int squad = view.squadIndex(j.squad);
        if (squad >= 0) out.push_back(coverage(view, squad, j, t0, t1, o));
    }
    return out;
}

}  // namespace sandtable
