"""A fourth fresh set of plausible learner answers, unseen by the checks' engineers (issue 21).

The attempts (fresh_mistakes_4_numpy.py, fresh_mistakes_4_torch.py, fresh_mistakes_4_scale.py) were
written from the notebooks' exercise texts and stubs alone, before reading lib/attnlab/checks/, any
catalogue, the checks' tests or the earlier sets' attempts, while the checks' engineer worked on
issue 21 without seeing them. They run through fresh_mistakes_2's harness: the same preludes, the
same outcomes (passed / named / misnamed / hint / generic / traceback / crash) and the same tables.

    python tests/fresh_mistakes_4.py [--lesson NN] [--lines] [--markdown]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import fresh_mistakes_2 as harness  # noqa: E402
import fresh_mistakes_4_numpy  # noqa: E402
import fresh_mistakes_4_scale  # noqa: E402
import fresh_mistakes_4_torch  # noqa: E402

ROWS = fresh_mistakes_4_numpy.ATTEMPTS + fresh_mistakes_4_torch.ATTEMPTS + fresh_mistakes_4_scale.ATTEMPTS


def attempts() -> list[harness.Attempt]:
    return harness.attempts(ROWS)


if __name__ == "__main__":
    raise SystemExit(harness.main(rows=ROWS, description=__doc__))
