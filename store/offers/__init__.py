"""Next best offer: which offer to make to this customer now, why, and learning from the answers.

The catalogue is a TOML file (`catalogue.py`) loaded into the database (`loader.py`); eligibility
is a declarative rule language (`rules.py`) over one customer's facts (`facts.py`); suppression
(`suppression.py`) applies consent and contact policy; ranking (`ranking.py`) multiplies a learned
propensity (`propensity.py`) by value and weight; answers are logged by `responses.py`.
"""

from store.offers.catalogue import (
    DEFAULT_CATALOGUE,
    Catalogue,
    CatalogueError,
    parse_catalogue,
    read_catalogue,
)
from store.offers.loader import LoadResult, load_catalogue
from store.offers.ranking import OfferDecision, OfferSuggestion, explain_offers, rank_offers
from store.offers.responses import OfferResponse, record_responses

__all__ = [
    "DEFAULT_CATALOGUE",
    "Catalogue",
    "CatalogueError",
    "LoadResult",
    "OfferDecision",
    "OfferResponse",
    "OfferSuggestion",
    "explain_offers",
    "load_catalogue",
    "parse_catalogue",
    "rank_offers",
    "read_catalogue",
    "record_responses",
]
