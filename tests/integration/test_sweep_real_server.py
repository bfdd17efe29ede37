"""A small sweep against the real server behind the rate-limiting proxy: 2 processes x 2
threads register 8 models and then sync 4 pending records, with two keys, under a limit low
enough that the proxy answers 429s; each lands once, no key crosses, and no registration starts
over (one run and one logged model each: a 429 is retried on the refused request alone).

Kept small so it takes a few minutes on a loaded 2-core CI machine; what the timing is, is
benchmarks/sweep.py's to report (docs/sweeps.md), not this test's."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import sweep

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_rate_limited_sweep_lands_every_model_exactly_once_without_crossing_keys(
    tmp_path: Path,
) -> None:
    args = sweep.parse_args(
        ["-p", "2", "-t", "2", "-m", "8", "-s", "4", "--rate", "4", "--burst", "4"]
    )
    args.workdir = tmp_path

    register, sync = sweep.run(args)

    assert sum(register.limited.values()) > 0  # the limit was met: 429s were answered
    for phase in (register, sync):
        assert phase.failures == []
        assert (phase.missing, phase.duplicated) == ([], [])
        assert phase.crossed == []
        assert set(phase.forwarded) == {"alice", "bob"}  # both keys were used, each by its own
        assert phase.created == {"runs": phase.count, "logged models": phase.count}
    assert register.count == 8 and sync.count == 4
