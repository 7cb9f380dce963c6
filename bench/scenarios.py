"""8. The scenario library: wall time of `jwt-lab scenario run --all` (target < 10 s),
a fresh process each time, interpreter start-up and imports included.

    python bench/scenarios.py [--quick]
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import ROOT, banner, quick_mode, record


def main() -> None:
    runs = 1 if quick_mode() else 3
    banner("Scenario library: jwt-lab scenario run --all")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "client", "scenario", "run", "--all", "-q"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"the scenario library failed:\n{result.stdout}{result.stderr}")
    summary = result.stdout.strip().splitlines()[-1]
    best = min(times)
    print(f"  {summary} in {best:.2f} s (best of {runs}; target < 10 s)")
    record("scenarios", {"seconds": round(best, 2), "summary": summary, "target_seconds": 10})


if __name__ == "__main__":
    sys.exit(main())
