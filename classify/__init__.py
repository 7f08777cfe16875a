"""classify/: text into areas, figures and tags. Knows text, not files or databases."""

from .tokens import phrase_tokens, search_tokens, to_simplified

__all__ = ["phrase_tokens", "search_tokens", "to_simplified"]
