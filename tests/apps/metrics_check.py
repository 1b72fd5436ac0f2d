#!/usr/bin/env python3
"""The cockpit's metrics endpoint (docs/reliability.md#health-and-metrics), end to end:
`sandtable --metrics 127.0.0.1:0` with the simulator (bad lines on) and a history under
Xvfb says its port on stderr; /metrics, scraped twice and parsed with the reference
parser (prometheus_client), shows the feed's accepted lines growing, rejects by reason,
live officers, a frame time, resident memory, the history written; /healthz is 200 "ok";
other paths 404, POST 405; no officer id in any label; a second cockpit on the same port
exits 1 before opening a window; SIGTERM still exits 0. Then a `sandtable-render
--wall-follow` node with no leader: its endpoint reports the loop turning and no frame.
Usage: metrics_check.py SANDTABLE SANDTABLE_RENDER SCENE OUT_DIR"""
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from xsession import Display, skip_or_fail  # noqa: E402
from checks import check, failures  # noqa: E402

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    skip_or_fail("python3-prometheus-client not installed")

app, render, scene, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)


def get(url, method="GET", data=None):
    """(status, content type, body) of one request; HTTP errors are answers too."""
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def scrape(base, quiet=False):
    status, ctype, body = get(base + "/metrics")
    if status != 200 or not quiet:
        check(status == 200, f"/metrics: status {status}")
        check(ctype == "text/plain; version=0.0.4; charset=utf-8", f"/metrics: content type {ctype!r}")
    samples = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return body, samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def total(samples, name, **match):
    """Sum over the samples of NAME whose labels include MATCH."""
    return sum(v for (n, l), v in samples.items() if n == name and all(dict(l).get(k) == x for k, x in match.items()))


