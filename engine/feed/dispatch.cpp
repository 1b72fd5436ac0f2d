#include "engine/feed/dispatch.hpp"

#include <algorithm>
#include <cmath>

#include "engine/geo/projection.hpp"

namespace sandtable {

namespace {
// The grid's equirectangular metres differ from geodesic metres by well under 1 % over a
// district; candidates are gathered with this margin so the geodesic ranking is exact.
constexpr double kMetricSlack = 1.01;

DispatchCandidate candidate(const OfficerState& o, Vec2d q, const WalkModel& walk) {
    DispatchCandidate c;
    c.slot = o.slot;
    c.officer = o.id;
    c.squad = o.squad;
    c.status = o.status;
    c.lon = o.lon;
    c.lat = o.lat;
    c.distanceM = geodesicDistance(q, {o.lon, o.lat});
    c.walkSeconds = walk.seconds(c.distanceM);
    c.lastSeen = o.lastSeen;
    return c;
}

bool closer(const DispatchCandidate& a, const DispatchCandidate& b) {
    return a.distanceM != b.distanceM ? a.distanceM < b.distanceM : a.slot < b.slot;
}
}  // namespace

DispatchIndex::DispatchIndex(const std::vector<OfficerState>& officers, TimeMs now, TimeMs staleAfterMs,
                             const BBox& area, double cellMetres)
    : officers_(&officers), cell_(cellMetres > 1 ? cellMetres : 1) {
    const BBox a = area.valid() ? area : BBox{121.15, 31.05, 121.65, 31.45};
    lon0_ = a.minX;
    lat0_ = a.minY;
    kx_ = std::cos(degToRad(a.center().y)) * kMetresPerDeg;
    ky_ = kMetresPerDeg;
    nx_ = std::clamp(static_cast<int>(std::ceil((a.maxX - a.minX) * kx_ / cell_)), 1, 4096);
    ny_ = std::clamp(static_cast<int>(std::ceil((a.maxY - a.minY) * ky_ / cell_)), 1, 4096);

    // Counting sort into cells (CSR): two passes, no per-cell allocations.
    const size_t cells = static_cast<size_t>(nx_) * static_cast<size_t>(ny_);
    std::vector<uint32_t> cellOf;
    std::vector<uint32_t> members;
    for (uint32_t i = 0; i < officers.size(); ++i) {
        const OfficerState& o = officers[i];
        if (!o.available(now, staleAfterMs)) continue;
        const Vec2d p = toLocal({o.lon, o.lat});
        members.push_back(i);
        cellOf.push_back(static_cast<uint32_t>(cellY(p.y) * nx_ + cellX(p.x)));
    }
    cellStart_.assign(cells + 1, 0);
    for (uint32_t c : cellOf) ++cellStart_[c + 1];
    for (size_t c = 0; c < cells; ++c) cellStart_[c + 1] += cellStart_[c];
    points_.resize(members.size());
    std::vector<uint32_t> fill(cellStart_.begin(), cellStart_.end() - 1);
    for (size_t j = 0; j < members.size(); ++j) {
        const OfficerState& o = officers[members[j]];
        const Vec2d p = toLocal({o.lon, o.lat});
        points_[fill[cellOf[j]]++] = Point{p.x, p.y, members[j]};
    }
}

Vec2d DispatchIndex::toLocal(Vec2d ll) const { return {(ll.x - lon0_) * kx_, (ll.y - lat0_) * ky_}; }
int DispatchIndex::cellX(double x) const { return std::clamp(static_cast<int>(std::floor(x / cell_)), 0, nx_ - 1); }
int DispatchIndex::cellY(double y) const { return std::clamp(static_cast<int>(std::floor(y / cell_)), 0, ny_ - 1); }

std::vector<DispatchCandidate> DispatchIndex::nearest(Vec2d q, size_t k,
                                                      const std::function<bool(const OfficerState&)>& accept,
                                                      const WalkModel& walk) const {
    std::vector<DispatchCandidate> out;
    if (k == 0 || points_.empty() || !std::isfinite(q.x) || !std::isfinite(q.y)) return out;
    const Vec2d p = toLocal(q);
    const int cx = cellX(p.x), cy = cellY(p.y);
    // Unvisited points lie outside the square of cells [cx-r, cx+r] x [cy-r, cy+r], so at
    // least as far as its nearest edge. A query off the grid is projected onto it first:
    // for points inside the (convex) grid that never overestimates.
    const double qx = std::clamp(p.x, 0.0, nx_ * cell_), qy = std::clamp(p.y, 0.0, ny_ * cell_);
    auto ringLowerBound = [&](int r) {
        const double left = qx - (cx - r) * cell_, right = (cx + r + 1) * cell_ - qx;
        const double bottom = qy - (cy - r) * cell_, top = (cy + r + 1) * cell_ - qy;
        return std::min({left, right, bottom, top});
    };

    struct Near {
        double d;
        uint32_t index;
    };
    std::vector<Near> found;  // local metres
    const int maxRing = std::max(nx_, ny_);
    for (int r = 0; r <= maxRing; ++r) {
        for (int y = cy - r; y <= cy + r; ++y) {
            if (y < 0 || y >= ny_) continue;
            const bool edgeRow = y == cy - r || y == cy + r;
            for (int x = cx - r; x <= cx + r; x += edgeRow ? 1 : 2 * r) {
                if (x >= 0 && x < nx_) {
                    const size_t c = static_cast<size_t>(y) * static_cast<size_t>(nx_) + static_cast<size_t>(x);
                    for (uint32_t i = cellStart_[c]; i < cellStart_[c + 1]; ++i) {
                        const Point& pt = points_[i];
                        if (accept && !accept((*officers_)[pt.index])) continue;
                        found.push_back({std::hypot(pt.x - p.x, pt.y - p.y), pt.index});
                    }
                }
                if (r == 0) break;
            }
        }
        if (found.size() >= k) {
            auto kth = found.begin() + static_cast<std::ptrdiff_t>(k - 1);
            std::nth_element(found.begin(), kth, found.end(), [](const Near& a, const Near& b) { return a.d < b.d; });
            const double limit = kth->d * kMetricSlack + 1.0;
            if (ringLowerBound(r) > limit) {
                // Everything within the slack margin competes on the true geodesic distance.
                for (const Near& n : found)
                    if (n.d <= limit) out.push_back(candidate((*officers_)[n.index], q, walk));
                break;
            }
        }
    }
    if (out.empty())  // fewer than k in total (or the whole grid visited): rank them all
        for (const Near& n : found) out.push_back(candidate((*officers_)[n.index], q, walk));
    std::sort(out.begin(), out.end(), closer);
    if (out.size() > k) out.resize(k);
    return out;
}

std::vector<DispatchCandidate> nearestBruteForce(const std::vector<OfficerState>& officers, TimeMs now,
                                                 TimeMs staleAfterMs, Vec2d q, size_t k, const WalkModel& walk) {
    std::vector<DispatchCandidate> all;
    for (const OfficerState& o : officers)
        if (o.available(now, staleAfterMs)) all.push_back(candidate(o, q, walk));
    std::sort(all.begin(), all.end(), closer);
    if (all.size() > k) all.resize(k);
    return all;
}

}  // namespace sandtable
