"""Photo analysis: safe decoding, the quality gate, the skin mask, redness metrics, the reference
card and the renditions we store. See docs/metrics.md for units, sources and limits."""

from checkins.imaging.decode import MAX_PIXELS, MAX_UPLOAD_BYTES, PhotoRejected
from checkins.imaging.isolate import analyze_isolated, process_photo_isolated, shutdown_pool
from checkins.imaging.pipeline import analyze_bytes, process_photo
from checkins.imaging.results import (
    ALGORITHM_VERSION,
    Calibration,
    PhotoAnalysis,
    ProcessedPhoto,
    QualityIssue,
    QualityReport,
)

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
