"""Facts the Python side shares with the dbt project, each with one home here.

* ``DEFAULT_DUCKDB_PATH`` / ``DEFAULT_RAW_DIR``: the warehouse file dbt builds and the raw
  export it reads when ``BROKER_DUCKDB_PATH`` / ``BROKER_RAW_DIR`` are unset, relative to the
  project directory. dbt has its own copy in ``profiles.yml`` (the default target's ``path``)
  and in the sources YAML (``raw_dir``); ``tests/python/test_project_facts.py`` checks they
  agree with these.
* ``DEFAULT_SPARK_WAREHOUSE``: the spark target's warehouse folder when
  ``BROKER_SPARK_WAREHOUSE`` is unset; ``profiles.yml`` has its copies (the ``spark`` target's
  ``server_side_parameters``), checked by the same test; ``SPARK_SCHEMA`` its schema, the
  target's ``schema``.
* ``FIT_MODELS``: the table of each scheme's fitted models, the dbt Python model of that name.
* ``INDICATORS``: the numeric indicators of ``customer_indicators`` in the domain's order
  (``docs/domain.md``), each with its Chinese term. The SQL side's list is the macro
  ``indicator_columns()`` (``macros/segmentation/indicator_columns.sql``); the same test
  checks the macro, this list and the domain's table agree, order included.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DEFAULT_DUCKDB_PATH = "data/broker_segments.duckdb"
DEFAULT_RAW_DIR = "data/raw"
DEFAULT_SPARK_WAREHOUSE = "data/spark-warehouse"
# The spark target's schema (profiles.yml): its tables are the folders <schema>.db/<table> of
# the warehouse.
SPARK_SCHEMA = "broker_segments"
# Each scheme's fit: the Python model (python_models/segmentation) that appends its models'
# artifacts on DuckDB, and on Spark the table of the same name the fit command appends to.
FIT_MODELS = {"A": "segmentation_fit_scheme_a", "B": "segmentation_fit_scheme_b"}

INDICATORS: tuple[tuple[str, str], ...] = (
    ("open_trading_days", "窗口内开户交易日"),
    ("avg_daily_cash", "日均保证金"),
    ("avg_daily_market_value", "日均市值"),
    ("avg_daily_assets", "日均资产"),
    ("end_assets", "期末资产"),
    ("asset_growth", "资产增长"),
    ("annual_commission", "年佣金收入"),
    ("annual_trade_volume", "年交易量(成交金额)"),
    ("trade_count", "交易笔数"),
    ("active_trading_days", "交易天数"),
    ("active_months", "活跃月数"),
    ("product_breadth", "交易品种数"),
    ("net_fund_inflow", "净转入资金"),
    ("interest_margin_contribution", "息差贡献"),
    ("customer_contribution", "客户贡献"),
    ("annual_turnover", "年周转次数"),
    ("account_age_years", "开户年数"),
    ("days_since_last_trade", "最近交易距今天数"),
)
INDICATOR_NAMES: tuple[str, ...] = tuple(name for name, _ in INDICATORS)


def spark_table_folder(warehouse: Path, table: str, schema: str = SPARK_SCHEMA) -> Path:
    """The folder of a table of the spark target: Spark's layout of a managed table in the
    warehouse folder (``<warehouse>/<schema>.db/<table>``)."""
    return Path(warehouse) / f"{schema}.db" / table


def duckdb_path() -> Path:
    """The warehouse file: ``BROKER_DUCKDB_PATH``, else the project's default."""
    return Path(os.environ.get("BROKER_DUCKDB_PATH", DEFAULT_DUCKDB_PATH))


def spark_warehouse() -> Path:
    """The spark target's warehouse folder: ``BROKER_SPARK_WAREHOUSE``, else the project's
    default."""
    return Path(os.environ.get("BROKER_SPARK_WAREHOUSE", DEFAULT_SPARK_WAREHOUSE))


def raw_dir() -> Path:
    """The raw export: ``BROKER_RAW_DIR``, else the project's default."""
    return Path(os.environ.get("BROKER_RAW_DIR", DEFAULT_RAW_DIR))


def venv_executable(name: str) -> str:
    """The program ``name`` beside this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    return shutil.which(name) or name
