"""Customer segmentation of the broker: the two schemes of the project, pure Python.

Scheme A (the thesis) and scheme B (the paper) differ only in their :class:`SchemeConfig`.

Public API::

    SCHEME_A, SCHEME_B, SchemeConfig, get_scheme(scheme), config_from_vars(scheme, vars)
    fit_scheme(frame, config, model_id, run_metadata=None, previous=None) -> FitResult
    result_to_artifacts(result) -> long DataFrame (catalogue: ``artifacts.yml``)
    score(frame, model, model_id=None), classify(frame, model, model_id=None), ``model`` a
        FitResult, a ScoringModel (``ScoringModel.from_result``) or the artifact frame
    segment_catalogue(configs=None), name_clusters(profile, naming_rule)
    SegmentationConfigError, SegmentationInputError, LowAdequacyWarning, DroppedInputWarning,
    SmallClusterWarning
"""

from .artifacts import ARTIFACT_COLUMNS, ARTIFACTS, result_to_artifacts
from .config import (
    ACCEPTED_VARS,
    SCHEME_A,
    SCHEME_B,
    SCHEMES,
    SchemeConfig,
    config_from_vars,
    get_scheme,
)
from .errors import (
    DroppedInputWarning,
    LowAdequacyWarning,
    SegmentationConfigError,
    SegmentationError,
    SegmentationInputError,
    SmallClusterWarning,
)
from .fit import fit_scheme
from .naming import SEGMENT_NAMES, name_clusters, segment_catalogue
from .records import FitResult
from .scoring import ScoringModel, classify, score

__all__ = [
    "ACCEPTED_VARS",
    "ARTIFACTS",
    "ARTIFACT_COLUMNS",
    "SCHEMES",
    "SCHEME_A",
    "SCHEME_B",
    "SEGMENT_NAMES",
    "DroppedInputWarning",
    "FitResult",
    "LowAdequacyWarning",
    "SchemeConfig",
    "ScoringModel",
    "SegmentationConfigError",
    "SegmentationError",
    "SegmentationInputError",
    "SmallClusterWarning",
    "classify",
    "config_from_vars",
    "fit_scheme",
    "get_scheme",
    "name_clusters",
    "result_to_artifacts",
    "score",
    "segment_catalogue",
]
