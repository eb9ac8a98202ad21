"""Section 9: what a lesson's first cell costs — the import time of the modules every lesson loads.

Each import runs in a fresh Python (``python -X importtime`` would add its own overhead; a wall
clock around ``import`` in a new process is what a learner waits for), five times, median kept.
It also lists which heavy libraries the import pulled in: ``attnlab.checks`` must load no widget,
plotting or torch module (tests/test_layers.py asserts it; this section measures the time).
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from attnlab.course.bench.core import ms

MODULES = ("attnlab.checks", "attnlab.attention", "attnlab.views.widgets", "attnlab.models.trained")
HEAVY = ("torch", "matplotlib", "ipywidgets")
PROBE = ("import sys, time; t = time.perf_counter(); import {m}; s = time.perf_counter() - t; "
         "print(s, ' '.join(h for h in {heavy!r} if h in sys.modules))")


def import_seconds(module: str, repeats: int = 5) -> dict:
    """``{"module", "seconds" (median), "heavy": [libraries loaded]}`` for ``import module``."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", PROBE.format(m=module, heavy=HEAVY)],
                             capture_output=True, text=True, check=True).stdout.split(maxsplit=1)
        runs.append((float(out[0]), out[1].split() if len(out) > 1 else []))
    return {"module": module, "seconds": statistics.median(s for s, _ in runs), "heavy": runs[-1][1]}


def bench_imports(sizes=None) -> list[dict]:
    repeats = 2 if sizes is not None and sizes.repeats < 3 else 5
    return [import_seconds(m, repeats) for m in MODULES]


def imports_section(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    return [
        "## 9. Import time: what a lesson's first cell waits for",
        "",
        "Each `import` in a fresh Python, median of 5. Every lesson imports `attnlab.checks`.",
        "",
        "| module | time | heavy libraries it loads |",
        "|---|---:|---|",
        *[f"| `{r['module']}` | {ms(r['seconds'])} ms | {', '.join(r['heavy']) or '—'} |" for r in rows],
        "",
    ]
