"""Bad rows of every kind the contract names, planted after the clean data and recorded; the
scheme is in docs/demo-data.md, "The bad rows"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from broker_segments.datagen.clean import STREAM_DEFECTS, Context, chunk_path, price_ticks
from broker_segments.datagen.market_calendar import from_day_number
from broker_segments.datagen.profiles import N_BRANCHES
from broker_segments.datagen.tables import (
    EXACT_DUPLICATE,
    SCHEMAS,
    TABLES,
    parquet_writer,
)


@dataclass
class CleanCustomers:
    """What the defect step needs to know about the clean customers (index = number - 1)."""

    open_day: np.ndarray
    close_day: np.ndarray  # -1 while open


class DefectBook:
    """The defect rows to write per table, the resent copies, and one record per defect."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {table: [] for table in TABLES}
        self.resent: dict[str, list[pa.Table]] = {table: [] for table in TABLES}
        self.records: list[dict] = []

    def add(
        self,
        table: str,
        reason: str,
        key: str,
        rows: list[dict],
        detail: str,
        rows_written: int | None = None,
    ) -> None:
        self.rows[table].extend(rows)
        self.records.append(
            {
                "table_name": table,
                "record_key": key,
                "defect_reason": reason,
                "rows_written": len(rows) if rows_written is None else rows_written,
                "detail": detail,
            }
        )


def _cents(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-2)


def _trade_value(quantity: int, price: Decimal) -> dict:
    """quantity, price, amount and commission (0.03%, at least 5 CNY) of a defect trade row."""
    amount = (quantity * int(price.scaleb(4)) + 50) // 100
    commission = max(500, round(amount * 0.0003))
    return {"quantity": quantity, "price": price, "amount": _cents(amount),
            "commission": _cents(commission)}  # fmt: skip


def _first_row_group(path: Path) -> pa.Table:
    parquet = pq.ParquetFile(path)
    if parquet.metadata.num_row_groups == 0:
        return parquet.schema_arrow.empty_table()
    return parquet.read_row_group(0)


