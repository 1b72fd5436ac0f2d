#pragma once
// RAII for GEOS (C API, reentrant): one context per GeosContext object, used on one thread.
#include <geos_c.h>

#include <utility>

namespace sandtable {

class GeosContext {
public:
    GeosContext() : h_(GEOS_init_r()) {}
    ~GeosContext() { GEOS_finish_r(h_); }
    GeosContext(const GeosContext&) = delete;
    GeosContext& operator=(const GeosContext&) = delete;
    GEOSContextHandle_t get() const { return h_; }

private:
    GEOSContextHandle_t h_;
};

class GeosGeom {
public:
    GeosGeom(GEOSContextHandle_t h, GEOSGeometry* g) : h_(h), g_(g) {}
    ~GeosGeom() {
        if (g_) GEOSGeom_destroy_r(h_, g_);
    }
    GeosGeom(GeosGeom&& o) noexcept : h_(o.h_), g_(std::exchange(o.g_, nullptr)) {}
    GeosGeom& operator=(GeosGeom&& o) noexcept {
        std::swap(h_, o.h_);
        std::swap(g_, o.g_);
        return *this;
    }
    GeosGeom(const GeosGeom&) = delete;
    GeosGeom& operator=(const GeosGeom&) = delete;
    GEOSGeometry* get() const { return g_; }
    explicit operator bool() const { return g_ != nullptr; }

private:
    GEOSContextHandle_t h_;
    GEOSGeometry* g_;
};

}  // namespace sandtable
