"""Naming clusters: a deterministic rule on the clusters' raw-indicator profiles, never on
K-means' arbitrary cluster numbers. :func:`naming_profile` builds the profile the rule reads
(the cluster means, the medians of ``MEDIAN_COLUMNS``), :func:`name_clusters` names a scheme's
clusters by its rule (``thesis`` or ``paper``) and flags the near ties that a refit settles by
the previous model (``continuity``), and :func:`segment_catalogue` lists every code of every
scheme. The rules, why turnover is read as a median and what a near tie is: docs/domain.md,
the "Group codes" of "Scheme A" and "Scheme B", and "What both schemes share" (its bullets
"Another k", "Ties", "Mean or median" and the section "How a refit keeps the codes").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
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


DEFAULT_AMBIGUITY_MARGIN = 0.10


@dataclass(frozen=True)
class _Step:
    code: str
    key: _Key
    criterion: str
    # The primary key is the sum of the ranks of these profile columns (the ambiguity test
    # then looks at the ranked quantities, not at the rank sum).
    ranked: tuple[str, ...] = ()


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
        "most active relative to value: highest rank sum of median annual_turnover and mean "
        "asset_growth among the clusters left",
        ranked=("annual_turnover", "asset_growth"),
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
        "highest median annual_turnover among the rest",
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


# Profile columns the rule reads as the cluster median; every other column: the mean.
# annual_turnover is uncapped and heavy-tailed, the rest bounded or capped (docs/domain.md,
# "Mean or median").
MEDIAN_COLUMNS: tuple[str, ...] = ("annual_turnover",)


def naming_profile(means: pd.DataFrame, medians: pd.DataFrame) -> pd.DataFrame:
    """The profile :func:`name_clusters` reads: ``means`` (cluster x raw input, the cluster
    means), with the ``MEDIAN_COLUMNS`` taken from ``medians`` (cluster x raw input, the
    cluster medians; it needs only those columns). A median column ``means`` lacks is not
    added.
    """
    profile = means.copy()
    for column in MEDIAN_COLUMNS:
        if column not in profile.columns:
            continue
        if column not in medians.columns:
            raise ValueError(f"naming needs the cluster median of {column!r}")
        profile[column] = medians[column].reindex(profile.index)
    return profile


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


def _within(a: np.ndarray | float, b: np.ndarray | float, margin: float) -> np.ndarray:
    """Whether means ``a`` and ``b`` are within the relative ``margin`` of each other."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) <= margin * np.maximum(np.abs(a), np.abs(b))


def _rank_bounds(values: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest ascending rank (1..n) each value could take if the values within
    the margin of each other were ordered either way."""
    n = len(values)
    a, b = values[:, None], values[None, :]
    clearly_above = (a > b) & ~_within(a, b, margin)  # [i, j]: i exceeds j clearly
    low = 1 + clearly_above.sum(axis=1)
    high = n - clearly_above.sum(axis=0)
    return low.astype(float), high.astype(float)


def _contenders(
    remaining: pd.DataFrame, chosen: object, key: _Key, ranked: tuple[str, ...], margin: float
) -> list[object]:
    """Unnamed clusters other than ``chosen`` that are within the margin of it (docs/domain.md,
    "How a refit keeps the codes": near ties)."""
    if len(remaining) < 2:
        return []
    others = [label for label in remaining.index if label != chosen]
    if ranked:
        low = pd.Series(0.0, index=remaining.index)
        high = pd.Series(0.0, index=remaining.index)
        for column in ranked:
            lo, hi = _rank_bounds(remaining[column].to_numpy(dtype=float), margin)
            low += lo
            high += hi
        return [label for label in others if high[label] >= low[chosen]]
    primary = key(remaining).iloc[:, 0]
    best = float(primary[chosen])
    return [label for label in others if bool(_within(primary[label], best, margin))]


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


def name_clusters(
    profile: pd.DataFrame,
    naming_rule: str,
    ambiguity_margin: float = DEFAULT_AMBIGUITY_MARGIN,
) -> pd.DataFrame:
    """Name each cluster (row of ``profile``, indexed by cluster label) by ``naming_rule``.

    ``profile`` holds, per cluster, the statistic the rule reads of each column: the mean,
    the median for ``MEDIAN_COLUMNS`` (:func:`naming_profile` builds it; a fit
    passes nothing else). The rule compares the numbers as given.

    Returns a frame indexed like ``profile`` with ``segment_code``, ``naming_step`` (1-based
    position in the naming order), ``sort_order`` (display order), ``segment_name``,
    ``segment_name_zh``, ``criterion`` (why the cluster got its name), ``ambiguous`` (bool:
    the cluster is in an ambiguity group at ``ambiguity_margin``, see docs/domain.md, "How a
    refit keeps the codes")
    and ``ambiguity_group`` (0 when not ambiguous, else the lowest naming step of the group's
    clusters). The codes never depend on ``ambiguity_margin``; only the flags do.
    """
    if naming_rule not in _RULES:
        raise ValueError(f"unknown naming rule {naming_rule!r}; known: {sorted(_RULES)}")
    missing = [c for c in REQUIRED_PROFILE_COLUMNS[naming_rule] if c not in profile.columns]
    if missing:
        raise ValueError(f"naming rule {naming_rule!r} needs profile column(s) {missing}")
    if not 0.0 <= ambiguity_margin <= 1.0:
        raise ValueError(f"ambiguity_margin is {ambiguity_margin}; must be in 0..1")
    steps, extra_key = _RULES[naming_rule]
    remaining = profile.astype(float)
    rows: dict[object, dict[str, object]] = {}
    group_of: dict[object, object] = {label: label for label in profile.index}  # union-find

    def root(label: object) -> object:
        while group_of[label] != label:
            label = group_of[label]
        return label

    position = 0
    while len(remaining):
        position += 1
        ranked: tuple[str, ...] = ()
        if position <= len(steps):
            step = steps[position - 1]
            code, key, criterion, ranked = step.code, step.key, step.criterion, step.ranked
        else:
            code, key = extra_code(position), extra_key
            criterion = "extra cluster: next highest value score"
        label = _pick(remaining, key)
        rows[label] = {"segment_code": code, "naming_step": position, "criterion": criterion}
        for other in _contenders(remaining, label, key, ranked, ambiguity_margin):
            group_of[root(other)] = root(label)
        remaining = remaining.drop(index=label)
    result = pd.DataFrame.from_dict(rows, orient="index").reindex(profile.index)
    roots = pd.Series([root(label) for label in result.index], index=result.index)
    group_sizes = roots.map(roots.value_counts())
    first_step = result["naming_step"].groupby(roots).transform("min")
    result["ambiguous"] = (group_sizes > 1).to_numpy()
    result["ambiguity_group"] = np.where(result["ambiguous"], first_step, 0).astype(int)
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
            "ambiguous",
            "ambiguity_group",
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
