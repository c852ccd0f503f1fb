"""The public searches: what the operator typed is read as a number, an e-mail, a reference or a
name, every reading that makes sense is tried, and the hits are merged by strength."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.models import Email, Holding, Ticket
from store.models.search import search_phone
from store.phones import digits_of, national_number, normalize_phone, phone_hint
from store.sanitize import clean_line
from store.search.details import matches_for
from store.search.fold import prefix_end
from store.search.names import search_names
from store.search.types import Hit, Match, SearchResult, best_hits

MAX_QUERY = 200
MIN_SUFFIX = 4
SUFFIX_CAP = 50  # numbers ending alike beyond this are not listed: the operator types more digits
_PHONE_LIKE = re.compile(r"^[\d\s+().\-/]+$")
_CARD_LAST4 = re.compile(r"(?<![\w-])(\d{4})(?![\w-])")


def phone_hits(connection: sa.Connection, number: str, region: str, *, suffix: bool) -> list[Hit]:
    """Exact E.164, the same national number under another country code and (with `suffix`) the
    numbers ending with the typed digits: one statement over two indexes (nsn, reversed digits)."""
    e164 = normalize_phone(number, region)
    nsn = national_number(e164) if e164 else None
    digits = digits_of(number).lstrip("0")  # "0039 06..", "+39 06..", "06..": all end the same
    p = search_phone.c
    wanted = [p.nsn == nsn] if nsn else []
    if suffix and len(digits) >= MIN_SUFFIX:
        reverse = digits[::-1]  # a suffix of the number is a prefix of its reversed digits: a range
        wanted.append(sa.and_(p.rdigits >= reverse, p.rdigits < prefix_end(reverse)))
    if not wanted:
        return []
    rows = connection.execute(
        sa.select(p.customer_id, p.nsn, p.rdigits).where(sa.or_(*wanted)).limit(SUFFIX_CAP)
    )
    hits = []
    for row in rows:
        stored = "+" + row.rdigits[::-1]
        if stored == e164:
            hits.append(Hit(row.customer_id, "phone_exact", 100.0, f"phone is {e164}", stored))
        elif row.nsn == nsn:
            hits.append(Hit(row.customer_id, "phone_national", 92.0, f"same national number {nsn}", stored))
        else:
            score = min(90.0, 60.0 + 3 * len(digits))
            hits.append(Hit(row.customer_id, "phone_suffix", score, f"phone ends {digits}", stored))
    return hits


def email_hits(connection: sa.Connection, address: str) -> list[Hit]:
    address = address.strip().lower()
    rows = connection.execute(sa.select(Email.customer_id).where(Email.address == address))
    return [Hit(r.customer_id, "email", 90.0, f"e-mail is {address}") for r in rows]


def _key_hits(connection: sa.Connection, text: str) -> list[Hit]:
    """Ticket number or account/serial number, exactly as stored (or upper-cased)."""
    forms = list(dict.fromkeys([text, text.upper(), text.replace(" ", "").upper()]))
    tickets = sa.select(Ticket.customer_id, sa.literal("ticket"), Ticket.number).where(
        Ticket.number.in_(forms)
    )
    accounts = sa.select(Holding.customer_id, sa.literal("account"), Holding.reference).where(
        Holding.reference.in_(forms)
    )
    rows = connection.execute(tickets.union_all(accounts))
    return [Hit(customer_id, kind, 90.0, f"{kind} {key}") for customer_id, kind, key in rows]


def _card_hits(connection: sa.Connection, names: list[Hit], last4: str) -> list[Hit]:
    """Of the customers found by name, those holding a card (or account) ending in `last4`."""
    by_id = {hit.customer_id: hit for hit in names}
    rows = connection.execute(
        sa.select(Holding.customer_id, Holding.reference).where(Holding.customer_id.in_(list(by_id)))
    )
    holders = {r.customer_id for r in rows if digits_of(r.reference).endswith(last4)}
    return [
        Hit(cid, "card", by_id[cid].score, f"{by_id[cid].reason}, card ends {last4}")
        for cid in sorted(holders)
    ]


def _search(connection: sa.Connection, text: str, region: str, limit: int) -> tuple[list[Hit], str]:
    if "@" in text:
        hits = email_hits(connection, text)
        return hits, ""
    hits = _key_hits(connection, text) if len(text) >= 3 and any(ch.isdigit() for ch in text) else []
    if _PHONE_LIKE.match(text):
        partial = not text.lstrip().startswith(("+", "00"))  # "+34 612" is a beginning, not an end
        hits += phone_hits(connection, text, region, suffix=partial)
        if not hits:
            digits = digits_of(text)
            if len(digits) < MIN_SUFFIX:
                return hits, f"Type at least {MIN_SUFFIX} digits to search by the end of a phone number."
            return hits, phone_hint(text, region)
        return hits, ""
    last4 = _CARD_LAST4.search(text)
    name_part = _CARD_LAST4.sub(" ", text) if last4 else text
    names = search_names(connection, name_part, want=limit)
    if last4 and names:
        hits += _card_hits(connection, names, last4.group(1))
    else:
        hits += names
    return hits, ""


@contextmanager
def _reading(engine: Engine) -> Iterator[sa.Connection]:
    """A connection for a search's few SELECTs. PostgreSQL runs them in autocommit: under READ
    COMMITTED each statement takes its own snapshot anyway, so BEGIN and ROLLBACK were two round
    trips that bought nothing. SQLite keeps store.db's own BEGIN handling (no round trips there)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def find_customers(engine: Engine, query: str, *, region: str, limit: int = 20) -> SearchResult:
    """Everyone `query` may mean (a number in any format, a partial number, a name with typos, an
    e-mail, an account, a card's last 4 after a name, a ticket number), strongest first."""
    text = clean_line(query)[:MAX_QUERY]
    if not text.strip(" .,;:-_'\"/\\|()[]{}"):
        return SearchResult([], "Type a name, a phone number, an e-mail, an account or a ticket number.")
    with _reading(engine) as connection:
        hits, hint = _search(connection, text, region, max(1, limit))
        matches = matches_for(connection, best_hits(hits, max(1, limit)))
    return SearchResult(matches, "" if matches else hint)


def find_by_phone(engine: Engine, number: str, *, region: str) -> list[Match]:
    """Who owns this caller number: exact E.164, then the same national number (no suffix guessing)."""
    with _reading(engine) as connection:
        hits = phone_hits(connection, clean_line(number)[:MAX_QUERY], region, suffix=False)
        return matches_for(connection, best_hits(hits, 50))


def find_by_email(engine: Engine, address: str) -> list[Match]:
    """Who writes from this address (chat pop)."""
    with _reading(engine) as connection:
        return matches_for(connection, best_hits(email_hits(connection, clean_line(address)[:254]), 50))
