"""Shared fixtures: generated raw data sets built into throwaway DuckDB warehouses with dbt.

Every build runs the real `dbt build --target ci` from the project directory, with its own
warehouse file, target and log folders, so tests never touch a user's warehouse.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from filelock import FileLock

from broker_segments.datagen import generate
from broker_segments.load_range import build_args
from broker_segments.project import INDICATOR_NAMES

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))

# The project's vars as dbt_project.yml sets them (their defaults).
PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]

# Small enough for a quick build, large enough for every profile and for segmentation.
TEST_CUSTOMERS = 1500

# The indicators of docs/domain.md, in its order (one home: broker_segments.project).
INDICATORS = list(INDICATOR_NAMES)


@dataclass
class Build:
    """A raw data set and the warehouse dbt built from it."""

    raw_dir: Path
    duckdb_path: Path
    work_dir: Path
    result: subprocess.CompletedProcess

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.sql(sql).df()

    def generator_summary(self) -> dict:
        return json.loads((self.raw_dir / "_generator" / "summary.json").read_text())


# dbt parses the project on every call (~15 s here). With partial parsing it reuses the
# manifest it saved in the target folder when the --vars and the profile are the same and
# re-reads only changed files; the sources' file names the raw folder (BROKER_RAW_DIR), and
# re-reading it re-parses most of the project (~10 s). Every call here has its own target
# folder, so the saved manifests are kept for the whole run (in the pytest folder the xdist
# workers share), one per --vars, warehouse file name and raw folder; a call with a new raw
# folder starts from one of another raw folder. The warehouse is given relative to its folder
# (dbt runs there) so that its path, part of the profile, is the same for every test; tests
# that each break an export of their own write it at one path (worker_export_dir).
PARSE_CACHE: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def parse_cache(tmp_path_factory, worker_id) -> Path:
    root = tmp_path_factory.getbasetemp()
    folder = (root if worker_id == "master" else root.parent) / "dbt-parse"
    folder.mkdir(exist_ok=True)
    PARSE_CACHE[:] = [folder]
    return folder


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _parse_cache_files(duckdb_path: Path, raw_dir: Path, dbt_vars: dict | None) -> list[Path]:
    """The saved manifests to start from, the one of this raw folder first."""
    prefix = _digest([duckdb_path.name, dbt_vars or {}])
    exact = PARSE_CACHE[0] / f"{prefix}-{_digest(str(raw_dir))}.msgpack"
    return [exact, *sorted(PARSE_CACHE[0].glob(f"{prefix}-*.msgpack"))]


# Whether the running test is marked `fast` (make test-fast runs those alone): such a test may
# not run dbt, run_dbt fails it.
RUNNING_FAST_TEST: list[bool] = [False]


@pytest.fixture(autouse=True)
def _fast_mark(request):
    RUNNING_FAST_TEST[0] = request.node.get_closest_marker("fast") is not None
    yield
    RUNNING_FAST_TEST[0] = False


def worker_export_dir(tmp_path_factory) -> Path:
    """One raw folder per xdist worker for the tests that each write an export of their own
    (emptied here): dbt then finds the manifest it parsed for the previous test."""
    folder = tmp_path_factory.getbasetemp() / "export" / "raw"
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(exist_ok=True)
    return folder


def run_dbt(
    args: list[str],
    raw_dir: Path,
    duckdb_path: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    *,
    unit_tests: bool = False,
    data_tests: bool = True,
) -> subprocess.CompletedProcess:
    """Run a dbt command on the project against raw_dir and duckdb_path; never raises.

    A build skips the dbt unit tests (SQL logic on hand-made rows, the same for every data
    set) unless unit_tests: the session's clean build runs them. data_tests=False builds the
    models and seeds alone, for a test whose subject is the models' output (a third of a
    build's time is its ~400 data tests).
    """
    if RUNNING_FAST_TEST[0]:
        raise RuntimeError("a test marked fast runs dbt: take its module's `fast` mark off")
    duckdb_path = Path(duckdb_path).absolute()
    raw_dir = Path(raw_dir).absolute()
    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    work_dir = Path(work_dir).absolute()
    env = {
        **os.environ,
        "BROKER_RAW_DIR": str(raw_dir),
        "BROKER_DUCKDB_PATH": duckdb_path.name,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    target = work_dir / "target"
    command = [
        DBT,
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target",
        "ci",
        "--target-path",
        str(target),
        "--log-path",
        str(work_dir / "logs"),
    ]
    excluded = [*([] if unit_tests else ["unit_test"]), *([] if data_tests else ["test"])]
    if args[0] == "build" and excluded:
        command += ["--exclude-resource-type", *excluded]
    if args[0] in ("build", "run") and "--event-time-start" not in args:
        # the days the per-day models load, as make build passes them
        command += build_args(raw_dir=raw_dir, warehouse=duckdb_path, full="--full-refresh" in args)
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    cached = _parse_cache_files(duckdb_path, raw_dir, dbt_vars) if PARSE_CACHE else []
    saved = target / "partial_parse.msgpack"
    start = next((file for file in cached if file.exists()), None)
    if start and not saved.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(start, saved)
    result = subprocess.run(
        command, cwd=duckdb_path.parent, env=env, capture_output=True, text=True, check=False
    )
    if cached and saved.exists() and not cached[0].exists():
        partial = cached[0].with_suffix(f".{os.getpid()}")
        shutil.copy(saved, partial)
        partial.replace(cached[0])
    return result


def build(
    tmp_root: Path,
    *,
    customers: int = TEST_CUSTOMERS,
    seed: int = 7,
    defects: bool = False,
    dbt_vars: dict | None = None,
    unit_tests: bool = False,
    data_tests: bool = True,
) -> Build:
    raw_dir = tmp_root / "raw"
    generate(raw_dir, customers=customers, seed=seed, defects=defects)
    duckdb_path = tmp_root / "warehouse.duckdb"
    result = run_dbt(
        ["build"],
        raw_dir,
        duckdb_path,
        tmp_root,
        dbt_vars,
        unit_tests=unit_tests,
        data_tests=data_tests,
    )
    return Build(raw_dir, duckdb_path, tmp_root, result)


def assert_dbt_ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"dbt failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"


def shared_build(tmp_path_factory, worker_id: str, name: str, **kwargs) -> Build:
    """build(**kwargs) made once per test run: the xdist workers share it, read-only (a test
    that writes works on a copy, warehouse_copy)."""
    if worker_id == "master":
        return build(tmp_path_factory.mktemp(name), **kwargs)
    root = tmp_path_factory.getbasetemp().parent / name
    outcome = root / "dbt_result.json"
    with FileLock(f"{root}.lock"):
        if outcome.exists():
            result = subprocess.CompletedProcess(**json.loads(outcome.read_text()))
            return Build(root / "raw", root / "warehouse.duckdb", root, result)
        root.mkdir()
        built = build(root, **kwargs)
        fields = ("args", "returncode", "stdout", "stderr")
        outcome.write_text(json.dumps({field: getattr(built.result, field) for field in fields}))
        return built


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory, worker_id) -> Build:
    """Demo data without defects, built with every model and test (and the dbt unit tests)."""
    built = shared_build(tmp_path_factory, worker_id, "clean", unit_tests=True)
    assert_dbt_ok(built.result)
    return built


@pytest.fixture(scope="session")
def defects_build(tmp_path_factory, worker_id) -> Build:
    """Demo data with every kind of bad row, built with a quarantine limit that tolerates them."""
    built = shared_build(
        tmp_path_factory,
        worker_id,
        "defects",
        seed=11,
        defects=True,
        dbt_vars={"max_quarantine_share": 0.2},
    )
    assert_dbt_ok(built.result)
    return built


@pytest.fixture(scope="session")
def project_manifest(tmp_path_factory, worker_id) -> dict:
    """The project's manifest.json from one `dbt parse` per test run (an empty raw folder, no
    warehouse), shared by the xdist workers: a parse costs ~10 s of CPU."""
    if worker_id == "master":
        root = tmp_path_factory.mktemp("parsed")
    else:
        root = tmp_path_factory.getbasetemp().parent / "parsed"
    manifest = root / "target" / "manifest.json"
    with FileLock(f"{root}.lock"):
        if not manifest.exists():
            (root / "raw").mkdir(parents=True, exist_ok=True)
            assert_dbt_ok(run_dbt(["parse"], root / "raw", Path(":memory:"), root))
    return json.loads(manifest.read_text())


@pytest.fixture()
def warehouse_copy(clean_build, tmp_path) -> Path:
    """A copy of the clean build's warehouse, for a test that builds or breaks something."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(clean_build.duckdb_path, path)
    return path


