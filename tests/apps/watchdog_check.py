#!/usr/bin/env python3
"""The wall under a watchdog (docs/cli.md#systemd). CI has no running systemd, so this
test plays systemd's part over the same protocol (a NOTIFY_SOCKET datagram socket and
WATCHDOG_USEC, as systemd hands them to a Type=notify service with WatchdogSec=2):
  - the unit file passes `systemd-analyze verify` with no warning;
  - `sandtable --wall` says READY=1 after its first frame and pings WATCHDOG=1 about
    every second;
  - hung (SIGSTOP), the pings stop: the supervisor notices within WatchdogSec, kills it
    (SIGABRT, as systemd does) and starts it again, which comes back READY;
  - crashed (SIGKILL), it is restarted the same way (Restart=always);
  - stopped (SIGTERM), it says STOPPING=1 and exits 0.
Usage: watchdog_check.py SANDTABLE UNIT_FILE OUT_DIR"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from xsession import Display, skip_or_fail  # noqa: E402
from checks import check, failures  # noqa: E402

app_bin, unit, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
WATCHDOG_S = 2.0


# --- the unit file ---
if not shutil.which("systemd-analyze"):
    skip_or_fail("systemd-analyze not installed")
local = os.path.join(out, "sandtable-wall.service")
with open(unit, encoding="utf-8") as f:
    text = f.read()
text = text.replace("/usr/local/bin/sandtable", os.path.abspath(app_bin))
text = "\n".join("User=root" if l.startswith("User=") else "Group=root" if l.startswith("Group=") else l
                 for l in text.splitlines()) + "\n"
with open(local, "w", encoding="utf-8") as f:
    f.write(text)
r = subprocess.run(["systemd-analyze", "verify", local], capture_output=True, text=True, timeout=60)
check(r.returncode == 0 and not r.stderr.strip(), f"systemd-analyze verify: exit {r.returncode}, {r.stderr.strip()!r}")
for key in ("Type=notify", "WatchdogSec=", "Restart=always"):
    check(key in text, f"the unit has {key}")


class Supervisor:
    """systemd's side of sd_notify for one service: the socket, the environment, restarts."""

    def __init__(self, display):
        self.path = os.path.join(out, "notify.sock")
        if os.path.exists(self.path):
            os.remove(self.path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.display = display
        self.proc = None
        self.starts = 0

    def start(self):
        env = dict(self.display.env, NOTIFY_SOCKET=self.path, WATCHDOG_USEC=str(int(WATCHDOG_S * 1e6)))
        env.pop("WATCHDOG_PID", None)
        log = open(os.path.join(out, f"wall-{self.starts}.log"), "w")
        self.proc = subprocess.Popen([app_bin, "--wall", "--wall-rect", "0,0,640,360", "--no-tour", "--sim-officers",
                                      "50"], env=env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1

    def messages(self, duration):
        """Datagrams over `duration` seconds."""
        got = []
        deadline = time.time() + duration
        while time.time() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                got.append((time.time(), self.sock.recv(4096).decode()))
            except socket.timeout:
                break
        return got

    def wait_for(self, word, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            if word in data.split("\n"):
                return time.time()
        return None

    def watch(self, timeout):
        """Like systemd: returns 'hung' when no WATCHDOG=1 came within WatchdogSec, 'exited'
        when the process ended, or None when it was alive for `timeout` seconds."""
        deadline = time.time() + timeout
        last = time.time()
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return "exited"
            self.sock.settimeout(0.1)
            try:
                if "WATCHDOG=1" in self.sock.recv(4096).decode().split("\n"):
                    last = time.time()
            except socket.timeout:
                pass
            if time.time() - last > WATCHDOG_S:
                return "hung"
        return None

    def restart_after(self, reason):
        if reason == "hung":
            self.proc.send_signal(signal.SIGCONT)  # systemd sends SIGABRT to the hung process
            self.proc.send_signal(signal.SIGABRT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.start()

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()


with Display(640, 400) as d:
    sv = Supervisor(d)
    try:
        sv.start()
        ready = sv.wait_for("READY=1", 90)
        check(ready is not None, "READY=1 after the first frame")
        pings = [t for t, m in sv.messages(4.0) if "WATCHDOG=1" in m.split("\n")]
        check(len(pings) >= 3, f"alive: {len(pings)} WATCHDOG=1 in 4 s (WatchdogSec {WATCHDOG_S:.0f} s, pinged at half)")
        check(sv.watch(5) is None, "alive: a WATCHDOG=1 at least every WatchdogSec for 5 s more")
        # Hung: stopped, it pings no more; the supervisor sees it and restarts it.
        os.kill(sv.proc.pid, signal.SIGSTOP)
        t0 = time.time()
        reason = sv.watch(10)
        check(reason == "hung" and time.time() - t0 <= WATCHDOG_S + 1.0,
              f"hung: no ping for WatchdogSec noticed ({reason}, {time.time() - t0:.1f} s)")
        sv.restart_after(reason or "hung")
        check(sv.wait_for("READY=1", 90) is not None, "restarted after the hang: READY=1 again")
        check(sv.watch(4) is None, "the restarted wall pings")
        # Crashed: restarted the same way.
        # The supervisor learns of a crash from the exit itself (SIGCHLD), not from missing
        # pings: on a busy machine a killed process can take over WatchdogSec to end (its
        # threads finishing a write to disk), and it pings no more in the meantime.
        os.kill(sv.proc.pid, signal.SIGKILL)
        try:
            sv.proc.wait(10)
            reason = "exited"
        except subprocess.TimeoutExpired:
            reason = "still running 10 s after SIGKILL"
        check(reason == "exited", f"crashed: the supervisor sees the exit ({reason})")
        sv.restart_after(reason or "exited")
        check(sv.wait_for("READY=1", 90) is not None, "restarted after the crash: READY=1 again")
        # Stopped: STOPPING=1 and a clean exit.
        sv.proc.send_signal(signal.SIGTERM)
        stopping = sv.wait_for("STOPPING=1", 20)
        rc = sv.proc.wait(20)
        check(stopping is not None and rc == 0, f"SIGTERM: STOPPING=1 and exit {rc}")
        check(sv.starts == 3, f"{sv.starts} starts in all")
    finally:
        sv.close()

if failures:
    print("watchdog check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("watchdog check: ok")