def wait_for_port(log_path, proc, timeout=90, program="sandtable"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            m = re.search(r"^" + program + r": metrics on http://127\.0\.0\.1:(\d+)/metrics$", f.read(), re.M)
        if m:
            return int(m.group(1))
        if proc.poll() is not None:
            return None
        time.sleep(0.1)
    return None


with Display(1024, 700) as d:
    log_path = os.path.join(out, "sandtable.log")
    history = os.path.join(out, "history")
    if os.path.exists(os.path.join(history, "history.gpkg")):
        os.remove(os.path.join(history, "history.gpkg"))
    argv = [app, "--width", "800", "--height", "500", "--sim-officers", "300", "--sim-bad-rate", "0.2",
            "--history-dir", history, "--metrics", "127.0.0.1:0"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, env=d.env, stdout=log, stderr=subprocess.STDOUT)
    try:
        port = wait_for_port(log_path, proc)
        check(port is not None and port > 0, f"the chosen port on stderr: {port}")
        if port is None:
            raise AssertionError("no port")
        base = f"http://127.0.0.1:{port}"
        # Wait until frames are drawn and the simulator's lines, good and bad, are counted.
        deadline = time.time() + 90
        while time.time() < deadline:
            body1, s1 = scrape(base, quiet=True)
            if (value(s1, "sandtable_frames_drawn_total") or 0) > 0 and \
                    total(s1, "sandtable_feed_lines_accepted_total") > 0 and \
                    total(s1, "sandtable_feed_lines_rejected_total") > 0:
                break
            time.sleep(0.5)
        time.sleep(3)
        body2, s2 = scrape(base)
        with open(os.path.join(out, "metrics.txt"), "w", encoding="utf-8") as f:
            f.write(body2)

        a1 = value(s1, "sandtable_feed_lines_accepted_total", source="simulator")
        a2 = value(s2, "sandtable_feed_lines_accepted_total", source="simulator")
        check(a1 is not None and a2 is not None and a2 > a1 > 0, f"accepted lines from the simulator grow: {a1} -> {a2}")
        r1 = value(s1, "sandtable_feed_lines_received_total", source="simulator")
        r2 = value(s2, "sandtable_feed_lines_received_total", source="simulator")
        check(r2 is not None and r2 >= a2, f"received >= accepted: {r2} >= {a2}")
        rejects = {dict(l)["reason"]: v for (n, l), v in s2.items()
                   if n == "sandtable_feed_lines_rejected_total" and dict(l).get("source") == "simulator"}
        # The protocol's reasons, as engine/feed/protocol.cpp names them.
        src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "engine", "feed",
                                "protocol.cpp")).read()
        table = src[src.index("rejectReasonName(RejectReason r)"):]
        reasons = set(re.findall(r'"([a-z_]+)"', table[:table.index("};")]))
        check(set(rejects) == reasons, f"every reject reason listed for the simulator: {sorted(rejects)}")
        check(sum(rejects.values()) > 0, f"bad lines counted by reason: { {k: v for k, v in rejects.items() if v} }")
        live = value(s2, "sandtable_officers", state="live")
        check(live is not None and live > 0, f"officers live: {live}")
        check(value(s2, "sandtable_officers", state="stale") is not None, "officers stale reported")
        check(value(s2, "sandtable_feed_queue_lines") is not None, "queue depth reported")
        frame = value(s2, "sandtable_frame_last_seconds")
        check(frame is not None and frame > 0, f"last frame time: {frame}")
        f1, f2 = value(s1, "sandtable_frames_drawn_total"), value(s2, "sandtable_frames_drawn_total")
        check(f1 and f2 and f2 > f1, f"frames drawn grow: {f1} -> {f2}")
        check(value(s2, "sandtable_frame_seconds_count") == f2, "the frame histogram counts every frame")
        check(value(s2, "sandtable_frame_seconds_bucket", le="+Inf") == value(s2, "sandtable_frame_seconds_count"),
              "the +Inf bucket equals the count")
        rss = value(s2, "sandtable_process_resident_memory_bytes")
        check(rss is not None and rss > 10e6, f"resident memory: {rss}")
        gpu_buf = value(s2, "sandtable_gpu_memory_bytes", kind="buffer")
        gpu_tex = value(s2, "sandtable_gpu_memory_bytes", kind="texture")
        check(gpu_buf is not None and gpu_buf > 0 and gpu_tex is not None and gpu_tex > 0,
              f"GPU memory of the engine's buffers and textures: {gpu_buf}, {gpu_tex}")
        start = value(s2, "sandtable_process_start_time_seconds")
        check(start is not None and time.time() - 200 < start <= time.time(), f"start time: {start}")
        check(value(s2, "sandtable_healthy") == 1, "healthy")
        check(any(n == "sandtable_build_info" and "version" in dict(l) for n, l in s2), "build info with a version")
        written = value(s2, "sandtable_history_rows_written_total")
        check(written is not None and written > 0, f"history rows written: {written}")
        last_write = value(s2, "sandtable_history_last_write_timestamp_seconds")
        check(last_write is not None and time.time() - 60 < last_write <= time.time() + 1,
              f"last history write: {last_write}")
        check(value(s2, "sandtable_history_write_errors_total") == 0, "no history write errors")
        # No officer id in any label (ids are PT-0001...).
        check(re.search(r"PT-\d{4}", body2) is None, "no officer id in the metrics")

        status, _, body = get(base + "/healthz")
        check(status == 200 and body == "ok\n", f"/healthz: {status} {body!r}")
        check(get(base + "/nope")[0] == 404, "/nope: 404")
        check(get(base + "/metrics", method="POST", data=b"x")[0] == 405, "POST /metrics: 405")

        # The same port again: refused before any window opens.
        r = subprocess.run([app, "--sim-officers", "10", "--metrics", f"127.0.0.1:{port}", "--exit-after", "5"],
                           env=d.env, capture_output=True, text=True, timeout=60)
        check(r.returncode == 1 and "cannot listen on 127.0.0.1:" in r.stderr,
              f"a second cockpit on the port: exit {r.returncode}, {r.stderr.strip()[-200:]!r}")
    except AssertionError as e:
        failures.append(str(e))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    check(rc == 0, f"SIGTERM: exit {rc}")

# A wall follower waiting for a leader that never comes: the loop turns, nothing is drawn.
log_path = os.path.join(out, "follower.log")
with open(log_path, "w") as log:
    proc = subprocess.Popen([render, "--scene", scene, "--wall-follow", "tcp://127.0.0.1:9", "--wait", "8",
                             "--metrics", "0"], stdout=log, stderr=subprocess.STDOUT)
try:
    port = wait_for_port(log_path, proc, program="sandtable-render")
    check(port is not None, f"follower: the chosen port on stderr: {port}")
    if port:
        time.sleep(1)
        _, s = scrape(f"http://127.0.0.1:{port}")
        check(value(s, "sandtable_frames_drawn_total") == 0, "follower: no frame drawn without a leader")
        turns = value(s, "sandtable_frame_loop_turns_total")
        check(turns is not None and turns >= 3, f"follower: the loop turns while it waits: {turns}")
        check(value(s, "sandtable_feed_lines_received_total") is None, "follower: no feed metrics (it has no feed)")
        check(get(f"http://127.0.0.1:{port}/healthz")[0] == 200, "follower: /healthz 200 while waiting")
    rc = proc.wait(60)
    check(rc == 1, f"follower: gives up after --wait with exit {rc}")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()

if failures:
    print("metrics check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("metrics check: ok")