# ---------- hostile exports (test_hostile_exports.py, test_raw_files.py): a small clean export
# each test breaks as a hostile source system or operator would

HOSTILE_CUSTOMERS = 200
# The raw layer (selector raw_layer), the cleaned models every later layer reads and the
# per-day incremental trade days built on them.
RAW_LAYER = [
    "build",
    "--select",
    "+quarantined_rows",
    "+raw_data_reconciliation",
    "+int_trades_cleaned",
    "+int_daily_balances_cleaned",
    "+int_fund_transfers_cleaned",
    "+int_customer_trade_days",
]


@dataclass
class Export:
    """A generated raw export that a test breaks, and the warehouse dbt builds from it.

    Its builds load the per-day models a year a batch (var per_day_batch_size), unless the
    test passes the var: a batch costs dbt's fixed work whatever its rows, and the months of
    the default are for memory at 1M customers. A test whose subject is how the days are cut
    into batches passes `month`.
    """

    raw_dir: Path
    work_dir: Path
    batch_size: str = "year"

    @property
    def duckdb_path(self) -> Path:
        return self.work_dir / "warehouse.duckdb"

    def files(self, table: str) -> list[Path]:
        return sorted((self.raw_dir / table).glob("*.parquet"))

    def read(self, table: str) -> pd.DataFrame:
        with duckdb.connect() as con:
            return con.sql(f"select * from read_parquet('{self.raw_dir / table}/*.parquet')").df()

    def rewrite(self, table: str, select_sql: str, name: str | None = None) -> Path:
        """Replace the table's files by one file written from `select_sql` over `raw`."""
        files = self.files(table)
        target = self.raw_dir / table / (name or "export.parquet")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.work_dir / f"{table}.tmp.parquet"
        with duckdb.connect() as con:
            con.execute("set TimeZone = 'UTC'")
            con.execute(f"create view raw as select * from read_parquet({[str(f) for f in files]})")
            con.execute(f"copy ({select_sql}) to '{tmp}' (format parquet)")
        for file in files:
            file.unlink()
        shutil.move(tmp, target)
        return target

    def add_file(self, table: str, select_sql: str, relative: str) -> Path:
        """Write one more file (at `relative` below the table folder) from `select_sql`."""
        files = self.files(table)
        target = self.raw_dir / table / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect() as con:
            con.execute("set TimeZone = 'UTC'")
            con.execute(f"create view raw as select * from read_parquet({[str(f) for f in files]})")
            con.execute(f"copy ({select_sql}) to '{target}' (format parquet)")
        return target

    def dbt(self, args: list[str] | None = None, dbt_vars: dict | None = None):
        dbt_vars = {"per_day_batch_size": self.batch_size, **(dbt_vars or {})}
        return run_dbt(args or RAW_LAYER, self.raw_dir, self.duckdb_path, self.work_dir, dbt_vars)

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.sql(sql).df()

    def quarantined(self, table: str) -> pd.DataFrame:
        return self.query(
            f"select * from quarantined_rows where table_name = '{table}' order by record_key"
        )

    def assert_reconciles(self) -> pd.DataFrame:
        reconciliation = self.query("select * from raw_data_reconciliation").set_index("table_name")
        for table, row in reconciliation.iterrows():
            assert (
                row.rows_read == row.rows_kept + row.rows_quarantined + row.duplicates_collapsed
            ), table
        return reconciliation


