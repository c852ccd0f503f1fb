"""SLA targets from TOML, counted in business hours; a wrong file is named by line and key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.sla import BUILT_IN, SlaError, load_sla


def test_the_clock_stops_out_of_hours_and_at_the_weekend() -> None:
    sla = load_sla(BUILT_IN)  # Europe/Rome, 08:00-18:00, Monday to Friday
    friday_5pm_rome = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert sla.add_business(friday_5pm_rome, timedelta(hours=4)) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert sla.add_business(saturday, timedelta(hours=1)) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_category_overrides_one_target_of_its_priority() -> None:
    sla = load_sla(BUILT_IN)
    complaint = sla.targets_for("normal", "complaint")
    assert complaint.first_response == timedelta(hours=4)
    assert complaint.resolution == sla.targets["normal"].resolution
    assert sla.targets_for("normal", "billing") == sla.targets["normal"]


def test_the_next_deadline_is_the_first_response_then_the_resolution() -> None:
    sla = load_sla(BUILT_IN)
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    first = sla.next_due(
        priority="urgent", category="", created_at=opened, first_response_at=None, resolved=False
    )
    then = sla.next_due(
        priority="urgent", category="", created_at=opened, first_response_at=opened, resolved=False
    )
    assert first == opened + timedelta(hours=1) and then == opened + timedelta(hours=8)
    assert (
        sla.next_due(
            priority="urgent", category="", created_at=opened, first_response_at=opened, resolved=True
        )
        is None
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('resolution = "8h"', 'resolution = "8 hours"'), r"line 31\b.*key 'targets.urgent.resolution'"),
        (('timezone = "Europe/Rome"', 'timezone = "Mars/Olympus"'), r"line 12\b.*key 'hours.timezone'"),
        (('end = "18:00"', 'end = "07:00"'), r"key 'hours.end'"),
        (("[targets.urgent]", "[targets.urgentt]"), r"key 'targets.urgent'"),
        (('start = "08:00"', "start = 08:00"), r"not valid TOML.*line 13"),
    ],
)
def test_mistakes_name_the_line_and_the_key(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(BUILT_IN.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(SlaError, match=message):
        load_sla(path)


def test_the_environment_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(
        BUILT_IN.read_text(encoding="utf-8").replace('first_response = "1h"', 'first_response = "3h"')
    )
    monkeypatch.setenv("CALLPOP_SLA_FILE", str(path))
    assert load_sla().targets["urgent"].first_response == timedelta(hours=3)
