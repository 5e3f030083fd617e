"""lake killed with SIGKILL in the middle of `lake append`: the table stays consistent.

Each trial starts `lake append T trial-N.parquet` (half a million rows, so the append
takes a moment), kills it with SIGKILL after a random delay (seeded RNG; delays
span the whole append, from before anything is written to after the commit), then:

* the table's version is the old one or old + 1, never anything else;
* it went to old + 1 exactly when this trial's rows landed, and an append that exited 0
  did commit;
* `lake count` exits 0 with the rows of the committed inputs, and `lake scan` returns
  exactly the union of the committed inputs (checked in full periodically and at the
  end, and by delta-rs at the end);
* the next append still works (no stale lock), and the catalog catches up.

Runtime: about a minute on 2 cores.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from conftest import describe
from helpers import Lake, log_versions, read_commit

TRIALS = 30
ROWS = 500_000
SEED = 20261126
FULL_CHECK_EVERY = 10
TIMEOUT_S = 120.0


def _input(path, trial: int, rows: int = ROWS):
    rng = np.random.default_rng(trial + 1000)
    ids = pa.array(np.arange(trial * 10_000_000, trial * 10_000_000 + rows, dtype=np.int64))
    table = pa.table({
        "id": ids,
        "trial": pa.array(np.full(rows, trial, dtype=np.int32)),
        "x": rng.standard_normal(rows),
        "payload": pc.binary_join_element_wise(f"trial-{trial}-row-", pc.cast(ids, pa.string()), ""),
    })
    pq.write_table(table, path)
    return path


def _trial_counts(lk: Lake) -> Counter:
    """Rows per trial in the latest version, from a full `lake scan --columns trial`."""
    proc = lk.run("scan", "crash", "--columns", "trial", "--format", "csv", timeout=TIMEOUT_S)
    assert proc.returncode == 0, f"scan after a crash failed{describe(proc)}"
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if lines and lines[0] == "trial":
        lines = lines[1:]
    return Counter(int(x) for x in lines)


def test_kill_9_during_append(lake, tmp_path):
    lk = Lake(lake, tmp_path / "warehouse", timeout=TIMEOUT_S)
    lk.ok("init")
    lk.ok("create", "crash", "--schema", "id long not null, trial int, x double, payload string")
    path = lk.warehouse / "default" / "crash"
    inputs = {t: _input(tmp_path / f"trial-{t}.parquet", t) for t in range(-3, TRIALS)}

    # Calibration: three uninterrupted appends (trials -3..-1); the slowest tells how long
    # an append takes.
    durations = []
    for t in (-3, -2, -1):
        start = time.perf_counter()
        lk.ok("append", "crash", inputs[t])
        durations.append(time.perf_counter() - start)
    duration = max(durations)
    committed = [-3, -2, -1]

    rng = random.Random(SEED)
    outcomes = []
    for trial in range(TRIALS):
        before = max(log_versions(path))
        # Half the delays anywhere in (and past) the append, half near its end (where the
        # commit is).
        delay = rng.uniform(0.0, 1.6 * duration) if trial % 2 else rng.uniform(0.6 * duration, 1.2 * duration)
        proc = lk.popen("append", "crash", inputs[trial])
        try:
            proc.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
        proc.communicate(timeout=TIMEOUT_S)
        after = max(log_versions(path))
        where = f"trial {trial} (delay {delay:.3f}s of ~{duration:.3f}s, {'killed' if killed else f'exit {proc.returncode}'})"

        assert after in (before, before + 1), f"{where}: version went from {before} to {after}"
        assert log_versions(path) == list(range(after + 1)), f"{where}: commit files {log_versions(path)}"
        if not killed:
            assert proc.returncode == 0, f"{where}: append failed on its own: {proc.stderr[:500]}"
            assert after == before + 1, f"{where}: exited 0 but nothing was committed"
        if after == before + 1:
            adds = [a["add"] for a in read_commit(path, after) if "add" in a]
            n = sum(json.loads(a["stats"])["numRecords"] for a in adds)
            assert n == ROWS, f"{where}: the new commit adds {n} rows, the input has {ROWS}"
            committed.append(trial)
        outcomes.append("committed" if after == before + 1 else "rolled back")

        proc = lk.run("count", "crash", json_output=True)
        assert proc.returncode == 0, f"{where}: count after the crash failed{describe(proc)}"
        assert json.loads(proc.stdout)["count"] == ROWS * len(committed), f"{where}: count{describe(proc)}"
        if (trial + 1) % FULL_CHECK_EVERY == 0:
            assert _trial_counts(lk) == Counter({t: ROWS for t in committed}), f"{where}: rows differ from the committed inputs"

    print(f"append takes ~{duration:.3f}s; outcomes: {Counter(outcomes)}")
    # Both outcomes must have been exercised, or the delays did not span the append.
    assert "committed" in outcomes and "rolled back" in outcomes, f"all trials ended alike: {outcomes}"

    # The next append works (no stale lock), and everything is consistent.
    final = _input(tmp_path / "final.parquet", TRIALS, rows=10)
    lk.ok("append", "crash", final)
    latest = max(log_versions(path))
    total = ROWS * len(committed) + 10
    assert lk.count("crash") == total
    proc = lk.run("scan", "crash", "--columns", "id", "--format", "csv", timeout=TIMEOUT_S)
    assert proc.returncode == 0, describe(proc)
    values = proc.stdout.split()
    got = np.sort(np.array(values[1:] if values and values[0] == "id" else values, dtype=np.int64))
    want = np.sort(np.concatenate(
        [np.arange(t * 10_000_000, t * 10_000_000 + ROWS, dtype=np.int64) for t in committed]
        + [np.arange(TRIALS * 10_000_000, TRIALS * 10_000_000 + 10, dtype=np.int64)]))
    assert np.array_equal(got, want), f"lake scan ids differ from the committed inputs ({len(got)} vs {len(want)} rows)"

    from deltalake import DeltaTable

    dtab = DeltaTable(str(path))
    assert dtab.version() == latest
    dr_ids = np.sort(np.asarray(dtab.to_pyarrow_table(columns=["id"]).column("id").to_numpy()))
    assert np.array_equal(dr_ids, want), "delta-rs reads other rows than the committed inputs"

    d = lk.doc("describe", "crash")
    assert (d["version"], d["rows"]) == (latest, total), d
    listed = {t["name"]: t for t in lk.doc("list")["tables"]}["default.crash"]
    assert (listed["version"], listed["rows"]) == (latest, total), listed
