#pragma once
// Patrol coverage per squad and period (docs/history.md "Coverage"): kilometres patrolled
// inside the jurisdiction and the share of its 50 m cells visited, from the officers'
// tracks. One function for the cockpit, the report and --stats.
//
// Rules (docs/history.md):
//  - counted fixes: those of officers while assigned to the squad (the squad of each fix,
//    TrackView::squadAt), with t in [t0, t1);
//  - a segment joins two consecutive counted fixes of one officer; it is not counted when
//    the silence between them is longer than maxGapMs (the feed's stale limit: we do not
//    know where the officer went) or when it implies a speed above maxSpeedMps (a GPS jump);
//  - km: the length of counted segments inside the jurisdiction polygon, in the metric CRS;
//  - cells: a square grid of cellM aligned to multiples of cellM in the metric CRS; the
//    jurisdiction's cells are those whose centre lies inside the polygon; a cell is visited
//    when a counted segment passes through it or a counted fix lies in it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/jurisdictions.hpp"
#include "engine/geo/projection.hpp"
#include "engine/tracks/track_store.hpp"

namespace sandtable {

struct CoverageOptions {
    std::string metricCrs = "EPSG:4549";  // the scene's display CRS (CGCS2000 / 3-degree GK CM 120E)
    double cellM = 50.0;
    TimeMs maxGapMs = 120 * 1000;  // FeedConfig::staleAfterMs
    double maxSpeedMps = 50.0;     // FeedConfig::maxSpeedMps
};

struct CoverageResult {
    std::string squad;
    TimeMs t0 = 0, t1 = 0;
    double km = 0;                    // counted segments' length inside the jurisdiction
    size_t cellsVisited = 0;          // jurisdiction cells visited
    size_t cellsTotal = 0;            // jurisdiction cells (centre inside)
    double share = 0;                 // cellsVisited / cellsTotal
    size_t officers = 0;              // with at least one counted fix
    size_t fixes = 0;                 // counted fixes
    size_t segments = 0;              // counted segments
    size_t gapsSkipped = 0;           // segments across a silence longer than maxGapMs
    size_t fastSkipped = 0;           // segments faster than maxSpeedMps
    std::vector<Vec2d> visitedCells;  // centres of the visited cells, metric CRS (the report draws them)
};

// The jurisdiction's cell grid in the metric CRS, with the visits made so far.
class CoverageGrid {
public:
    // Throws std::runtime_error (PROJ's reason) when the metric CRS cannot be used, or when
    // the jurisdiction has no area.
    explicit CoverageGrid(const Jurisdiction& jurisdiction, const CoverageOptions& options = {});

    // WGS84 lon/lat -> metric; false when PROJ cannot transform it.
    bool toMetric(double lon, double lat, Vec2d& out) const;
    // A counted segment (metric): marks the jurisdiction cells it crosses; returns its
    // length inside the polygon in metres.
    double addSegment(Vec2d a, Vec2d b);
    // A counted fix (metric): marks its cell.
    void addPoint(Vec2d p);

    int width() const { return nx_; }
    int height() const { return ny_; }
    Vec2d origin() const { return origin_; }  // lower-left corner of cell (0, 0)
    double cell() const { return cell_; }
    bool jurisdictionCell(int ix, int iy) const { return inside_[index(ix, iy)] != 0; }
    bool visited(int ix, int iy) const { return visited_[index(ix, iy)] != 0; }
    size_t cellsTotal() const { return total_; }
    size_t cellsVisited() const { return visitedCount_; }
    bool insidePolygon(Vec2d p) const;  // even-odd over all rings (metric)

    // Calls f(ix, iy, ta, tb) for each cell the segment a->b crosses inside the grid, in
    // order, with the parameter interval [ta, tb] (0..1 along a->b) spent in that cell.
    template <class F>
    void walk(Vec2d a, Vec2d b, F&& f) const;

private:
    size_t index(int ix, int iy) const {
        return static_cast<size_t>(iy) * static_cast<size_t>(nx_) + static_cast<size_t>(ix);
    }
    double insideLength(Vec2d a, Vec2d b, int ix, int iy, double ta, double tb) const;

