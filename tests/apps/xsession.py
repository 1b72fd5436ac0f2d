"""A real X display for app tests: Xvfb on a free display number, the app started in it,
synthetic input through xdotool (XTEST, as a hand would), and the app's --trace lines.
Used by window_check.py and interaction_check.py."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77


def skip_or_fail(why):
    """Exit 77 (CTest: skipped) unless SANDTABLE_REQUIRE_TOOLS=1 says the tool must be here."""
    if os.environ.get("SANDTABLE_REQUIRE_TOOLS") == "1":
        print(f"FAILED: {why} (SANDTABLE_REQUIRE_TOOLS=1: required here)")
        sys.exit(1)
    print(f"SKIPPED: {why}")
    sys.exit(SKIP)


class Display:
    def __init__(self, width=1280, height=800):
        for tool in ("Xvfb", "xdotool"):
            if not shutil.which(tool):
                skip_or_fail(f"{tool} not installed")
        r, w = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                                     pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        number = b""
        deadline = time.time() + 20
        while not number.endswith(b"\n") and time.time() < deadline:
            chunk = os.read(r, 16)
            if not chunk:
                break
            number += chunk
        os.close(r)
        if not number.strip():
            self.close()
            skip_or_fail("Xvfb did not start")
        self.name = ":" + number.decode().strip()
        self.env = dict(os.environ, DISPLAY=self.name, LIBGL_ALWAYS_SOFTWARE="1")
        self.env.pop("WAYLAND_DISPLAY", None)

    def xdotool(self, *args):
        return subprocess.run(["xdotool", *map(str, args)], env=self.env, capture_output=True, text=True, check=True).stdout

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class App:
    """The app in the display, with its trace file read as it grows."""

    def __init__(self, display, argv, trace_path, log_path):
        self.display = display
        self.trace_path = trace_path
        if os.path.exists(trace_path):
            os.remove(trace_path)  # a previous run's trace would be read from the wrong offset
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(argv, env=display.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.events = []
        self._pos = 0
        self.window = None

    def read_trace(self):
        if not os.path.exists(self.trace_path):
            return
        with open(self.trace_path) as f:
            f.seek(self._pos)
            while True:
                line = f.readline()
                if not line.endswith("\n"):
                    break
                self._pos = f.tell()
                self.events.append(json.loads(line))

    def wait_for(self, pred, timeout=30, what="event"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.read_trace()
            for e in self.events:
                if pred(e):
                    return e
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited ({self.proc.returncode}) while waiting for {what}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    def settle(self, frames=1, quiet=0.5, timeout=30):
        """Waits until the input sent before the call has been applied: the cockpit draws a
        frame after every batch of input (and otherwise sleeps: frame pacing), so wait for
        `frames` new frames and then for the trace to stay quiet for `quiet` seconds (or,
        when no frame follows at all, `quiet` seconds of nothing)."""
        time.sleep(0.1)
        start = self.frame()
        deadline = time.time() + timeout
        last_change, last = time.time(), start
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited ({self.proc.returncode})")
            f = self.frame()
            if f != last:
                last, last_change = f, time.time()
            if f >= start + frames and time.time() - last_change >= quiet:
                return
            if f == start and time.time() - last_change >= 3 * quiet:
                return  # nothing to draw: nothing was pending
            time.sleep(0.05)
        raise AssertionError("the app did not settle")

    def frame(self):
        self.read_trace()
        return max((e["frame"] for e in self.events), default=0)

    def last(self, kind):
        self.read_trace()
        for e in reversed(self.events):
            if e.get("event") == kind:
                return e
        return None

    def find_window(self, name, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = subprocess.run(["xdotool", "search", "--name", name], env=self.display.env, capture_output=True, text=True)
            ids = r.stdout.split()
            if ids:
                self.window = ids[0]
                geo = self.display.xdotool("getwindowgeometry", "--shell", self.window)
                vals = dict(l.split("=", 1) for l in geo.split())
                self.origin = (int(vals["X"]), int(vals["Y"]))
                self.size = (int(vals["WIDTH"]), int(vals["HEIGHT"]))
                return self.window
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited ({self.proc.returncode}) before opening its window")
            time.sleep(0.1)
        raise AssertionError("no window appeared")

    def at(self, x, y):
        """Screen coordinates of window pixel (x, y)."""
        return int(round(self.origin[0] + x)), int(round(self.origin[1] + y))

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc
