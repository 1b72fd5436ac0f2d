"""What the app test scripts share: named checks, printed as they are judged ("ok" or
"FAIL" and what was checked) and gathered, so one run reports every failure and then exits
1 (finish)."""
import sys

failures = []


def check(cond, msg):
    """Judges one condition; a failed one is kept for the summary. Returns cond."""
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)
    return cond
