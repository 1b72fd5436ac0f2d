#include "engine/geo/projection.hpp"

#include <geodesic.h>
#include <proj.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "engine/geo/gcj02.hpp"

namespace sandtable {

namespace {
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}
struct CtxDeleter {
    void operator()(PJ_CONTEXT* c) const { proj_context_destroy(c); }
};
struct PjDeleter {
    void operator()(PJ* p) const { proj_destroy(p); }
};
}  // namespace

bool isGcj02(const std::string& crs) {
    const std::string l = lower(crs);
    return l == "gcj02" || l == "gcj-02";
}

std::string canonicalCrs(const std::string& crs) {
    const std::string l = lower(crs);
    if (l == "wgs84" || l == "wgs-84") return "EPSG:4326";
    if (l == "cgcs2000") return "EPSG:4490";
    if (isGcj02(crs)) return "EPSG:4326";
    return crs;
}

struct Transformer::Impl {
    std::unique_ptr<PJ_CONTEXT, CtxDeleter> ctx;
    std::unique_ptr<PJ, PjDeleter> pj;
    bool srcGcj = false, dstGcj = false;
};

Transformer::Transformer(const std::string& srcCrs, const std::string& dstCrs)
    : impl_(std::make_unique<Impl>()), src_(srcCrs), dst_(dstCrs) {
    impl_->ctx.reset(proj_context_create());
    proj_log_level(impl_->ctx.get(), PJ_LOG_NONE);  // errors are reported through exceptions
    impl_->srcGcj = isGcj02(srcCrs);
    impl_->dstGcj = isGcj02(dstCrs);
    const std::string s = canonicalCrs(srcCrs), d = canonicalCrs(dstCrs);
    PJ* raw = proj_create_crs_to_crs(impl_->ctx.get(), s.c_str(), d.c_str(), nullptr);
    if (!raw) {
        const int err = proj_context_errno(impl_->ctx.get());
        throw std::runtime_error("cannot transform from CRS '" + srcCrs + "' to '" + dstCrs +
                                 "': " + proj_context_errno_string(impl_->ctx.get(), err));
    }
    PJ* norm = proj_normalize_for_visualization(impl_->ctx.get(), raw);
    proj_destroy(raw);
    if (!norm) throw std::runtime_error("cannot normalise axis order for '" + srcCrs + "' -> '" + dstCrs + "'");
    impl_->pj.reset(norm);
}

Transformer::~Transformer() = default;
Transformer::Transformer(Transformer&&) noexcept = default;
Transformer& Transformer::operator=(Transformer&&) noexcept = default;

bool Transformer::forward(Vec2d& p) const {
    Vec2d q = p;
    if (impl_->srcGcj) q = gcj02::toWgs84(q);
    PJ_COORD c = proj_coord(q.x, q.y, 0, 0);
    c = proj_trans(impl_->pj.get(), PJ_FWD, c);
    if (!std::isfinite(c.xy.x) || !std::isfinite(c.xy.y) || c.xy.x == HUGE_VAL) return false;
    q = {c.xy.x, c.xy.y};
    if (impl_->dstGcj) q = gcj02::fromWgs84(q);
    p = q;
    return true;
}

bool Transformer::inverse(Vec2d& p) const {
    Vec2d q = p;
    if (impl_->dstGcj) q = gcj02::toWgs84(q);
    PJ_COORD c = proj_coord(q.x, q.y, 0, 0);
    c = proj_trans(impl_->pj.get(), PJ_INV, c);
    if (!std::isfinite(c.xy.x) || !std::isfinite(c.xy.y) || c.xy.x == HUGE_VAL) return false;
    q = {c.xy.x, c.xy.y};
    if (impl_->srcGcj) q = gcj02::fromWgs84(q);
    p = q;
    return true;
}

size_t Transformer::forward(std::span<Vec2d> pts) const {
    size_t failed = 0;
    if (impl_->srcGcj)
        for (auto& p : pts) p = gcj02::toWgs84(p);
    if (!pts.empty())
        proj_trans_generic(impl_->pj.get(), PJ_FWD, &pts[0].x, sizeof(Vec2d), pts.size(), &pts[0].y, sizeof(Vec2d),
                           pts.size(), nullptr, 0, 0, nullptr, 0, 0);
    for (auto& p : pts) {
        if (!std::isfinite(p.x) || !std::isfinite(p.y) || p.x == HUGE_VAL) {
            p = {NAN, NAN};
            ++failed;
        } else if (impl_->dstGcj) {
            p = gcj02::fromWgs84(p);
        }
    }
    return failed;
}

double geodesicDistance(Vec2d a, Vec2d b) {
    static const geod_geodesic g = [] {
        geod_geodesic gg;
        geod_init(&gg, 6378137.0, 1 / 298.257223563);
        return gg;
    }();
    double s12 = 0, azi1 = 0, azi2 = 0;
    geod_inverse(&g, a.y, a.x, b.y, b.x, &s12, &azi1, &azi2);
    return s12;
}

double groundMetresPerUnit(const Transformer& displayToWgs84, Vec2d p) {
    constexpr double step = 100.0;
    Vec2d a = p, b = {p.x + step, p.y};
    if (!displayToWgs84.forward(a) || !displayToWgs84.forward(b)) return 1.0;
    return geodesicDistance(a, b) / step;
}

}  // namespace sandtable
