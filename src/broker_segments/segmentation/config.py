"""Configuration of a segmentation scheme: the two schemes differ only in a
:class:`SchemeConfig` (``SCHEME_A``, ``SCHEME_B``: the inputs, their transforms and null fills,
the factor step, k, the naming rule and the fit's settings with their defaults), and every
step of the fit is shared. :func:`get_scheme` gives a scheme's configuration and
:func:`config_from_vars` overrides it with the settings the fit model's config passes from the
dbt vars (``ACCEPTED_VARS``). The transforms and why each input has its own, and what each
setting means: docs/domain.md, "Scheme A" and "Scheme B" (the inputs) and "The fit's settings".
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SegmentationConfigError

TRANSFORMS = ("signed_log1p", "log1p", "none")
NAMING_RULES = ("thesis", "paper")


@dataclass(frozen=True)
class SchemeConfig:
    """Everything that defines one segmentation scheme. Immutable; derive with ``replace``.

    ``transforms`` is aligned with ``inputs`` (one transform name per input);
    ``fill_null`` holds ``(input, raw value)`` pairs used to fill nulls before the transform.
    Samples (``fit_sample_size``, ``restart_sample_size``, ``k_selection_sample_size``,
    ``silhouette_sample_size``) are deterministic and nested: rows are ordered by a hash of
    ``customer_id`` salted with the seed, and each sample is a prefix of that order, so the
    same customers are drawn whatever order the rows arrive in.
    """

    scheme: str
    inputs: tuple[str, ...]
    transforms: tuple[str, ...]
    use_factor_analysis: bool
    n_factors: int | None
    k: int
    naming_rule: str
    rotation: str = "varimax"
    n_init: int = 10
    random_seed: int = 20240601
    k_range: tuple[int, ...] = tuple(range(2, 11))
    restart_sample_size: int | None = 100_000
    k_selection_n_init: int = 2
    k_selection_sample_size: int = 20_000
    silhouette_sample_size: int = 3_000
    stability_resamples: int = 10
    fit_sample_size: int | None = None
    # K-means clusters below this share of the fit sample are outliers' clusters (``fit``):
    # a group of 1 customer in 3,000 has no profile, no stable code and no leave-one-out rate
    min_cluster_share: float = 0.01
    cv_folds: int = 5
    priors: str = "equal"
    kmo_warning_threshold: float = 0.5
    fill_null: tuple[tuple[str, float], ...] = ()
    naming_ambiguity_margin: float = 0.10

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def transform_by_input(self) -> dict[str, str]:
        return dict(zip(self.inputs, self.transforms, strict=True))

    @property
    def fill_null_by_input(self) -> dict[str, float]:
        return dict(self.fill_null)


def _validate(c: SchemeConfig) -> None:
    def fail(field: str, message: str) -> None:
        raise SegmentationConfigError(f"scheme {c.scheme!r}: {field} {message}")

    if not c.inputs:
        fail("inputs", "is empty")
    if len(set(c.inputs)) != len(c.inputs):
        fail("inputs", f"has duplicates: {list(c.inputs)}")
    if "customer_id" in c.inputs:
        fail("inputs", "must not contain customer_id")
    if len(c.transforms) != len(c.inputs):
        fail("transforms", f"has {len(c.transforms)} entries for {len(c.inputs)} inputs")
    bad = sorted(set(c.transforms) - set(TRANSFORMS))
    if bad:
        fail("transforms", f"has unknown transforms {bad}; known: {list(TRANSFORMS)}")
    if c.naming_rule not in NAMING_RULES:
        fail("naming_rule", f"is {c.naming_rule!r}; known: {list(NAMING_RULES)}")
    if c.rotation not in ("varimax", "none"):
        fail("rotation", f"is {c.rotation!r}; known: ['varimax', 'none']")
    if c.n_factors is not None and not 1 <= c.n_factors <= len(c.inputs):
        fail("n_factors", f"is {c.n_factors}; must be 1..{len(c.inputs)} (number of inputs)")
    if c.k < 2:
        fail("k", f"is {c.k}; must be >= 2")
    if c.n_init < 1:
        fail("n_init", f"is {c.n_init}; must be >= 1")
    if c.random_seed < 0:
        fail("random_seed", f"is {c.random_seed}; must be >= 0")
    if not c.k_range or min(c.k_range) < 2:
        fail("k_range", f"is {list(c.k_range)}; must be non-empty with every k >= 2")
    if c.restart_sample_size is not None and c.restart_sample_size < 10:
        fail("restart_sample_size", f"is {c.restart_sample_size}; must be >= 10 or None (all)")
    if c.k_selection_n_init < 1:
        fail("k_selection_n_init", f"is {c.k_selection_n_init}; must be >= 1")
    if c.k_selection_sample_size < 10:
        fail("k_selection_sample_size", f"is {c.k_selection_sample_size}; must be >= 10")
    if c.silhouette_sample_size < 10:
        fail("silhouette_sample_size", f"is {c.silhouette_sample_size}; must be >= 10")
    if c.stability_resamples < 0:
        fail("stability_resamples", f"is {c.stability_resamples}; must be >= 0")
    if c.fit_sample_size is not None and c.fit_sample_size < 2:
        fail("fit_sample_size", f"is {c.fit_sample_size}; must be >= 2 or None (all rows)")
    # Below one half, so two clusters can pass; a share of 1/k or more, which only an even
    # split into k clusters could meet, stops the fit with the sizes it found (fit.py), after
    # a k that cannot be fitted at all has been named.
    if not 0.0 <= c.min_cluster_share < 0.5:
        fail("min_cluster_share", f"is {c.min_cluster_share}; must be >= 0 and below 0.5")
    if c.cv_folds < 2:
        fail("cv_folds", f"is {c.cv_folds}; must be >= 2")
    if c.priors not in ("equal", "size"):
        fail("priors", f"is {c.priors!r}; must be 'equal' or 'size'")
    if not 0.0 <= c.kmo_warning_threshold <= 1.0:
        fail("kmo_warning_threshold", f"is {c.kmo_warning_threshold}; must be in 0..1")
    if not 0.0 <= c.naming_ambiguity_margin <= 1.0:
        fail("naming_ambiguity_margin", f"is {c.naming_ambiguity_margin}; must be in 0..1")
    for name, _ in c.fill_null:
        if name not in c.inputs:
            fail("fill_null", f"names {name!r}, which is not an input")


SCHEME_A = SchemeConfig(
    scheme="A",
    inputs=(
        "annual_commission",
        "interest_margin_contribution",
        "avg_daily_market_value",
        "annual_trade_volume",
        "net_fund_inflow",
        "asset_growth",
        "annual_turnover",
        "trade_count",
        "active_trading_days",
        "product_breadth",
        "active_months",
        "account_age_years",
        "days_since_last_trade",
    ),
    transforms=(
        "signed_log1p",  # annual_commission
        "signed_log1p",  # interest_margin_contribution
        "signed_log1p",  # avg_daily_market_value
        "signed_log1p",  # annual_trade_volume
        "signed_log1p",  # net_fund_inflow (can be negative)
        "none",  # asset_growth: already a log difference
        "signed_log1p",  # annual_turnover
        "signed_log1p",  # trade_count
        "signed_log1p",  # active_trading_days
        "none",  # product_breadth: small bounded count
        "none",  # active_months: 0..12
        "none",  # account_age_years: tenure, not heavy-tailed
        "signed_log1p",  # days_since_last_trade: years-long dormancy tail
    ),
    use_factor_analysis=True,
    n_factors=5,
    k=6,
    naming_rule="thesis",
    fill_null=(("annual_turnover", 0.0),),
)
"""The thesis: 13 indicators, factor analysis (5 factors, varimax), K-means into 6 groups."""

SCHEME_B = SchemeConfig(
    scheme="B",
    inputs=("customer_contribution", "annual_turnover", "account_age_years"),
    transforms=("log1p", "log1p", "none"),
    use_factor_analysis=False,
    n_factors=None,
    k=4,
    naming_rule="paper",
    fill_null=(("annual_turnover", 0.0),),
)
"""The paper: contribution, turnover and tenure, no factor step, K-means into 4 groups."""

SCHEMES: dict[str, SchemeConfig] = {"A": SCHEME_A, "B": SCHEME_B}


def get_scheme(scheme: str | SchemeConfig) -> SchemeConfig:
    """The ready configuration of ``scheme`` ('A' or 'B', case-insensitive), or ``scheme``."""
    if isinstance(scheme, SchemeConfig):
        return scheme
    key = str(scheme).strip().upper()
    if key not in SCHEMES:
        raise SegmentationConfigError(f"unknown scheme {scheme!r}; known: {sorted(SCHEMES)}")
    return SCHEMES[key]


_NONE_WORDS = {"", "none", "null", "all", "auto"}


def _is_none(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in _NONE_WORDS


def _as_int(var: str, value: Any) -> int:
    if isinstance(value, bool):
        raise SegmentationConfigError(f"var {var!r} must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise SegmentationConfigError(f"var {var!r} must be an integer, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
    raise SegmentationConfigError(f"var {var!r} must be an integer, got {value!r}")


def _as_float(var: str, value: Any) -> float:
    if isinstance(value, bool):
        raise SegmentationConfigError(f"var {var!r} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SegmentationConfigError(f"var {var!r} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise SegmentationConfigError(f"var {var!r} must be finite, got {value!r}")
    return number


def _as_k_range(var: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        text = value.strip().strip("[]()")
        match = re.fullmatch(r"\s*(\d+)\s*(?:\.\.|-|:)\s*(\d+)\s*", text)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if high < low:
                raise SegmentationConfigError(
                    f"var {var!r} is {value!r}: the upper end is below the lower end"
                )
            return tuple(range(low, high + 1))
        parts = [p for p in re.split(r"[,\s]+", text) if p]
        if not parts:
            raise SegmentationConfigError(f"var {var!r} is empty")
        return tuple(sorted({_as_int(var, p) for p in parts}))
    if isinstance(value, list | tuple | range):
        if not value:
            raise SegmentationConfigError(f"var {var!r} is empty")
        return tuple(sorted({_as_int(var, v) for v in value}))
    raise SegmentationConfigError(
        f"var {var!r} must look like '2..10', '2,3,4' or a list of integers, got {value!r}"
    )


_INT_VARS = (
    "k",
    "n_init",
    "random_seed",
    "k_selection_n_init",
    "k_selection_sample_size",
    "silhouette_sample_size",
    "stability_resamples",
    "cv_folds",
)
_OPTIONAL_INT_VARS = ("n_factors", "fit_sample_size", "restart_sample_size")
_FLOAT_VARS = ("kmo_warning_threshold", "naming_ambiguity_margin", "min_cluster_share")
_RANGE_VARS = ("k_range", "k_range_min", "k_range_max")
_CHOICE_VARS = {"priors": ("equal", "size")}
# The dbt var behind each configuration field a var sets (dbt_project.yml), for the messages
# that tell an operator which var to change; the k of each scheme has its own var.
K_VAR = {"A": "scheme_a_k", "B": "scheme_b_k"}
FIELD_VARS = {
    "n_factors": "scheme_a_n_factors",
    "n_init": "segmentation_n_init",
    "random_seed": "segmentation_seed",
    "k_range": "segmentation_k_range",
    "fit_sample_size": "segmentation_fit_sample_size",
    "min_cluster_share": "segmentation_min_cluster_share",
}
ACCEPTED_VARS = tuple(
    sorted(_INT_VARS + _OPTIONAL_INT_VARS + _FLOAT_VARS + _RANGE_VARS + tuple(_CHOICE_VARS))
)


def config_from_vars(
    scheme: str | SchemeConfig, vars: Mapping[str, Any] | None = None
) -> SchemeConfig:
    """The configuration of ``scheme`` with fields overridden from dbt var values.

    ``scheme`` is 'A', 'B' or a :class:`SchemeConfig` to start from. ``vars`` maps the names of
    ``ACCEPTED_VARS`` (docs/domain.md, "The fit's settings") to values as dbt hands them over
    (strings or numbers); ``None`` values of required integers are an error, of
    ``n_factors``/``fit_sample_size`` they mean "eigenvalue > 1" / "all rows". Unknown names
    raise, so a typo in a var name is not silently ignored. Every error is a
    :class:`SegmentationConfigError` naming the var.
    """
    base = get_scheme(scheme)
    vars = dict(vars or {})
    unknown = sorted(set(vars) - set(ACCEPTED_VARS))
    if unknown:
        raise SegmentationConfigError(
            f"unknown segmentation var(s) {unknown} for scheme {base.scheme!r}; "
            f"accepted: {list(ACCEPTED_VARS)}"
        )
    changes: dict[str, Any] = {}
    for var in _INT_VARS:
        if var in vars:
            if _is_none(vars[var]):
                raise SegmentationConfigError(f"var {var!r} is required, got {vars[var]!r}")
            changes[var] = _as_int(var, vars[var])
    for var in _OPTIONAL_INT_VARS:
        if var in vars:
            changes[var] = None if _is_none(vars[var]) else _as_int(var, vars[var])
    for var in _FLOAT_VARS:
        if var in vars:
            changes[var] = _as_float(var, vars[var])
    for var, choices in _CHOICE_VARS.items():
        if var in vars:
            value = str(vars[var]).strip().lower()
            if value not in choices:
                raise SegmentationConfigError(
                    f"var {var!r} must be one of {list(choices)}, got {vars[var]!r}"
                )
            changes[var] = value
    if "k_range" in vars and ("k_range_min" in vars or "k_range_max" in vars):
        raise SegmentationConfigError(
            "give either var 'k_range' or 'k_range_min'/'k_range_max', not both"
        )
    if "k_range" in vars:
        changes["k_range"] = _as_k_range("k_range", vars["k_range"])
    elif "k_range_min" in vars or "k_range_max" in vars:
        low = _as_int("k_range_min", vars.get("k_range_min", min(base.k_range)))
        high = _as_int("k_range_max", vars.get("k_range_max", max(base.k_range)))
        if high < low:
            raise SegmentationConfigError(
                f"var 'k_range_max' ({high}) is below var 'k_range_min' ({low})"
            )
        changes["k_range"] = tuple(range(low, high + 1))
    if not base.use_factor_analysis:
        changes.pop("n_factors", None)  # documented: ignored without a factor step
    try:
        return dataclasses.replace(base, **changes)
    except SegmentationConfigError as error:
        # Re-word "scheme 'A': k is 1; must be >= 2" as a var error.
        raise SegmentationConfigError(f"invalid var value: {error}") from None
