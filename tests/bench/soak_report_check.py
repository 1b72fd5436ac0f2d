#!/usr/bin/env python3
"""scripts/soak-report.py judges what it is given: flat synthetic samples pass, so does one
high-water step of a stream buffer, and each kind of growth after the warm-up (resident
memory, the heap in use while RSS is level, GPU bytes, GL objects, a history queue the
writer does not drain, frames whose CPU time grows) fails with its reason, and frames
that slow only because the machine is busier pass with a note. Usage: soak_report_check.py OUTDIR"""
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
report = os.path.join(here, "..", "..", "scripts", "soak-report.py")
out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def samples(**grow):
    rows = []
    for m in range(1, 121):  # two simulated hours
        h = m / 60.0
        rows.append({"workload": "soak", "case": "sample", "sim_minute": m, "wall_s": m * 0.6,
                     "rss_mb": 300 + (m % 3) * 0.5 + grow.get("rss", 0) * h,
                     "gpu_buffer_bytes": 3_000_000 + int(grow.get("gpu", 0) * h)
                     + (grow.get("gpu_step", 0) if m >= 107 else 0),
                     "gpu_texture_bytes": 16_000_000, "gpu_objects": 32 + (m // 30 if grow.get("objects") else 0),
                     "frames": 6,
                     "frame_median_ms": 60 + (grow.get("frame", 0) + grow.get("busy", 0)) * h * h,
                     "frame_max_ms": 90, "frame_cpu_ms": 50 + grow.get("frame", 0) * 0.8 * h * h,
                     "frame_cpu_wait_ms": 2 + grow.get("busy", 0) * h * h,
                     "queued_lines": 100, "history_pending": int(500 + grow.get("pending", 0) * h),
                     "history_written": m * 24000, "history_write_errors": 0, "history_dropped": 0,
                     "history_last_batch_ms": 100, "track_points": 100000, "track_mb": 16.0,
                     "track_dropped": 0, "heap_used_mb": 150 + grow.get("heap", 0) * h,
                     "heap_free_mb": 20.0, "sqlite_mb": 75.0, "officers": 2000, "officers_live": 2000, "lines": m * 24000,
                     "accepted": m * 24000, "rejected": 0, "lines_per_s": 40000})
    return rows


def judge(name, rows):
    path = os.path.join(out, name + ".jsonl")
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    p = subprocess.run([sys.executable, report, path], capture_output=True, text=True)
    return p.returncode, p.stdout


failures = []
for name, grow in [("flat", {}), ("highwater", {"gpu_step": 131072}), ("busy-machine", {"busy": 40})]:
    rc, text = judge(name, samples(**grow))
    if rc != 0:
        failures.append(f"{name} samples were judged failing:\n{text}")
rc, text = judge("busy-machine", samples(busy=40))
if "a busier machine" not in text:
    failures.append(f"busy-machine: expected a note on a busier machine:\n{text}")
# Samples of before the CPU times were recorded: judged by the frames' wall time.
old = [{k: v for k, v in r.items() if not k.startswith("frame_cpu")} for r in samples(busy=40)]
rc, text = judge("slowing-wall-only", old)
if rc != 1 or "frames slowed" not in text:
    failures.append(f"slowing-wall-only: expected exit 1 naming 'frames slowed', got {rc}:\n{text}")
for name, grow, reason in [("leak", {"rss": 20}, "resident memory grows"),
                           ("heap", {"heap": 20}, "the heap in use outside the track store and SQLite grows"),
                           ("gpu", {"gpu": 1_000_000}, "GPU bytes grew"),
                           ("gpu-jump", {"gpu_step": 4_000_000}, "GPU bytes grew"),
                           ("objects", {"objects": True}, "GL objects were added"),
                           ("writer", {"pending": 500_000}, "the history queue grows"),
                           ("slowing", {"frame": 40}, "frames slowed: their CPU time grew")]:
    rc, text = judge(name, samples(**grow))
    if rc != 1 or reason not in text:
        failures.append(f"{name}: expected exit 1 naming '{reason}', got {rc}:\n{text}")
rc, text = judge("short", samples()[:5])
if rc != 1 or "too few" not in text:
    failures.append(f"short: expected 'too few', got {rc}:\n{text}")
for f in failures:
    print("FAIL:", f)
print("soak_report_check:", "ok" if not failures else f"{len(failures)} failures")
sys.exit(1 if failures else 0)
