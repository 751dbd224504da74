"""Photo analysis: safe decoding, the quality gate, the skin mask, redness metrics, the reference
card and the renditions we store. See docs/metrics.md for units, sources and limits.

The names below load on first use (PEP 562), so that importing one light submodule (such as
``checkins.imaging.opening``, Pillow only) does not import NumPy and OpenCV with the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checkins.imaging.isolate import analyze_isolated, process_photo_isolated, shutdown_pool
    from checkins.imaging.opening import MAX_PIXELS, MAX_UPLOAD_BYTES, PhotoRejected
    from checkins.imaging.pipeline import analyze_bytes, process_photo
    from checkins.imaging.results import (
        ALGORITHM_VERSION,
        Calibration,
        PhotoAnalysis,
        ProcessedPhoto,
        QualityIssue,
        QualityReport,
    )

_HOME = {
    "analyze_isolated": "isolate",
    "process_photo_isolated": "isolate",
    "shutdown_pool": "isolate",
    "MAX_PIXELS": "opening",
    "MAX_UPLOAD_BYTES": "opening",
    "PhotoRejected": "opening",
    "analyze_bytes": "pipeline",
    "process_photo": "pipeline",
    "ALGORITHM_VERSION": "results",
    "Calibration": "results",
    "PhotoAnalysis": "results",
    "ProcessedPhoto": "results",
    "QualityIssue": "results",
    "QualityReport": "results",
}

__all__ = [
    "ALGORITHM_VERSION",
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "Calibration",
    "PhotoAnalysis",
    "PhotoRejected",
    "ProcessedPhoto",
    "QualityIssue",
    "QualityReport",
    "analyze_bytes",
    "analyze_isolated",
    "process_photo",
    "process_photo_isolated",
    "shutdown_pool",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"checkins.imaging.{module}"), name)
