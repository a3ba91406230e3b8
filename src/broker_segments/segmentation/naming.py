"""Naming clusters: a deterministic rule on the clusters' mean raw-indicator profiles.

The rule looks only at each cluster's profile (mean of the *raw*, untransformed inputs after
the null fill, over the customers assigned to it), never at K-means' arbitrary cluster
numbers, so a refit that finds the same partition under other numbers gets the same names.
Codes are handed out in a fixed naming order; each step chooses among the clusters not yet
named. Every "highest"/"lowest" below is of the cluster mean.

Scheme A (``naming_rule='thesis'``), value score ``customer_value = annual_commission +
interest_margin_contribution`` (what the broker earns from the customer per year: commission
plus the interest spread on the client's idle cash; the same quantity as the paper's customer
contribution, and in CNY, so clusters compare on one scale):

1. ``sleeping``: least active: lowest ``active_trading_days``; ties: highest
   ``days_since_last_trade``.
2. ``vip``: highest ``customer_value``; ties: highest ``avg_daily_market_value``.
3. ``potential``: most active and fastest growing relative to its value: highest sum of the
   ranks (among the clusters still unnamed) of ``annual_turnover`` (trade volume per unit of
   assets, i.e. activity relative to value) and ``asset_growth`` (log growth of assets, also
   scale-free); ties: highest ``annual_turnover``, then highest ``asset_growth``.
4. ``free``: lowest ``customer_value``; ties: lowest ``active_trading_days``.
5. ``ordinary_a``: highest ``customer_value`` among the rest.
6. ``ordinary_b``: the next highest ``customer_value`` (with k = 6 the two left, A the higher).

Scheme B (``naming_rule='paper'``):

1. ``high_contribution``: highest ``customer_contribution``.
2. ``high_activity``: highest ``annual_turnover``.
3. ``loyal_retained``: highest ``account_age_years``.
4. ``relationship_maintained``: highest ``customer_contribution`` among the rest (with k = 4
   simply the one left).

Other k: with fewer clusters than codes the steps stop when every cluster is named (k = 4 in
scheme A gives sleeping, vip, potential, free). With more clusters the extra ones, in order of
decreasing value score (``customer_value`` / ``customer_contribution``), get the code
``cluster_<n>`` where n is their position in the naming order (``cluster_7``, ``cluster_8``.. in
scheme A, ``cluster_5``.. in B), named "Cluster n" / "第n类客户".

Ties that survive every tie-break compare the whole profile (inputs in configuration order,
higher first) and, only for clusters with identical profiles, the lower cluster number.

The rule-only code ``closed`` (closed account, 已销户客户) is never given to a cluster; the
warehouse assigns it by rule and it is in :func:`segment_catalogue`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .config import SchemeConfig

SEGMENT_NAMES: dict[str, tuple[str, str]] = {
    "vip": ("VIP customer", "VIP客户"),
    "potential": ("Potential customer", "潜力客户"),
    "ordinary_a": ("A-class ordinary customer", "A类普通客户"),
    "ordinary_b": ("B-class ordinary customer", "B类普通客户"),
    "free": ("Free customer", "自由客户"),
    "sleeping": ("Sleeping customer", "休眠客户"),
    "high_contribution": ("High-contribution customer", "高贡献客户"),
    "high_activity": ("High-activity customer", "高活跃客户"),
    "loyal_retained": ("Loyal retained customer", "忠诚保持客户"),
    "relationship_maintained": ("Relationship-maintained customer", "关系维持客户"),
    "closed": ("Closed account", "已销户客户"),
}

CLOSED_CODE = "closed"
CLOSED_SORT_ORDER = 99

# Display order (most valuable first); the naming order is in the rules below.
SORT_ORDER: dict[str, tuple[str, ...]] = {
    "thesis": ("vip", "potential", "ordinary_a", "ordinary_b", "free", "sleeping"),
    "paper": ("high_contribution", "high_activity", "loyal_retained", "relationship_maintained"),
}

# Key = frame of "larger is better" columns, computed on the clusters still unnamed.
_Key = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class _Step:
    code: str
    key: _Key
    criterion: str


def _value_a(p: pd.DataFrame) -> pd.Series:
    return p["annual_commission"] + p["interest_margin_contribution"]


def _cols(**columns: Callable[[pd.DataFrame], pd.Series]) -> _Key:
    return lambda p: pd.DataFrame({name: f(p) for name, f in columns.items()}, index=p.index)


_THESIS_STEPS = (
    _Step(
        "sleeping",
        _cols(
            low_active_days=lambda p: -p["active_trading_days"],
            days_since_last_trade=lambda p: p["days_since_last_trade"],
        ),
        "least active: lowest mean active_trading_days (ties: highest days_since_last_trade)",
    ),
    _Step(
        "vip",
        _cols(value=_value_a, market_value=lambda p: p["avg_daily_market_value"]),
        "highest mean customer_value = annual_commission + interest_margin_contribution",
    ),
    _Step(
        "potential",
        _cols(
            rank_sum=lambda p: p["annual_turnover"].rank() + p["asset_growth"].rank(),
            turnover=lambda p: p["annual_turnover"],
            growth=lambda p: p["asset_growth"],
        ),
        "most active relative to value: highest rank sum of mean annual_turnover and mean "
        "asset_growth among the clusters left",
    ),
    _Step(
        "free",
        _cols(low_value=lambda p: -_value_a(p), low_active=lambda p: -p["active_trading_days"]),
        "lowest mean customer_value among the clusters left",
    ),
    _Step("ordinary_a", _cols(value=_value_a), "highest mean customer_value among the rest"),
    _Step("ordinary_b", _cols(value=_value_a), "next highest mean customer_value"),
)

_PAPER_STEPS = (
    _Step(
        "high_contribution",
        _cols(contribution=lambda p: p["customer_contribution"]),
        "highest mean customer_contribution",
    ),
    _Step(
        "high_activity",
        _cols(turnover=lambda p: p["annual_turnover"]),
        "highest mean annual_turnover among the rest",
    ),
    _Step(
        "loyal_retained",
        _cols(tenure=lambda p: p["account_age_years"]),
        "longest mean account_age_years among the rest",
    ),
    _Step(
        "relationship_maintained",
        _cols(contribution=lambda p: p["customer_contribution"]),
        "the rest",
    ),
)

_RULES: dict[str, tuple[tuple[_Step, ...], _Key]] = {
    "thesis": (_THESIS_STEPS, _cols(value=_value_a)),
    "paper": (_PAPER_STEPS, _cols(contribution=lambda p: p["customer_contribution"])),
}

REQUIRED_PROFILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "thesis": (
        "annual_commission",
        "interest_margin_contribution",
        "avg_daily_market_value",
        "annual_turnover",
        "asset_growth",
        "active_trading_days",
        "days_since_last_trade",
    ),
    "paper": ("customer_contribution", "annual_turnover", "account_age_years"),
}


def _pick(remaining: pd.DataFrame, key: _Key) -> object:
    """The cluster label that is best by ``key``, then by the whole profile, then label."""
    ordered = remaining.sort_index()
    keys = key(ordered)
    keys.columns = [f"_key_{i}" for i in range(keys.shape[1])]
    profile = ordered.reset_index(drop=True).add_prefix("_profile_")
    table = pd.concat([keys.reset_index(drop=True), profile], axis=1)
    # Rows are in label order and the sort is stable: full ties keep the lower label first.
    best_position = table.sort_values(list(table.columns), ascending=False, kind="mergesort")
    return ordered.index[best_position.index[0]]


def extra_code(position: int) -> str:
    """Code of an extra cluster at 1-based ``position`` in the naming order."""
    return f"cluster_{position}"


def segment_names(code: str) -> tuple[str, str]:
    """English and Chinese names of a segment code (extra clusters included)."""
    if code in SEGMENT_NAMES:
        return SEGMENT_NAMES[code]
    if code.startswith("cluster_") and code[len("cluster_") :].isdigit():
        n = int(code[len("cluster_") :])
        return f"Cluster {n}", f"第{n}类客户"
    raise KeyError(f"unknown segment code {code!r}")


def name_clusters(profile: pd.DataFrame, naming_rule: str) -> pd.DataFrame:
    """Name each cluster (row of ``profile``, indexed by cluster label) by ``naming_rule``.

    Returns a frame indexed like ``profile`` with ``segment_code``, ``naming_step`` (1-based
    position in the naming order), ``sort_order`` (display order), ``segment_name``,
    ``segment_name_zh`` and ``criterion`` (why the cluster got its name).
    """
    if naming_rule not in _RULES:
        raise ValueError(f"unknown naming rule {naming_rule!r}; known: {sorted(_RULES)}")
    missing = [c for c in REQUIRED_PROFILE_COLUMNS[naming_rule] if c not in profile.columns]
    if missing:
        raise ValueError(f"naming rule {naming_rule!r} needs profile column(s) {missing}")
    steps, extra_key = _RULES[naming_rule]
    remaining = profile.astype(float)
    rows: dict[object, dict[str, object]] = {}
    position = 0
    while len(remaining):
        position += 1
        if position <= len(steps):
            step = steps[position - 1]
            code, key, criterion = step.code, step.key, step.criterion
        else:
            code, key = extra_code(position), extra_key
            criterion = "extra cluster: next highest value score"
        label = _pick(remaining, key)
        rows[label] = {"segment_code": code, "naming_step": position, "criterion": criterion}
        remaining = remaining.drop(index=label)
    result = pd.DataFrame.from_dict(rows, orient="index").reindex(profile.index)
    sort = SORT_ORDER[naming_rule]
    result["sort_order"] = [
        sort.index(code) + 1 if code in sort else step
        for code, step in zip(result["segment_code"], result["naming_step"], strict=True)
    ]
    names = [segment_names(code) for code in result["segment_code"]]
    result["segment_name"] = [en for en, _ in names]
    result["segment_name_zh"] = [zh for _, zh in names]
    return result[
        [
            "segment_code",
            "naming_step",
            "sort_order",
            "segment_name",
            "segment_name_zh",
            "criterion",
        ]
    ]


def segment_catalogue(configs: Iterable[SchemeConfig] | None = None) -> pd.DataFrame:
    """Every segment code per scheme: scheme, segment_code, segment_name, segment_name_zh,
    sort_order, is_rule_only.

    ``configs`` (default: SCHEME_A and SCHEME_B) decide the schemes; a config with k above
    the number of named codes adds its ``cluster_<n>`` codes. ``closed`` (rule-only) is in
    every scheme with sort order 99.
    """
    if configs is None:
        from .config import SCHEME_A, SCHEME_B

        configs = (SCHEME_A, SCHEME_B)
    rows = []
    for config in configs:
        scheme, rule, k = config.scheme, config.naming_rule, config.k
        codes = list(SORT_ORDER[rule])
        steps = _RULES[rule][0]
        codes += [extra_code(n) for n in range(len(steps) + 1, k + 1)]
        for i, code in enumerate(codes):
            en, zh = segment_names(code)
            order = i + 1 if code in SORT_ORDER[rule] else int(code.split("_")[1])
            rows.append((scheme, code, en, zh, order, False))
        en, zh = SEGMENT_NAMES[CLOSED_CODE]
        rows.append((scheme, CLOSED_CODE, en, zh, CLOSED_SORT_ORDER, True))
    frame = pd.DataFrame(
        rows,
        columns=[
            "scheme",
            "segment_code",
            "segment_name",
            "segment_name_zh",
            "sort_order",
            "is_rule_only",
        ],
    )
    return frame.astype({"sort_order": "int64", "is_rule_only": "bool"})
