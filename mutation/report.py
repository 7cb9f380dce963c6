"""Turn a finished ``mutmut run`` into the mutation report: ``mutation/README.md``.

Reads mutmut's per-file results (``mutants/**/*.py.meta``), subtracts the
mutants listed in ``mutation/equivalent.toml`` (each with the reason it cannot
be told apart from the original), and writes the score per module, the total,
and every surviving mutant with its diff. Exits 1 when the score is under the
target, so ``make mutation`` fails like a test run would.

    python mutation/report.py [--target 90]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
EQUIVALENT = ROOT / "mutation" / "equivalent.toml"
REPORT = ROOT / "mutation" / "README.md"

KILLED = {
    1: "killed",
    3: "killed",
    37: "killed by mypy",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
}
SURVIVED = {0: "survived", 33: "no test reaches it", 5: "no test reaches it"}


def load_results() -> dict[str, dict[str, int | None]]:
    results: dict[str, dict[str, int | None]] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        module = str(meta.relative_to(MUTANTS)).removesuffix(".meta")
        data = json.loads(meta.read_text(encoding="utf-8"))
        results[module] = data.get("exit_code_by_key", {})
    return results


def load_equivalent() -> dict[str, str]:
    if not EQUIVALENT.exists():
        return {}
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return {entry["mutant"]: entry["why"] for entry in data.get("equivalent", [])}


def diff_of(name: str) -> str:
    shown = subprocess.run(  # noqa: S603 - our own interpreter and a mutant name
        [sys.executable, "-m", "mutmut", "show", name],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    lines = [
        line
        for line in shown.stdout.splitlines()
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
    ]
    return "\n".join(lines) or "(no diff shown)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=90.0, help="minimum score, in percent")
    args = parser.parse_args()

    results = load_results()
    if not results:
        print("no mutation results: run `make mutation` (mutmut run) first", file=sys.stderr)
        return 2
    equivalent = load_equivalent()
    rows = []
    survivors: list[tuple[str, str]] = []
    unknown_equivalent = set(equivalent)
    totals: Counter[str] = Counter()
    for module, codes in results.items():
        counts: Counter[str] = Counter()
        for name, code in codes.items():
            if name in equivalent:
                unknown_equivalent.discard(name)
                counts["equivalent"] += 1
            elif code in KILLED:
                counts["killed"] += 1
                if KILLED[code] == "killed by mypy":
                    counts["by mypy"] += 1
            elif code in SURVIVED:
                counts["survived"] += 1
                survivors.append((name, SURVIVED[code]))
            elif code is None:
                counts["not checked"] += 1
            else:
                counts["not run"] += 1
                survivors.append((name, f"not run (exit code {code})"))
        scored = counts["killed"] + counts["survived"] + counts["not run"]
        score = 100.0 * counts["killed"] / scored if scored else float("nan")
        rows.append((module, len(codes), counts, score))
        totals.update(counts)
    scored = totals["killed"] + totals["survived"] + totals["not run"]
    score = 100.0 * totals["killed"] / scored if scored else 0.0
    incomplete = totals["not checked"]
    by_tests = totals["killed"] - totals["by mypy"]
    tests_scored = scored - totals["by mypy"]
    tests_score = 100.0 * by_tests / tests_scored if tests_scored else 0.0

    out = [
        "# Mutation score",
        "",
        f"`make mutation` on {datetime.now(UTC):%Y-%m-%d}: **{score:.1f} %** of "
        f"{scored} mutants killed (target {args.target:g} %); "
        f"{totals['equivalent']} equivalent mutants are left out of the score "
        "(listed with their reasons in `equivalent.toml`). "
        f"Strict mypy (part of `make test`) refuses {totals['by mypy']} of them; of the "
        f"{tests_scored} that type-check, the tests kill {by_tests} (**{tests_score:.1f} %**).",
        *(
            [
                "",
                f"**Incomplete run:** {incomplete} mutants were not checked yet; the score "
                "covers the checked ones only.",
            ]
            if incomplete
            else []
        ),
        "",
        "Mutants come from mutmut (see `[tool.mutmut]` in `pyproject.toml` for the modules "
        "and the tests that run against them). *Killed* includes mutants strict mypy "
        "refuses (mypy is part of `make test`) and mutants that hang the tests.",
        "",
        "| module | mutants | killed | of those by mypy | survived | equivalent | not checked "
        "| score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for module, total, counts, module_score in rows:
        out.append(
            f"| `{module}` | {total} | {counts['killed']} | {counts['by mypy']} | "
            f"{counts['survived'] + counts['not run']} | {counts['equivalent']} | "
            f"{counts['not checked']} | "
            + ("–" if module_score != module_score else f"{module_score:.1f} %")
            + " |"
        )
    out.append(
        f"| **all** | {sum(r[1] for r in rows)} | {totals['killed']} | {totals['by mypy']} | "
        f"{totals['survived'] + totals['not run']} | {totals['equivalent']} | "
        f"{totals['not checked']} | **{score:.1f} %** |"
    )
    out += ["", "## Surviving mutants", ""]
    if not survivors:
        out.append("None.")
    for name, status in survivors:
        out += [f"### `{name}` — {status}", "", "```diff", diff_of(name), "```", ""]
    if unknown_equivalent:
        out += ["", "## Stale entries in equivalent.toml", ""]
        out += [f"- `{name}` (no such mutant any more)" for name in sorted(unknown_equivalent)]
    REPORT.write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")
    print(f"mutation score {score:.1f} % ({totals['killed']}/{scored}); report: {REPORT}")
    if incomplete:
        print(f"incomplete: {incomplete} mutants not checked", file=sys.stderr)
        return 1
    return 0 if score >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
