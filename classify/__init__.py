"""classify/: text into areas, figures and tags. Knows text, not files or databases."""

from .areas import (
    AREAS,
    SHORT_NAMES,
    AreaModel,
    Example,
    Params,
    Prediction,
    load_examples,
    train,
)
from .areas import load_model as load_area_model
from .artifact import ModelError
from .evaluation import Evaluation, cross_validate, evaluate
from .tokens import phrase_tokens, search_tokens, to_simplified

__all__ = [
    "AREAS",
    "SHORT_NAMES",
    "AreaModel",
    "Evaluation",
    "Example",
    "ModelError",
    "Params",
    "Prediction",
    "cross_validate",
    "evaluate",
    "load_area_model",
    "load_examples",
    "phrase_tokens",
    "search_tokens",
    "to_simplified",
    "train",
]