@pytest.fixture(scope="module")
def generated_export(tmp_path_factory) -> Path:
    raw_dir = tmp_path_factory.mktemp("generated") / "raw"
    generate(raw_dir, customers=HOSTILE_CUSTOMERS, seed=3, defects=False)
    return raw_dir


@pytest.fixture()
def export(generated_export, tmp_path_factory, tmp_path) -> Export:
    """A fresh copy of the generated export, for the test to break."""
    raw_dir = worker_export_dir(tmp_path_factory)
    shutil.copytree(generated_export, raw_dir)
    return Export(raw_dir, tmp_path)


def build_ok(export: Export, dbt_vars: dict | None = None):
    result = export.dbt(dbt_vars={"max_quarantine_share": 0.5, **(dbt_vars or {})})
    assert_dbt_ok(result)
    return result


def assert_quarantined(export: Export, table: str, key: str, reason: str, file: Path, row: int):
    rows = export.quarantined(table)
    hit = rows[rows.record_key == key]
    assert len(hit) == 1, rows.to_string()
    hit = hit.iloc[0]
    assert hit.quarantine_reason == reason, hit.to_dict()
    assert Path(hit.source_file).resolve() == file.resolve(), hit.to_dict()
    assert hit.source_row_number == row, hit.to_dict()
    return hit


