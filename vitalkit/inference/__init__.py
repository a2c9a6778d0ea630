"""Using trained models: apply a model package to recordings, score, write products.

Examples
--------
>>> from vitalkit.inference import BEAT_SOURCES
>>> BEAT_SOURCES
('detector', 'annotations')
"""

from vitalkit.inference.beats import BEAT_SOURCES, BeatPredictions, predict_beats, reference_beats
from vitalkit.inference.outputs import ANNOTATOR, write_prediction
from vitalkit.inference.score import score_beats

__all__ = [
    "ANNOTATOR",
    "BEAT_SOURCES",
    "BeatPredictions",
    "predict_beats",
    "reference_beats",
    "score_beats",
    "write_prediction",
]
