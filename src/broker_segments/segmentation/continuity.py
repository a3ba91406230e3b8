"""Group codes that stay stable across refits: where the naming rule (``naming``) is
ambiguous, a refit gives the codes of the near-tied clusters to the ones that match the
previous model's groups, so customers who did not change do not appear to migrate.
:func:`apply_previous` revises the rule's codes (matching the profiles in the new model's
standardised input space, :func:`standardised_profiles`), :func:`as_previous_model` reads the
previous model from its artifacts, and :func:`rule_only` is the naming without one. The
procedure, what happens with a previous model of another k or other inputs, and what is
recorded: docs/domain.md, "How a refit keeps the codes".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from .artifacts import result_to_artifacts
from .errors import SegmentationInputError
from .records import FitResult
from .transform import apply_transform, standardise

if TYPE_CHECKING:
    from .config import SchemeConfig

RULE = "rule"
MATCHED_PREVIOUS = "matched_previous"
REQUIRED_ARTIFACTS = ("cluster_profile", "segment_naming")


class PreviousModelWarning(UserWarning):
    """The previous model only partly fits this one (other k or inputs); see ``continuity``."""


@dataclass(frozen=True)
class PreviousModel:
    """What a refit needs of the previous model: its codes, cluster profiles (continuity of
    the codes) and its customers' groups (the warm start of K-means)."""

    model_id: str
    scheme: str
    segment_codes: tuple[str, ...]  # display (sort) order
    profile: pd.DataFrame  # segment_code x input: mean raw value
    assignments: pd.Series  # customer_id -> segment_code; empty without fitted_assignment rows

    @classmethod
    def from_artifacts(cls, artifacts: pd.DataFrame) -> PreviousModel:
        """Read it from the rows of ``segment_model_artifacts`` of ONE model id."""
        if not isinstance(artifacts, pd.DataFrame):
            raise SegmentationInputError(
                f"previous must be the artifact frame of the previous model, got "
                f"{type(artifacts).__name__}"
            )
        needed = ("model_id", "scheme", "artifact", "row_key", "column_key", "value")
        missing = [c for c in needed if c not in artifacts.columns]
        if missing:
            raise SegmentationInputError(
                f"previous model artifacts lack column(s) {missing}; pass the rows of "
                "segment_model_artifacts for the previous model_id"
            )
        ids = sorted(map(str, artifacts["model_id"].dropna().unique()))
        if len(ids) != 1:
            raise SegmentationInputError(
                f"previous model artifacts must hold exactly one model_id, found {len(ids)}"
                + (f" {ids[:5]}" if ids else "")
            )
        present = set(artifacts["artifact"])
        lacking = [a for a in REQUIRED_ARTIFACTS if a not in present]
        if lacking:
            raise SegmentationInputError(
                f"previous model {ids[0]!r} lacks artifact(s) {lacking}; continuity needs "
                f"{list(REQUIRED_ARTIFACTS)}"
            )

        def table(name: str) -> pd.DataFrame:
            part = artifacts[(artifacts["artifact"] == name) & artifacts["value"].notna()]
            return part.pivot(index="row_key", columns="column_key", values="value")  # noqa: PD010

        naming = table("segment_naming").sort_values("sort_order", kind="mergesort")
        codes = tuple(str(code) for code in naming.index)
        profile = table("cluster_profile").reindex(list(codes)).astype(float)
        schemes = artifacts["scheme"].dropna().unique()
        assigned = artifacts[
            (artifacts["artifact"] == "fitted_assignment")
            & (artifacts["column_key"] == "segment_code")
        ]
        assignments = (
            assigned.set_index("row_key")["text_value"]
            if "text_value" in artifacts.columns
            else pd.Series(dtype="object")
        )
        return cls(
            model_id=ids[0],
            scheme=str(schemes[0]) if len(schemes) else "",
            segment_codes=codes,
            profile=profile,
            assignments=assignments,
        )


@dataclass(frozen=True)
class Continuity:
    """Outcome of :func:`apply_previous`."""

    naming: pd.DataFrame  # like name_clusters' frame (by cluster label), codes revised
    match: pd.DataFrame  # segment_code -> previous_segment_code, match_distance
    previous_model_id: str | None
    codes_matched: int
    notes: list[str]


def as_previous_model(
    previous: pd.DataFrame | FitResult | PreviousModel, scheme: str | None = None
) -> PreviousModel:
    """A :class:`PreviousModel` from an artifact frame, a FitResult or a PreviousModel,
    checked to be of ``scheme`` when given. A previous model of another scheme, or an artifact
    frame of several or no model ids or without ``cluster_profile``/``segment_naming``, is a
    wiring error (:class:`SegmentationInputError`)."""
    if isinstance(previous, PreviousModel):
        prev = previous
    else:
        if isinstance(previous, FitResult):
            previous = result_to_artifacts(previous, include_assignments=False)
        prev = PreviousModel.from_artifacts(previous)
    if scheme and prev.scheme and prev.scheme != scheme:
        raise SegmentationInputError(
            f"previous model {prev.model_id!r} is of scheme {prev.scheme}, not {scheme}; "
            "pass the previous model of the same scheme"
        )
    return prev


def rule_only(naming: pd.DataFrame) -> pd.DataFrame:
    """The rule's naming with the continuity columns (``naming_method`` = ``rule``)."""
    result = naming.copy()
    result["naming_method"] = RULE
    result["rule_segment_code"] = result["segment_code"]
    return result


def standardised_profiles(
    profile: pd.DataFrame,
    inputs: list[str],
    transforms: dict[str, str],
    mean: pd.Series,
    std: pd.Series,
) -> np.ndarray:
    """Cluster profiles (mean raw inputs) in a model's standardised input space."""
    transformed = np.column_stack(
        [
            apply_transform(profile[name].to_numpy(dtype=float), transforms[name], name)
            for name in inputs
        ]
    )
    return standardise(transformed, mean[inputs].to_numpy(), std[inputs].to_numpy())


