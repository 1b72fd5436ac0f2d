#include "engine/sim/road_graph.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <queue>
#include <tuple>

namespace sandtable {

namespace {

struct UnionFind {
    std::vector<uint32_t> parent;
    explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
    uint32_t find(uint32_t a) {
        while (parent[a] != a) a = parent[a] = parent[parent[a]];
        return a;
    }
    bool unite(uint32_t a, uint32_t b) {
        a = find(a);
        b = find(b);
        if (a == b) return false;
        parent[std::max(a, b)] = std::min(a, b);  // the smaller root wins: the same result every run
        return true;
    }
};

double dist(Vec2d a, Vec2d b) { return std::hypot(a.x - b.x, a.y - b.y); }

}  // namespace

bool RoadGraph::walkable(const std::string& c) { return c != "motorway" && c != "trunk"; }

RoadGraph::RoadGraph(const Jurisdiction& j, const std::vector<RoadLine>& roads, double kx, double ky,
                     const RoadGraphOptions& opts)
    : origin_(j.bbox.center()), kx_(kx), ky_(ky) {
    auto toM = [&](Vec2d p) { return Vec2d{(p.x - origin_.x) * kx_, (p.y - origin_.y) * ky_}; };
    // Nodes: one per distinct vertex (exact coordinates: lines that share a junction carry
    // the same vertex), numbered in the order the road file gives them.
    std::map<std::pair<double, double>, uint32_t> index;
    std::vector<Node> nodes;
    std::vector<std::pair<uint32_t, uint32_t>> edges;
    auto nodeOf = [&](Vec2d p) {
        auto [it, added] = index.try_emplace({p.x, p.y}, static_cast<uint32_t>(nodes.size()));
        if (added) nodes.push_back({p, toM(p), {}});
        return it->second;
    };
    for (const RoadLine& r : roads) {
        if (!walkable(r.roadClass)) continue;
        for (size_t i = 0; i + 1 < r.points.size(); ++i) {
            const Vec2d a = r.points[i], b = r.points[i + 1];
            if (a == b || !j.contains(a) || !j.contains(b) || !j.contains((a + b) * 0.5)) continue;
            const uint32_t na = nodeOf(a), nb = nodeOf(b);
            edges.emplace_back(std::min(na, nb), std::max(na, nb));
        }
    }
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());

    // Join pieces closer than joinM, closest pair first (a minimum spanning forest over
    // the gaps): candidate pairs from a grid of joinM cells.
    UnionFind uf(nodes.size());
    for (auto [a, b] : edges) uf.unite(a, b);
    std::map<std::pair<int64_t, int64_t>, std::vector<uint32_t>> grid;
    const double cell = std::max(1.0, opts.joinM);
    auto cellOf = [&](Vec2d m) {
        return std::pair<int64_t, int64_t>{static_cast<int64_t>(std::floor(m.x / cell)),
                                           static_cast<int64_t>(std::floor(m.y / cell))};
    };
    for (uint32_t n = 0; n < nodes.size(); ++n) grid[cellOf(nodes[n].m)].push_back(n);
    std::vector<std::tuple<double, uint32_t, uint32_t>> gaps;
    if (opts.joinM > 0) {
        for (uint32_t a = 0; a < nodes.size(); ++a) {
            const auto [cx, cy] = cellOf(nodes[a].m);
            for (int64_t dx = -1; dx <= 1; ++dx)
                for (int64_t dy = -1; dy <= 1; ++dy) {
                    auto it = grid.find({cx + dx, cy + dy});
                    if (it == grid.end()) continue;
                    for (uint32_t b : it->second) {
                        if (b <= a || uf.find(a) == uf.find(b)) continue;
                        const double d = dist(nodes[a].m, nodes[b].m);
                        if (d <= opts.joinM) gaps.emplace_back(d, a, b);
                    }
                }
        }
    }
    std::sort(gaps.begin(), gaps.end());
    for (auto [d, a, b] : gaps) {
        // The join is walked in the open: keep it inside the beat too.
        if (uf.find(a) == uf.find(b) || !j.contains((nodes[a].lonLat + nodes[b].lonLat) * 0.5)) continue;
        uf.unite(a, b);
        edges.emplace_back(a, b);
        ++joins_;
    }

    // Drop the pieces too short to patrol, then number the rest densely (order kept).
    std::vector<double> pieceLength(nodes.size(), 0.0);
    UnionFind pieces(nodes.size());
    for (auto [a, b] : edges) pieces.unite(a, b);
    for (auto [a, b] : edges) pieceLength[pieces.find(a)] += dist(nodes[a].m, nodes[b].m);
    std::vector<int64_t> renumber(nodes.size(), -1);
    for (uint32_t n = 0; n < nodes.size(); ++n) {
        if (pieceLength[pieces.find(n)] < opts.minComponentM) continue;
        renumber[n] = static_cast<int64_t>(nodes_.size());
        nodes_.push_back({nodes[n].lonLat, nodes[n].m, {}});
    }
    for (auto [a, b] : edges) {
        if (renumber[a] < 0 || renumber[b] < 0) continue;
        const auto ra = static_cast<uint32_t>(renumber[a]), rb = static_cast<uint32_t>(renumber[b]);
        nodes_[ra].next.push_back(rb);
        nodes_[rb].next.push_back(ra);
        lengthM_ += dist(nodes_[ra].m, nodes_[rb].m);
    }
    for (Node& n : nodes_) std::sort(n.next.begin(), n.next.end());
}

std::pair<int32_t, double> RoadGraph::nearest(Vec2d p) const {
    const Vec2d m{(p.x - origin_.x) * kx_, (p.y - origin_.y) * ky_};
    int32_t best = -1;
    double bestD = std::numeric_limits<double>::infinity();
    for (uint32_t n = 0; n < nodes_.size(); ++n) {
        const double d = dist(nodes_[n].m, m);
        if (d < bestD) {
            bestD = d;
            best = static_cast<int32_t>(n);
        }
    }
    return {best, bestD};
}

double RoadGraph::distanceM(uint32_t a, uint32_t b) const { return dist(nodes_[a].m, nodes_[b].m); }

std::vector<uint32_t> RoadGraph::path(uint32_t from, uint32_t to) const {
    if (from == to || from >= nodes_.size() || to >= nodes_.size()) return {};
    // A* with the straight-line distance (admissible: no edge is shorter than it).
    constexpr double kInf = std::numeric_limits<double>::infinity();
    std::vector<double> g(nodes_.size(), kInf);
    std::vector<uint32_t> prev(nodes_.size(), UINT32_MAX);
    using Item = std::pair<double, uint32_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> open;
    g[from] = 0;
    open.push({distanceM(from, to), from});
    while (!open.empty()) {
        const auto [f, n] = open.top();
        open.pop();
        if (n == to) break;
        if (f - distanceM(n, to) > g[n] + 1e-9) continue;  // a stale entry
        for (uint32_t m : nodes_[n].next) {
            const double c = g[n] + distanceM(n, m);
            if (c < g[m]) {
                g[m] = c;
                prev[m] = n;
                open.push({c + distanceM(m, to), m});
            }
        }
    }
    if (prev[to] == UINT32_MAX) return {};
    std::vector<uint32_t> out;
    for (uint32_t n = to; n != from; n = prev[n]) out.push_back(n);
    std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace sandtable
