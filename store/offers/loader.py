"""Putting a validated catalogue into the database: add new offers, update changed ones, retire
the ones no longer in the file (kept inactive, so old presentations still name a real offer)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from store.models import Product
from store.models.offers import Offer, OfferPolicy
from store.offers.catalogue import Catalogue, OfferSpec
from store.timeutil import utcnow


@dataclass(frozen=True)
class LoadResult:
    added: int
    updated: int
    retired: int
    warnings: tuple[str, ...]


def load_catalogue(session: Session, catalogue: Catalogue) -> LoadResult:
    """Make the active offers exactly those of `catalogue`, inside the caller's transaction."""
    existing = {offer.code: offer for offer in session.exec(select(Offer)).all()}
    added = updated = 0
    for spec in catalogue.offers:
        offer = existing.get(spec.code)
        if offer is None:
            offer = Offer(code=spec.code)
            session.add(offer)
            added += 1
        else:
            updated += 1
        _fill(offer, spec)
    wanted = {spec.code for spec in catalogue.offers}
    retired = [offer for code, offer in existing.items() if code not in wanted and offer.active]
    for offer in retired:
        offer.active = False
    policy = session.get(OfferPolicy, 1) or OfferPolicy(id=1)
    policy.max_per_30_days, policy.max_per_call = catalogue.max_per_30_days, catalogue.max_per_call
    session.add(policy)
    return LoadResult(added, updated, len(retired), _unknown_products(session, catalogue))


def _fill(offer: Offer, spec: OfferSpec) -> None:
    offer.title, offer.script, offer.category = spec.title, spec.script, spec.category
    offer.product_code, offer.service = spec.product_code, spec.service
    offer.value, offer.weight = spec.value, spec.weight
    offer.valid_from, offer.valid_to = spec.valid_from, spec.valid_to
    offer.channels = ",".join(spec.channels)
    offer.cooldown_days, offer.later_days = spec.cooldown_days, spec.later_days
    offer.eligibility = spec.eligibility_json
    offer.translations = spec.translations_json
    offer.active, offer.loaded_at = True, utcnow()


def _unknown_products(session: Session, catalogue: Catalogue) -> tuple[str, ...]:
    """Product codes the offers name that the product table does not know (yet): worth a warning."""
    named = {spec.product_code for spec in catalogue.offers if spec.product_code}
    known = set(session.exec(select(Product.code).where(Product.code.in_(named))).all()) if named else set()  # type: ignore[attr-defined]
    return tuple(f"product {code!r} is not in the product table" for code in sorted(named - known))
