"""Counts TAP subtests in meson's testlog.json: 'N passed, N failed, N skipped'.

A test program that crashed or timed out after some 'ok' lines still counts one failure,
so a crash never hides behind the subtests that passed before it.
"""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        if not line.strip():
            continue
        t = json.loads(line)
        out = t.get("stdout") or ""
        p = f = s = 0
        for l in out.splitlines():
            if re.match(r"^ok\b", l):
                if re.search(r"#\s*SKIP", l, re.I):
                    s += 1
                else:
                    p += 1
            elif re.match(r"^not ok\b", l):
                if re.search(r"#\s*TODO", l, re.I):
                    p += 1
                else:
                    f += 1
        result = t.get("result", "")
        if p + f + s == 0:
            if result in ("OK", "EXPECTEDFAIL"):
                p = 1
            elif result == "SKIP":
                s = 1
            else:
                f = 1
        elif result not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
            f = 1
        passed += p
        failed += f
        skipped += s
print(f"{passed} passed, {failed} failed, {skipped} skipped")
