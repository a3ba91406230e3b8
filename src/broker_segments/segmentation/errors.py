"""Errors and warnings raised by the segmentation package.

Every failure a caller can cause (a bad dbt var, degenerate data) raises one of these with a
message that names the offending var, column or variables, so a dbt run log says what to fix
without a stack trace having to be read.
"""

from __future__ import annotations


class SegmentationError(Exception):
    """Base class of the package's errors."""


class SegmentationConfigError(SegmentationError, ValueError):
    """A configuration value (usually a dbt var) is missing, malformed or out of range."""


class SegmentationInputError(SegmentationError, ValueError):
    """The data cannot be segmented as given (too few rows, NaN/inf, a singular matrix...)."""


class LowAdequacyWarning(UserWarning):
    """KMO below the configured threshold (0.5 by default): factor analysis is questionable.

    The fit goes on; the KMO is recorded in the ``kmo`` and ``model_run`` artifacts and the
    warning text in ``model_run`` / ``warnings``.
    """


class DroppedInputWarning(UserWarning):
    """An input had zero variance in the fitting sample and was left out of the model."""


class SmallClusterWarning(UserWarning):
    """Customers of K-means clusters below the minimum share were left out of the fit (as
    outliers) and it was fitted again; they are still assigned. Recorded in ``model_run`` /
    ``warnings``."""
