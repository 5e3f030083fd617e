"""Shared fixtures for lake's interoperability tests.

These tests run the real `lake` binary and check what it reads and writes against
other engines (pyarrow, DuckDB, polars, delta-rs). They need:

* the binary: `$LAKE_BIN`, else `<repo>/.build/release/lake` (`swift build -c release`);
* the Python packages pinned in `Tests/Interop/requirements.txt`;
* the shared fixtures (parquet-testing, delta tables) at `<repo>/../shared/fixtures`.
  Without them the fixture tests fail; in CI (`CI=true`) any test that would be skipped
  while they are missing (e.g. one parametrized over an empty list of fixture files)
  fails too, so that a CI run without fixtures can never pass.

Run with `python -m pytest Tests/Interop -q` from the repository root.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest

# Tests/Interop/conftest.py -> Tests/Interop -> Tests -> <repo>
REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"
PARQUET_TESTING = FIXTURES / "parquet-testing"
DELTA_TABLES = FIXTURES / "delta-tables"

# CI sets CI=true: there, missing fixtures are a failure, never a skip.
IN_CI = os.environ.get("CI") == "true"


def missing_fixtures() -> list[Path]:
    """The shared fixture directories that are not there."""
    return [p for p in (PARQUET_TESTING, DELTA_TABLES) if not p.is_dir()]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """In CI, turn a skip into a failure when the shared fixtures are missing.

    A test parametrized over fixture files found by glob (e.g. `bad_data/*.parquet`) gets
    an empty parameter set without the fixtures, which pytest reports as skipped.
    """
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        missing = missing_fixtures()
        if missing:
            report.outcome = "failed"
            report.longrepr = (
                f"CI=true but the shared fixtures are missing ({', '.join(map(str, missing))}); "
                f"{item.nodeid} would have been skipped: {report.longrepr}"
            )
    return report

DEFAULT_LAKE_BIN = REPO_ROOT / ".build" / "release" / "lake"

# lake runs under a time zone far from UTC so that any use of local time where the
# contract says UTC shows up as a wrong value instead of passing by accident.
LAKE_TEST_TZ = "America/New_York"

# Generous per-command limit: a hung lake process must fail its test, not the run.
DEFAULT_TIMEOUT_S = 60.0

RunLake = Callable[..., subprocess.CompletedProcess]


def lake_binary() -> Path:
    """The lake executable under test (`$LAKE_BIN` overrides the release build)."""
    return Path(os.environ.get("LAKE_BIN") or DEFAULT_LAKE_BIN).resolve()


@pytest.fixture(scope="session")
def lake() -> Path:
    """Path to the lake binary. Fails (never skips) when it has not been built."""
    path = lake_binary()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"lake binary not found or not executable at {path}; build it with "
            "`swift build -c release` or point $LAKE_BIN at it",
            pytrace=False,
        )
    return path


@pytest.fixture
def lk(lake: Path, tmp_path: Path):
    """A fresh, initialized warehouse of its own (`tmp_path / "warehouse"`), as a
    `helpers.Lake`. A module may override it (test_everyday.py puts it at `wh`)."""
    from helpers import Lake

    w = Lake(lake, tmp_path / "warehouse")
    w.ok("init")
    return w


@pytest.fixture(scope="session")
def lake_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch directory used as lake's cwd and warehouse, so tests never touch the repo."""
    return tmp_path_factory.mktemp("lake-cwd")


@pytest.fixture(scope="session")
def run_lake(lake: Path, lake_workdir: Path) -> RunLake:
    """Return `run_lake(*args, timeout=60, input=None)` -> CompletedProcess (text mode).

    Arguments are converted with str(), so Paths can be passed directly. The process
    runs with a non-UTC TZ, an isolated warehouse and no stdin; stdout and stderr are
    captured. It never raises on a non-zero exit: tests assert on `returncode`.
    A timeout raises subprocess.TimeoutExpired, which fails the test that hit it.
    """
    env = dict(os.environ)
    env["TZ"] = LAKE_TEST_TZ
    env["LAKE_WAREHOUSE"] = str(lake_workdir / "warehouse")
    env.setdefault("LC_ALL", "C.UTF-8")

    def _run(*args, timeout: float = DEFAULT_TIMEOUT_S, input: str | None = None):
        cmd = [str(lake), *(str(a) for a in args)]
        return subprocess.run(
            cmd,
            cwd=lake_workdir,
            env=env,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
        )

    return _run


def describe(proc: subprocess.CompletedProcess, limit: int = 2000) -> str:
    """A compact description of a finished lake process for assertion messages."""
    cmd = " ".join(str(a) for a in proc.args) if isinstance(proc.args, list) else str(proc.args)
    out = (proc.stdout or "")[:limit]
    err = (proc.stderr or "")[:limit]
    return f"\n$ {cmd}\nexit code: {proc.returncode}\n--- stdout ---\n{out}\n--- stderr ---\n{err}"


# --------------------------------------------------------------------------- DuckDB


def delta_extension_path() -> Path:
    """The Delta extension binary shipped inside the duckdb-extension-delta wheel."""
    import duckdb
    import duckdb_extension_delta

    version = duckdb.__version__
    path = Path(duckdb_extension_delta.__file__).parent / "extensions" / f"v{version}" / "delta.duckdb_extension"
    if not path.is_file():
        pytest.fail(
            f"DuckDB delta extension not found at {path}: duckdb-extension-delta must "
            f"match duckdb {version} (see Tests/Interop/requirements.txt)",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def duckdb_con():
    """A DuckDB connection with the Delta extension loaded from the wheel (no network).

    Auto-install/auto-load are off so DuckDB never tries to download anything.
    """
    import duckdb

    con = duckdb.connect(
        config={
            "allow_unsigned_extensions": "true",
            "autoinstall_known_extensions": "false",
            "autoload_known_extensions": "false",
        }
    )
    con.execute(f"LOAD '{delta_extension_path()}'")
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()