def _warn(notes: list[str], message: str) -> None:
    warnings.warn(message, PreviousModelWarning, stacklevel=4)
    notes.append(message)


def apply_previous(
    naming: pd.DataFrame,
    profile: pd.DataFrame,
    previous: pd.DataFrame | FitResult | PreviousModel,
    config: SchemeConfig,
    mean: pd.Series,
    std: pd.Series,
) -> Continuity:
    """Revise the rule's codes of the ambiguous clusters by matching them to ``previous``.

    ``naming`` is :func:`naming.name_clusters`' frame and ``profile`` the cluster profiles it
    was computed from (both indexed by cluster label); ``mean``/``std`` are the new model's
    standardisation of its kept inputs. The procedure: docs/domain.md, "How a refit keeps the
    codes".
    """
    prev = as_previous_model(previous, config.scheme)
    notes: list[str] = []
    result = rule_only(naming)
    if len(prev.segment_codes) != len(naming):
        _warn(
            notes,
            f"scheme {config.scheme}: previous model {prev.model_id!r} has k="
            f"{len(prev.segment_codes)}, this one k={len(naming)}; only codes both have can be "
            "matched",
        )
    inputs = [
        name
        for name in mean.index
        if name in prev.profile.columns and prev.profile[name].notna().all()
    ]
    absent = [name for name in mean.index if name not in inputs]
    if not inputs:
        _warn(
            notes,
            f"scheme {config.scheme}: previous model {prev.model_id!r} shares no input with this "
            f"one ({list(mean.index)}); it is ignored and every code is the naming rule's",
        )
        return Continuity(result, _empty_match(), prev.model_id, 0, notes)
    if absent:
        _warn(
            notes,
            f"scheme {config.scheme}: previous model {prev.model_id!r} lacks input(s) {absent}; "
            f"clusters are matched on the {len(inputs)} input(s) both have",
        )

    transforms = config.transform_by_input
    new_points = pd.DataFrame(
        standardised_profiles(profile.loc[result.index], inputs, transforms, mean, std),
        index=result.index,
    )
    prev_points = pd.DataFrame(
        standardised_profiles(prev.profile, inputs, transforms, mean, std),
        index=list(prev.segment_codes),
    )

    def distance(label: object, code: str) -> float:
        return float(np.sqrt(((new_points.loc[label] - prev_points.loc[code]) ** 2).sum()))

    partner: dict[object, str] = {}  # new cluster label -> previous code it continues
    ambiguous = result[result["ambiguous"]]
    for _, group in ambiguous.groupby("ambiguity_group", sort=True):
        group = group.sort_values("naming_step", kind="mergesort")
        labels = list(group.index)
        codes = list(group["segment_code"])  # the rule's codes of the group, naming order
        candidates = [code for code in prev.segment_codes if code in codes]
        if not candidates:
            continue
        cost = np.array([[distance(label, code) for code in candidates] for label in labels])
        rows, columns = linear_sum_assignment(cost)
        assigned: dict[object, str] = {}
        for i, j in zip(rows, columns, strict=True):
            assigned[labels[i]] = candidates[j]
            partner[labels[i]] = candidates[j]
        taken = set(assigned.values())
        unmatched = [label for label in labels if label not in assigned]
        free = [code for code in codes if code not in taken]
        keep = [label for label in unmatched if result.loc[label, "segment_code"] in free]
        for label in keep:
            free.remove(result.loc[label, "segment_code"])
        displaced = [label for label in unmatched if label not in keep]
        for label, code in zip(displaced, free, strict=True):
            assigned[label] = code
        for label, code in assigned.items():
            rule_code = result.loc[label, "rule_segment_code"]
            result.loc[label, "segment_code"] = code
            result.loc[label, "naming_method"] = MATCHED_PREVIOUS
            if label in partner:
                result.loc[label, "criterion"] = (
                    f"matched to the previous model's {code} (profile distance "
                    f"{distance(label, code):.3g}); the rule gave {rule_code} but was ambiguous "
                    f"within a margin of {config.naming_ambiguity_margin:g}"
                )
            else:
                result.loc[label, "criterion"] = (
                    f"left over when its ambiguity group was matched to the previous model "
                    f"(the rule gave {rule_code})"
                )

    # Step and display order belong to the code; re-derive them for the revised codes.
    by_code = naming.set_index("segment_code")
    for column in ("naming_step", "sort_order", "segment_name", "segment_name_zh"):
        result[column] = result["segment_code"].map(by_code[column]).to_numpy()
    result = result.astype({"naming_step": naming["naming_step"].dtype})
    if result["segment_code"].duplicated().any():  # cannot happen: codes are permuted
        raise AssertionError(f"duplicate codes after matching: {list(result['segment_code'])}")

    rows_out = []
    for label in result.sort_values("sort_order", kind="mergesort").index:
        code = str(result.loc[label, "segment_code"])
        previous_code = partner.get(label, code)
        if previous_code in prev_points.index:
            rows_out.append((code, previous_code, distance(label, previous_code)))
    match = pd.DataFrame(
        rows_out, columns=["segment_code", "previous_segment_code", "match_distance"]
    ).set_index("segment_code")
    matched = int((result["naming_method"] == MATCHED_PREVIOUS).sum())
    return Continuity(result, match, prev.model_id, matched, notes)


def _empty_match() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "previous_segment_code": pd.Series(dtype=object),
            "match_distance": pd.Series(dtype=float),
        },
        index=pd.Index([], name="segment_code"),
    )
