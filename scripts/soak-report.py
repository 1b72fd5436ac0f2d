#!/usr/bin/env python3
"""Judges and plots the samples of a soak run (sandtable-bench --workload soak).

    soak-report.py SAMPLES.jsonl [--warmup FRACTION] [--max-rss-slope MB_PER_H]
                   [--plot OUT.png] [--json OUT.json]

After the warm-up (the first FRACTION of the simulated span, default 0.5) these must hold,
else the exit status is 1 and each failed check is printed:
  - resident memory: the least-squares slope of rss_mb over simulated hours is at most
    --max-rss-slope (default 5 MB per simulated hour);
  - the heap in use outside the two bounded caches (malloc's bytes in use less the track
    store's and SQLite's, where the samples hold them): its slope is at most the same
    limit. A leak grows it; memory malloc keeps after a busy moment (free heap) does not,
    so this names a leak even when the pipeline's heap trims keep RSS flat or late;
  - GPU memory: no GL objects are added, and the engine's buffer and texture bytes stay
    level: at most two growth steps and at most 10 % above the level at the warm-up's end
    (a buffer's capacity doubles to its high-water mark, so a per-frame stream buffer may
    step up once when the scene draws more than before; a leak grows again and again);
  - ingest: the pipeline's queue stays under 100 000 lines and the history queue does
    not grow without bound (its slope under 10 000 rows per simulated hour), no history
    write errors, no rows dropped;
  - frames: no creeping slowdown. The drawing's CPU time per frame (frame_cpu_ms: the
    render thread's and llvmpipe's, from the scheduler) has a last-quarter median at most
    1.5x that of the first quarter after the warm-up. Frame wall time is reported beside
    it, with the time the drawing waited for a CPU (frame_cpu_wait_ms): frames that slow
    while their CPU time stays level mean a busier machine, not more work, and do not
    fail. Samples without frame_cpu_ms are judged by the median frame wall time instead.
Only the standard library is needed to judge; --plot needs matplotlib (python3-matplotlib).
"""
import argparse
import json
import sys


