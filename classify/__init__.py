"""classify/: text into areas, figures and tags. Knows text, not files or databases."""

from .applications import Case as ApplicationCase
from .applications import (
    Section,
    find_cases,
    organisations,
    overlap,
    places,
    shared_passages,
    shingles,
)
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
from .figure_time import AsOf, When, as_of_label, date_figures, date_table_figures
from .figures import Figure, check_figure, find_figures
from .indicators import CatalogueError, check_target, load_catalogue
from .indicators import resolve as resolve_indicator
from .table_figures import figures_in_table
from .tokens import phrase_tokens, search_tokens, to_simplified

__all__ = [
    "AREAS",
    "SHORT_NAMES",
    "ApplicationCase",
    "AreaModel",
    "AsOf",
    "CatalogueError",
    "Evaluation",
    "Example",
    "Figure",
    "ModelError",
    "Params",
    "Prediction",
    "Section",
    "When",
    "as_of_label",
    "check_figure",
    "check_target",
    "cross_validate",
    "date_figures",
    "date_table_figures",
    "evaluate",
    "figures_in_table",
    "find_cases",
    "find_figures",
    "load_area_model",
    "load_catalogue",
    "load_examples",
    "organisations",
    "overlap",
    "phrase_tokens",
    "places",
    "resolve_indicator",
    "search_tokens",
    "shared_passages",
    "shingles",
    "to_simplified",
    "train",
]
