"""What the benchmarks share: running a command and measuring its wall time and peak RSS.

`measure` uses /usr/bin/time (GNU time's %M) where it exists, else os.wait4's ru_maxrss, so
each tool's memory is its own process's, interpreter start included.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

TIME_BIN = Path("/usr/bin/time")


def measure(cmd: list) -> tuple[float, int, str]:
    """Runs cmd; returns (wall seconds, the child's peak RSS in bytes, its stdout)."""
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(prefix="lake-bench-time-") as rss_file:
        if TIME_BIN.is_file():
            start = time.perf_counter()
            proc = subprocess.Popen([str(TIME_BIN), "-o", rss_file.name, "-f", "%M", *cmd], stdout=out, stderr=err)
            status = proc.wait()
            wall = time.perf_counter() - start
        else:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err)
            _, raw, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = status = os.waitstatus_to_exitcode(raw)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        if status != 0:
            raise SystemExit(f"error: {' '.join(cmd)} exited {status}:\n{stderr.strip()}")
        if TIME_BIN.is_file():
            rss = int(Path(rss_file.name).read_text().split()[-1]) * 1024  # %M is KiB
        else:
            rss = usage.ru_maxrss * 1024  # KiB on Linux
        return wall, rss, stdout


def run(cmd: list) -> str:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stderr.strip()}")
    return proc.stdout


def mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def medians(samples: dict) -> dict:
    """The lake-versus-delta-rs fields every benchmark reports, from per-tool samples of
    `wall`, `rss` and (delta-rs only) `inner` seconds: medians and the two ratios."""
    med = {name: {k: statistics.median(v) if v else None for k, v in s.items()} for name, s in samples.items()}
    result = {
        "lake_s": med["lake"]["wall"], "deltars_s": med["delta-rs"]["wall"],
        "deltars_in_process_s": med["delta-rs"]["inner"],
        "lake_peak_rss_bytes": med["lake"]["rss"], "deltars_peak_rss_bytes": med["delta-rs"]["rss"],
        "samples": samples,
    }
    result["time_ratio"] = result["lake_s"] / result["deltars_s"]
    result["rss_ratio"] = result["lake_peak_rss_bytes"] / result["deltars_peak_rss_bytes"]
    return result


def deltalake_baseline(python: str) -> tuple[float, int]:
    """Median wall time and peak RSS of `python -c 'import deltalake'`: delta-rs's fixed cost."""
    base = [measure([python, "-c", "import deltalake"]) for _ in range(3)]
    return statistics.median(b[0] for b in base), statistics.median(b[1] for b in base)


def print_comparison(c: dict, in_process: str, time_target: str | None = None, rss_target: str | None = None,
                     digits: int = 2) -> None:
    """The lake-versus-delta-rs table of a result from `medians`: wall time, peak RSS and
    delta-rs's in-process time (`in_process` names what it covers), with the ratios and,
    where the issue sets them, the targets (like "<= 0.70")."""
    targeted = time_target is not None or rss_target is not None
    print(f"{'measurement':<52} {'lake':>10} {'delta-rs':>10} {'lake/d-rs':>10}" + ("   target" if targeted else ""))
    print("-" * (94 if targeted else 85))
    print(f"{'wall time (s)':<52} {c['lake_s']:>10.{digits}f} {c['deltars_s']:>10.{digits}f} {c['time_ratio']:>10.2f}"
          + (f"   {time_target}" if time_target else ""))
    print(f"{'peak RSS':<52} {mib(c['lake_peak_rss_bytes']):>10} {mib(c['deltars_peak_rss_bytes']):>10} "
          f"{c['rss_ratio']:>10.2f}" + (f"   {rss_target}" if rss_target else ""))
    print(f"{'wall time, delta-rs in process (' + in_process + ')':<52} {c['lake_s']:>10.{digits}f} "
          f"{c['deltars_in_process_s']:>10.{digits}f} {c['lake_s'] / c['deltars_in_process_s']:>10.2f}")


def print_footer(baseline: tuple[float, int]) -> None:
    """The lines under every results table: delta-rs's fixed cost and how to read the ratios."""
    print(f"for reference, python -c 'import deltalake' (delta-rs's fixed cost): "
          f"{baseline[0]:.2f}s, {mib(baseline[1])} peak RSS")
    print("ratios are lake / delta-rs: below 1 means lake is faster or smaller; the in-process rows leave out\n"
          "delta-rs's interpreter start and import (lake's times are always whole processes)")


def report_checks(problems: list[str], verified: str = "both tools' outputs verified") -> int:
    """The last line of every benchmark: its output checks passed, or what failed; the exit code."""
    print(f"checks passed: {verified}" if not problems else "PROBLEMS:\n  " + "\n  ".join(problems))
    return 0 if not problems else 1