def inject_defects(ctx: Context, clean: CleanCustomers) -> DefectBook:
    """Plant 3-5 bad rows per (table, reason); the scheme: docs/demo-data.md."""
    rng = np.random.default_rng([ctx.seed, STREAM_DEFECTS])
    book = DefectBook()
    days = ctx.days
    first_day, last_day = int(days[0]), int(days[-1])
    n = ctx.customers
    numbers = iter(range(n + 1, n + 500))  # new customers that exist only as defect rows
    unknown = iter(range(n + 501, n + 1000))  # customer ids that exist nowhere
    defect_serial = iter(range(1, 100_000))  # ids with sequence 9999: never used by clean rows

    def how_many() -> int:
        return int(rng.integers(3, 6))

    def customer_id(number: int) -> str:
        return f"C{number:08d}"

    def window_day() -> date:
        return from_day_number(days[rng.integers(0, len(days))])

    steady = np.flatnonzero((clean.open_day <= first_day) & (clean.close_day < 0))

    def steady_customer() -> str:
        return customer_id(int(steady[rng.integers(0, len(steady))]) + 1)

    def new_customer(number: int | None, **changes: object) -> dict:
        opened = first_day - int(rng.integers(30, 3000))
        opened -= max((opened + 3) % 7 - 4, 0)
        row: dict[str, object] = {
            "customer_id": None if number is None else customer_id(number),
            "open_date": from_day_number(opened),
            "close_date": None,
            "branch_id": f"B{int(rng.integers(1, N_BRANCHES + 1)):03d}",
            "birth_year": int(rng.integers(1955, 2000)),
            "risk_level": int(rng.integers(1, 6)),
            "channel": ("online", "branch")[int(rng.integers(0, 2))],
        }
        row.update(changes)
        return row

    def trade(customer: str | None, day: date | None, **changes: object) -> dict:
        security = int(rng.integers(0, ctx.sec_type_count[0]))
        ticks = int(
            price_ticks(ctx, ctx.sec_base_price[security : security + 1], np.zeros(1, np.int64))[0]
        )
        row: dict[str, object] = {
            "trade_id": f"T{next(defect_serial):08d}9999",
            "customer_id": customer,
            "trade_date": day,
            "security_code": bytes(ctx.sec_codes[security]).decode(),
            "product_type": "stock",
            "side": ("buy", "sell")[int(rng.integers(0, 2))],
            **_trade_value(int(rng.integers(1, 20)) * 100, Decimal(ticks).scaleb(-4)),
        }
        row.update(changes)
        return row

    def transfer(customer: str | None, day: date | None, **changes: object) -> dict:
        row: dict[str, object] = {
            "transfer_id": f"F{next(defect_serial):08d}9999",
            "customer_id": customer,
            "transfer_date": day,
            "direction": ("in", "out")[int(rng.integers(0, 2))],
            "amount": _cents(int(rng.integers(1, 500)) * 10_000),
        }
        row.update(changes)
        return row

    def balance(customer: str | None, day: date | None, **changes: object) -> dict:
        row: dict[str, object] = {
            "customer_id": customer,
            "balance_date": day,
            "cash_balance": _cents(int(rng.integers(0, 10_000_000))),
            "market_value": _cents(int(rng.integers(0, 50_000_000))),
        }
        row.update(changes)
        return row

    def resend(table: str, key_columns: tuple[str, ...], rows: pa.Table) -> None:
        """Exact copies of clean rows, in a second file: 'a file sent twice'."""
        book.resent[table].append(rows)
        for row in rows.to_pylist():
            key = "|".join(_key_text(row[c]) for c in key_columns)
            book.add(table, EXACT_DUPLICATE, key, [], "resent identical copy", rows_written=2)

    def sample_rows(
        table: str, k: int, exclude_customers: frozenset[str] | set[str] = frozenset()
    ) -> pa.Table:
        part = _first_row_group(chunk_path(ctx, table, 0))
        ids = part.column("customer_id").to_pylist()
        picked, seen = [], set(exclude_customers)
        for i in rng.permutation(part.num_rows):
            if ids[i] not in seen:
                picked.append(int(i))
                seen.add(ids[i])
                if len(picked) == k:
                    break
        return part.take(pa.array(picked, type=pa.int64()))

    # ---- customers: new customers with no activity, one problem each
    c = "customers"
    for _ in range(how_many()):
        book.add(c, "missing_key", "", [new_customer(None)], "customer_id is null")
    for _ in range(how_many()):
        number = next(numbers)
        first, second = new_customer(number), new_customer(number)
        second["risk_level"] = first["risk_level"] % 5 + 1
        book.add(c, "duplicate_key", customer_id(number), [first, second], "risk_level differs")
    for _ in range(how_many()):
        number = next(numbers)
        book.add(
            c,
            "missing_date",
            customer_id(number),
            [new_customer(number, open_date=None)],
            "open_date is null",
        )
    for _ in range(how_many()):
        number = next(numbers)
        row = new_customer(number)
        row["close_date"] = row["open_date"] - timedelta(days=int(rng.integers(1, 400)))
        book.add(c, "close_before_open", customer_id(number), [row], "close_date < open_date")
    for i in range(how_many()):
        number = next(numbers)
        channel = ("app", "wechat", "phone", "mobile", "web")[i % 5]
        book.add(
            c,
            "invalid_channel",
            customer_id(number),
            [new_customer(number, channel=channel)],
            f"channel={channel}",
        )
    for i in range(how_many()):
        number = next(numbers)
        level = (0, 7, 6, 9, -1)[i % 5]
        book.add(
            c,
            "invalid_risk_level",
            customer_id(number),
            [new_customer(number, risk_level=level)],
            f"risk_level={level}",
        )
    for _ in range(how_many()):
        number = next(numbers)
        opened_on = from_day_number(last_day + int(rng.integers(1, 60)))
        book.add(
            c,
            "after_data_end",
            customer_id(number),
            [new_customer(number, open_date=opened_on)],
            "open_date after the last trading day",
        )
    resend(c, ("customer_id",), sample_rows(c, how_many()))

    # ---- trades: new trade ids of clean, open customers on window days, one problem each
    c = "trades"
    if len(steady):
        for _ in range(how_many()):
            book.add(
                c,
                "missing_key",
                "",
                [trade(steady_customer(), window_day(), trade_id=None)],
                "trade_id is null",
            )
        for _ in range(how_many()):
            first = trade(steady_customer(), window_day())
            second = dict(first, **_trade_value(first["quantity"] * 2, first["price"]))
            book.add(
                c, "duplicate_key", first["trade_id"], [first, second], "quantity and amount differ"
            )
        for _ in range(how_many()):
            row = trade(steady_customer(), None)
            book.add(c, "missing_date", row["trade_id"], [row], "trade_date is null")
        for _ in range(how_many()):
            row = trade(customer_id(next(unknown)), window_day())
            book.add(c, "unknown_customer", row["trade_id"], [row], "customer_id not in customers")
        for _ in range(how_many()):
            row = trade(steady_customer(), window_day())
            row["amount"] = -row["amount"]
            book.add(c, "negative_amount", row["trade_id"], [row], "amount < 0")
        for _ in range(how_many()):
            row = trade(steady_customer(), window_day())
            row["commission"] = -row["commission"]
            book.add(c, "negative_commission", row["trade_id"], [row], "commission < 0")
        for i in range(how_many()):
            side = ("B", "S", "hold", "short", "BUY")[i % 5]
            row = trade(steady_customer(), window_day(), side=side)
            book.add(c, "invalid_side", row["trade_id"], [row], f"side={side}")
        for _ in range(how_many()):
            number = int(rng.integers(0, n))
            opened = int(clean.open_day[number])
            position = np.searchsorted(ctx.history_days, opened) - int(rng.integers(1, 30))
            day = from_day_number(ctx.history_days[position])
            row = trade(customer_id(number + 1), day)
            book.add(
                c,
                "before_open_date",
                row["trade_id"],
                [row],
                f"trade_date before open_date {from_day_number(opened)}",
            )
        for _ in range(how_many()):
            day = from_day_number(last_day + int(rng.integers(1, 30)))
            row = trade(steady_customer(), day)
            book.add(
                c,
                "after_data_end",
                row["trade_id"],
                [row],
                "trade_date after the last balance_date",
            )
    resend(c, ("trade_id",), sample_rows(c, how_many()))

    # ---- daily balances
    c = "daily_balances"
    for i in range(how_many()):
        if i % 2 == 0:
            row, key = balance(None, window_day()), "|{}"
            key = key.format(row["balance_date"].isoformat())
        elif len(steady):
            row = balance(steady_customer(), None)
            key = f"{row['customer_id']}|"
        else:
            continue
        book.add(c, "missing_key", key, [row], "customer_id or balance_date is null")
    for _ in range(how_many()):
        row = balance(customer_id(next(unknown)), window_day())
        book.add(c, "unknown_customer", _balance_key(row), [row], "customer_id not in customers")
    # negative values on a new key: a trading day on which the customer's account is not open
    not_yet = np.flatnonzero(clean.open_day > first_day)
    gone = np.flatnonzero((clean.close_day >= 0) & (clean.close_day < last_day))
    candidates = np.concatenate([not_yet, gone])
    for i in range(min(how_many(), len(candidates))):
        number = int(candidates[rng.integers(0, len(candidates))])
        if clean.open_day[number] > first_day:
            free_days = days[days < clean.open_day[number]]
        else:
            free_days = days[days > clean.close_day[number]]
        day = from_day_number(free_days[rng.integers(0, len(free_days))])
        key_row = balance(customer_id(number + 1), day)
        if _balance_key(key_row) in {r["record_key"] for r in book.records}:
            continue
        column = ("cash_balance", "market_value")[i % 2]
        key_row[column] = -key_row[column] - Decimal("0.01")
        book.add(c, "negative_balance", _balance_key(key_row), [key_row], f"{column} < 0")
    duplicated = sample_rows(c, how_many())
    for row in duplicated.to_pylist():
        other = dict(row, cash_balance=row["cash_balance"] + Decimal("1000.00"))
        third = dict(row, cash_balance=row["cash_balance"] * 2 + Decimal("0.01"))
        book.add(
            c,
            "duplicate_key",
            _balance_key(row),
            [other, third],
            "a clean row plus two versions with other cash",
            rows_written=3,
        )
    used = set(duplicated.column("customer_id").to_pylist())
    resend(c, ("customer_id", "balance_date"), sample_rows(c, how_many(), used))

    # ---- fund transfers
    c = "fund_transfers"
    if len(steady):
        for _ in range(how_many()):
            book.add(
                c,
                "missing_key",
                "",
                [transfer(steady_customer(), window_day(), transfer_id=None)],
                "transfer_id is null",
            )
        for _ in range(how_many()):
            first = transfer(steady_customer(), window_day())
            second = dict(first, amount=first["amount"] + Decimal("100.00"))
            book.add(c, "duplicate_key", first["transfer_id"], [first, second], "amount differs")
        for _ in range(how_many()):
            row = transfer(steady_customer(), None)
            book.add(c, "missing_date", row["transfer_id"], [row], "transfer_date is null")
        for _ in range(how_many()):
            row = transfer(customer_id(next(unknown)), window_day())
            book.add(
                c, "unknown_customer", row["transfer_id"], [row], "customer_id not in customers"
            )
        for i in range(how_many()):
            direction = ("deposit", "withdrawal", "IN", "x", "")[i % 5]
            row = transfer(steady_customer(), window_day(), direction=direction)
            book.add(c, "invalid_direction", row["transfer_id"], [row], f"direction={direction}")
        for i in range(how_many()):
            amount = (Decimal("0.00"), Decimal("-500.00"), Decimal("-0.01"))[i % 3]
            row = transfer(steady_customer(), window_day(), amount=amount)
            book.add(c, "non_positive_amount", row["transfer_id"], [row], f"amount={amount}")
        for _ in range(how_many()):
            day = from_day_number(last_day + int(rng.integers(1, 30)))
            row = transfer(steady_customer(), day)
            book.add(
                c,
                "after_data_end",
                row["transfer_id"],
                [row],
                "transfer_date after the last balance_date",
            )
    resend(c, ("transfer_id",), sample_rows(c, how_many()))
    return book


def _key_text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _balance_key(row: dict) -> str:
    return f"{_key_text(row['customer_id'])}|{_key_text(row['balance_date'])}"


def write_defects(ctx: Context, book: DefectBook) -> dict[str, int]:
    """Write the defect and resent files; return the physical rows written per table."""
    written = {}
    for table in TABLES:
        schema = SCHEMAS[table]
        rows = book.rows[table]
        resent = book.resent[table]
        written[table] = len(rows) + sum(t.num_rows for t in resent)
        if rows:
            with parquet_writer(ctx.out_dir / table / "defects-00000.parquet", table) as writer:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        if resent:
            with parquet_writer(ctx.out_dir / table / "resent-00000.parquet", table) as writer:
                writer.write_table(pa.concat_tables(resent).cast(schema))
    return written