    std::shared_ptr<const Transformer> toMetric_;  // per thread and CRS: PROJ setup costs ~30 ms
    double cell_;
    Vec2d origin_;
    int nx_ = 0, ny_ = 0;
    struct Edge {
        Vec2d a, b;
    };
    std::vector<Edge> edges_;                    // every ring's edges, metric
    std::vector<uint8_t> inside_, boundary_;     // per cell: centre inside; an edge crosses it
    std::vector<uint32_t> edgeStart_, edgeIds_;  // per boundary cell: the edges crossing it (CSR)
    std::vector<uint8_t> visited_;
    size_t total_ = 0, visitedCount_ = 0;
};

// Runs of consecutive counted fixes (each run: one officer, time order) over a jurisdiction.
CoverageResult coverage(const std::vector<std::vector<PositionFix>>& runs, const Jurisdiction& jurisdiction,
                        const CoverageOptions& options = {});
// From a track view: the fixes of officers while in `squad` (index into view.squadNames()),
// with t0 <= t < t1.
CoverageResult coverage(const TrackView& view, int squad, const Jurisdiction& jurisdiction, TimeMs t0, TimeMs t1,
                        const CoverageOptions& options = {});
// Every jurisdiction whose squad the view knows, in the jurisdictions' order.
std::vector<CoverageResult> coverageBySquad(const TrackView& view, const std::vector<Jurisdiction>& jurisdictions,
                                            TimeMs t0, TimeMs t1, const CoverageOptions& options = {});

// ---- implementation of the template ----

template <class F>
void CoverageGrid::walk(Vec2d a, Vec2d b, F&& f) const {
    // Clip to the grid rectangle (Liang-Barsky), then step cell by cell (Amanatides-Woo).
    const double w = nx_ * cell_, h = ny_ * cell_;
    const Vec2d p{(a.x - origin_.x) / cell_, (a.y - origin_.y) / cell_};
    const Vec2d d{(b.x - a.x) / cell_, (b.y - a.y) / cell_};
    double t0 = 0.0, t1 = 1.0;
    const double lim[4][2] = {{-d.x, p.x}, {d.x, w / cell_ - p.x}, {-d.y, p.y}, {d.y, h / cell_ - p.y}};
    for (const auto& [q, r] : lim) {
        if (q == 0.0) {
            if (r < 0.0) return;
            continue;
        }
        const double t = r / q;
        if (q < 0.0)
            t0 = std::max(t0, t);
        else
            t1 = std::min(t1, t);
        if (t0 > t1) return;
    }
    const Vec2d s{p.x + d.x * t0, p.y + d.y * t0};
    int ix = std::clamp(static_cast<int>(std::floor(s.x)), 0, nx_ - 1);
    int iy = std::clamp(static_cast<int>(std::floor(s.y)), 0, ny_ - 1);
    const int stepX = d.x > 0 ? 1 : -1, stepY = d.y > 0 ? 1 : -1;
    const double inf = std::numeric_limits<double>::infinity();
    double tMaxX = d.x != 0 ? ((ix + (d.x > 0 ? 1 : 0)) - p.x) / d.x : inf;
    double tMaxY = d.y != 0 ? ((iy + (d.y > 0 ? 1 : 0)) - p.y) / d.y : inf;
    const double tDx = d.x != 0 ? 1.0 / std::fabs(d.x) : inf, tDy = d.y != 0 ? 1.0 / std::fabs(d.y) : inf;
    double t = t0;
    for (int guard = nx_ + ny_ + 4; guard > 0; --guard) {
        const double next = std::min({tMaxX, tMaxY, t1});
        if (next > t || t0 == t1) f(ix, iy, t, std::max(next, t));
        if (next >= t1) return;
        if (tMaxX <= tMaxY) {
            ix += stepX;
            tMaxX += tDx;
        } else {
            iy += stepY;
            tMaxY += tDy;
        }
        if (ix < 0 || iy < 0 || ix >= nx_ || iy >= ny_) return;
        t = next;
    }
}

}  // namespace sandtable
