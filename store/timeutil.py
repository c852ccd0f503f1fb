"""UTC-aware timestamps that round-trip on SQLite (which has no time zones) and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa


def years_between(start: date, today: date) -> int:
    """Whole years from `start` to `today` (an age, a tenure)."""
    return today.year - start.year - ((today.month, today.day) < (start.month, start.day))


def age_on(birth_date: date | None, today: date) -> int | None:
    """Age in years on `today`; None when the birth date is unknown."""
    return None if birth_date is None else years_between(birth_date, today)


def utcnow() -> datetime:
    """Now, in UTC, time-zone aware."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores a UTC instant; always hands back an aware `datetime` in UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use store.timeutil.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def date_of(value: date | datetime | str) -> date:
    """A DATE column's aggregate (max, min) as a date: PostgreSQL gives a date, SQLite at times the
    stored ISO text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])