def slope(xs, ys):
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def median(v):
    v = sorted(x for x in v if x is not None)
    return v[len(v) // 2] if v else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("samples")
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--max-rss-slope", type=float, default=5.0)
    ap.add_argument("--plot")
    ap.add_argument("--json")
    a = ap.parse_args()

    lines = [json.loads(l) for l in open(a.samples) if l.strip()]
    samples = [l for l in lines if l.get("workload") == "soak" and l.get("case") == "sample"]
    summary = next((l for l in lines if l.get("workload") == "soak" and l.get("case") == "summary"), None)
    errors = [l for l in lines if l.get("case") == "error"]
    if errors:
        print(f"soak: the run failed: {errors[0].get('error')}")
        return 1
    if len(samples) < 8:
        print(f"soak: only {len(samples)} samples in {a.samples}: too few to judge")
        return 1
    span = samples[-1]["sim_minute"]
    cut = span * a.warmup
    after = [s for s in samples if s["sim_minute"] >= cut]
    hours = [s["sim_minute"] / 60.0 for s in after]
    res = {
        "samples": len(samples),
        "simulated_hours": span / 60.0,
        "warmup_hours": cut / 60.0,
        "rss_mb_at_warmup_end": after[0]["rss_mb"],
        "rss_mb_end": after[-1]["rss_mb"],
        "rss_slope_mb_per_h": slope(hours, [s["rss_mb"] for s in after]),
        "rss_minus_tracks_slope_mb_per_h": slope(hours, [s["rss_mb"] - s["track_mb"] for s in after]),
        "gpu_bytes_after_warmup": [
            min(s["gpu_buffer_bytes"] + s["gpu_texture_bytes"] for s in after),
            max(s["gpu_buffer_bytes"] + s["gpu_texture_bytes"] for s in after),
        ],
        "gpu_bytes_growth_steps": sum(
            1 for p, s in zip(after, after[1:])
            if s["gpu_buffer_bytes"] + s["gpu_texture_bytes"] > p["gpu_buffer_bytes"] + p["gpu_texture_bytes"]),
        "gpu_objects_after_warmup": [after[0].get("gpu_objects", 0), max(s.get("gpu_objects", 0) for s in after)],
        "queued_lines_max": max(s["queued_lines"] for s in after),
        "history_pending_max": max(s["history_pending"] for s in after),
        "history_pending_slope_rows_per_h": slope(hours, [s["history_pending"] for s in after]),
        "history_write_errors": samples[-1]["history_write_errors"],
        "history_dropped": samples[-1]["history_dropped"],
        "track_mb_end": after[-1]["track_mb"],
    }
    if "heap_used_mb" in after[0]:
        def own(s):
            return s["heap_used_mb"] - s["track_mb"] - s.get("sqlite_mb", 0.0)
        res["heap_own_mb_at_warmup_end"] = own(after[0])
        res["heap_own_mb_end"] = own(after[-1])
        res["heap_own_slope_mb_per_h"] = slope(hours, [own(s) for s in after])
        res["heap_free_mb_end"] = after[-1]["heap_free_mb"]
        res["sqlite_mb_end"] = after[-1].get("sqlite_mb")
    q = max(1, len(after) // 4)
    res["frame_median_ms_first_quarter"] = median([s["frame_median_ms"] for s in after[:q]])
    res["frame_median_ms_last_quarter"] = median([s["frame_median_ms"] for s in after[-q:]])
    if "frame_cpu_ms" in after[0]:
        for k in ("frame_cpu_ms", "frame_cpu_wait_ms"):
            res[k + "_first_quarter"] = median([s.get(k) for s in after[:q]])
            res[k + "_last_quarter"] = median([s.get(k) for s in after[-q:]])
    if summary:
        for k in ("frame_median_ms", "frame_p95_ms", "frames", "frames_over_period", "lines", "accepted",
                  "rejected", "history_written", "history_queued", "peak_rss_mb", "wall_s", "history_file_mb"):
            res[k] = summary.get(k)
        res["conditions"] = {k: summary.get(k) for k in ("sizes", "resolution", "renderer", "cpu", "cores",
                                                           "build", "loadavg_1m", "compilers_running")}

    failed = []
    if res["rss_slope_mb_per_h"] > a.max_rss_slope:
        failed.append(f"resident memory grows {res['rss_slope_mb_per_h']:.2f} MB per simulated hour after the "
                      f"warm-up (limit {a.max_rss_slope})")
    if res.get("heap_own_slope_mb_per_h", 0) > a.max_rss_slope:
        failed.append(f"the heap in use outside the track store and SQLite grows {res['heap_own_slope_mb_per_h']:.2f} "
                      f"MB per simulated hour after the warm-up (limit {a.max_rss_slope})")
    lo, hi = res["gpu_bytes_after_warmup"]
    start = after[0]["gpu_buffer_bytes"] + after[0]["gpu_texture_bytes"]
    steps = res["gpu_bytes_growth_steps"]
    if steps > 2 or hi > start * 1.10:
        failed.append(f"GPU bytes grew after the warm-up: {start} -> {hi} in {steps} steps (allowed: two steps, "
                      f"10 %)")
    o0, o1 = res["gpu_objects_after_warmup"]
    if o1 > o0:
        failed.append(f"GL objects were added after the warm-up: {o0} -> {o1}")
    if res["queued_lines_max"] > 100000:
        failed.append(f"the ingest queue reached {res['queued_lines_max']} lines")
    if res["history_pending_slope_rows_per_h"] > 10000:
        failed.append(f"the history queue grows {res['history_pending_slope_rows_per_h']:.0f} rows per simulated "
                      f"hour (the writer does not keep up; max {res['history_pending_max']})")
    if res["history_write_errors"] or res["history_dropped"]:
        failed.append(f"history: {res['history_write_errors']} write errors, {res['history_dropped']} rows dropped")
    slowed = res["frame_median_ms_last_quarter"] > 1.5 * res["frame_median_ms_first_quarter"]
    notes = []
    if "frame_cpu_ms_first_quarter" in res:
        c0, c1 = res["frame_cpu_ms_first_quarter"], res["frame_cpu_ms_last_quarter"]
        w0, w1 = res["frame_cpu_wait_ms_first_quarter"], res["frame_cpu_wait_ms_last_quarter"]
        if c1 > 1.5 * c0:
            failed.append(f"frames slowed: their CPU time grew from {c0:.1f} to {c1:.1f} ms (median; wall time "
                          f"{res['frame_median_ms_first_quarter']:.1f} to {res['frame_median_ms_last_quarter']:.1f} ms)")
        elif slowed:
            notes.append(f"frames slowed from {res['frame_median_ms_first_quarter']:.1f} to "
                         f"{res['frame_median_ms_last_quarter']:.1f} ms (median) while their CPU time stayed "
                         f"{c0:.1f} -> {c1:.1f} ms and their wait for a CPU went {w0:.1f} -> {w1:.1f} ms: a busier "
                         f"machine, not more work (not a failure)")
    elif slowed:
        failed.append(f"frames slowed from {res['frame_median_ms_first_quarter']:.1f} to "
                      f"{res['frame_median_ms_last_quarter']:.1f} ms (median)")
    res["notes"] = notes
    if "wall_states_sent" in samples[-1]:  # a wall leader's soak (--soak-wall)
        res["wall_states_sent"] = samples[-1]["wall_states_sent"]
        res["wall_states_received"] = samples[-1]["wall_states_received"]
        res["wall_states_bad"] = samples[-1]["wall_states_bad"]
        got_after = after[-1]["wall_states_received"] - after[0]["wall_states_received"]
        sent_after = after[-1]["wall_states_sent"] - after[0]["wall_states_sent"]
        if res["wall_states_bad"]:
            failed.append(f"the follower socket got {res['wall_states_bad']} bad or wrong frame states")
        # The follower's socket keeps only the newest state (ZMQ_CONFLATE): it must keep
        # receiving, not receive every state.
        if sent_after and got_after == 0:
            failed.append(f"the follower socket received none of the {sent_after} frame states sent after the "
                          f"warm-up")
    res["failed"] = failed

    print(f"soak: {res['simulated_hours']:.2f} simulated h, {len(samples)} samples, warm-up {res['warmup_hours']:.2f} h")
    print(f"soak: RSS {res['rss_mb_at_warmup_end']:.0f} -> {res['rss_mb_end']:.0f} MB after the warm-up, slope "
          f"{res['rss_slope_mb_per_h']:+.2f} MB/h (limit {a.max_rss_slope}); without the tracks "
          f"{res['rss_minus_tracks_slope_mb_per_h']:+.2f} MB/h")
    if "heap_own_slope_mb_per_h" in res:
        print(f"soak: heap in use outside the tracks and SQLite {res['heap_own_mb_at_warmup_end']:.0f} -> "
              f"{res['heap_own_mb_end']:.0f} MB, slope {res['heap_own_slope_mb_per_h']:+.2f} MB/h; free heap "
              f"{res['heap_free_mb_end']:.0f} MB, SQLite {res['sqlite_mb_end'] or 0:.0f} MB at the end")
    print(f"soak: GPU bytes {lo} .. {hi} ({steps} growth steps), GL objects {o0} .. {o1}; ingest queue max {res['queued_lines_max']} lines; history queue max "
          f"{res['history_pending_max']} rows (slope {res['history_pending_slope_rows_per_h']:+.0f}/h)")
    print(f"soak: frame median {res['frame_median_ms_first_quarter']:.1f} ms (first quarter) -> "
          f"{res['frame_median_ms_last_quarter']:.1f} ms (last quarter)")
    if "frame_cpu_ms_first_quarter" in res:
        print(f"soak: frame CPU time {res['frame_cpu_ms_first_quarter']:.1f} -> {res['frame_cpu_ms_last_quarter']:.1f} ms, "
              f"waiting for a CPU {res['frame_cpu_wait_ms_first_quarter']:.1f} -> "
              f"{res['frame_cpu_wait_ms_last_quarter']:.1f} ms (medians, first and last quarter)")
    for n in notes:
        print(f"soak: note: {n}")
    if "wall_states_sent" in res:
        print(f"soak: wall frame states {res['wall_states_sent']} sent, {res['wall_states_received']} received, "
              f"{res['wall_states_bad']} bad")
    for f in failed:
        print(f"soak: FAILED: {f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    if a.plot:
        plot(samples, cut, a.plot, res)
    return 1 if failed else 0


def plot(samples, cut, path, res):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = [s["sim_minute"] / 60.0 for s in samples]
    fig, ax = plt.subplots(2, 2, figsize=(12, 7), sharex=True)
    ax[0][0].plot(h, [s["rss_mb"] for s in samples], label="resident memory")
    ax[0][0].plot(h, [s["track_mb"] for s in samples], label="track store")
    ax[0][0].set_ylabel("MB")
    ax[0][0].set_title("Memory")
    ax[0][1].plot(h, [(s["gpu_buffer_bytes"] + s["gpu_texture_bytes"]) / 2**20 for s in samples])
    ax[0][1].set_ylabel("MB")
    ax[0][1].set_title("GPU buffers and textures")
    ax[1][0].plot(h, [s["frame_median_ms"] for s in samples], label="median")
    ax[1][0].plot(h, [s["frame_max_ms"] for s in samples], label="max", alpha=0.5)
    ax[1][0].set_ylabel("ms")
    ax[1][0].set_title("Frame time (per simulated minute)")
    ax[1][1].plot(h, [s["queued_lines"] for s in samples], label="ingest queue (lines)")
    ax[1][1].plot(h, [s["history_pending"] for s in samples], label="history queue (rows)")
    ax[1][1].set_title("Queues")
    for a in ax.flat:
        a.axvspan(0, cut / 60.0, color="0.9", label="warm-up")
        a.legend(fontsize=8)
        a.grid(alpha=0.3)
    for a in ax[1]:
        a.set_xlabel("simulated hours")
    c = res.get("conditions", {}).get("sizes", {})
    fig.suptitle(f"sandtable soak: {c.get('officers')} officers every {c.get('interval_s')} s at "
                 f"{c.get('speedup')}x, {res.get('conditions', {}).get('resolution')} at {c.get('fps')} fps")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