# The first trade (by trade_id) gets a negative amount: one quarantined row to follow.
NEGATIVE_FIRST_TRADE = """
    select * replace (
        case when trade_id = (select min(trade_id) from raw) then -5 else amount end as amount
    )
    from raw order by trade_id
"""


def first_output_error(result) -> str:
    return result.stdout + result.stderr


# The slowest files first. Each worker takes the next group of tests when it is done, so a long
# group taken last (the Spark parity test builds on both engines, ~13 minutes) would leave the
# other workers idle at the end. xdist hands out the groups in this order only when told not to
# reorder them by their number of tests (pytest_configure below).
SLOW_FILES_FIRST = (
    "test_spark_parity.py",
    "test_hostile_exports.py",
    "test_raw_files.py",
    "test_hostile_settings.py",
    "test_orchestration.py",
    "test_selections.py",
    "test_daily_operation.py",
    "test_raw_data_quality.py",
    "test_segmentation_new_customers.py",
    # each a minute or two of dbt: not left for the end, where one worker would wait for it
    "test_indicators.py",
    "test_semantic_layer.py",
    "test_operator_errors.py",
    "test_layout.py",
    "test_segmentation_warehouse.py",
)
# The files whose tests each break and build an export of their own (function-scoped
# fixtures only): their tests are handed out one by one, so the workers share them. The tests
# of every other file stay together on one worker, which builds the file's module-scoped
# fixtures once (what --dist loadfile does for every file).
TESTS_SPREAD = ("test_hostile_exports.py", "test_raw_files.py")


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist's scheduler of --dist loadfile, with the tests of TESTS_SPREAD each a unit of
    their own. (Not --dist loadgroup: xdist 3.8 groups by rewriting the test ids, which
    pytest 9.2 no longer lets it do.)"""
    from xdist.scheduler import LoadScopeScheduling

    class FileOrTestScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if Path(path).name in TESTS_SPREAD else path

    return FileOrTestScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES_FIRST)))


def pytest_configure(config: pytest.Config) -> None:
    # xdist's loadfile scheduler sorts the files by their number of tests, most first, unless
    # --no-loadscope-reorder: keep the order of pytest_collection_modifyitems instead.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
