"""`import_file` for customers on both databases: messy files, upserts, resume, hostile text."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import store.imports as imports
from store.db import BULK_CACHE_MB
from store.imports import ImportOptions, SourceError, import_file
from store.imports.customers import HEADER
from store.models import Address, AuditRecord, Customer, Email, Phone, Role
from store.policy import Actor, Forbidden
from store.sanitize import clean_line
from store.search import find_customers
from tests.conftest import load_hostile_strings
from tests.factories import opened_audit

ADMIN = Actor("ada", Role.ADMIN)
GOOD = {
    "external_id": "E1",
    "given_name": "Maria",
    "family_name": "Rossi",
    "birth_date": "1980-02-03",
    "email": "Maria.Rossi@Example.com",
    "phones": "+39 347 123 4567; 06 1234 5678",
    "street": "Via Roma 1",
    "city": "Roma",
    "postal_code": "00100",
    "country": "IT",
}


def write_csv(path: Path, rows: list[dict[str, str]], header: tuple[str, ...] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def person(n: int, **changes: str) -> dict[str, str]:
    row = dict(GOOD, external_id=f"E{n}", given_name=f"Given{n}", email=f"p{n}@example.com")
    row["phones"] = f"+39 347 {n:07d}"
    return {**row, **changes}


def run(engine: Engine, path: Path, **options: object) -> tuple[imports.ImportReport, dict[int, str]]:
    bad: dict[int, str] = {}
    report = import_file(
        engine,
        ImportOptions(kind="customers", path=path, **options),  # type: ignore[arg-type]
        actor=ADMIN,
        on_reject=bad.__setitem__,
    )
    return report, bad


def count(engine: Engine, model: object) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(model)) or 0  # type: ignore[arg-type]


MESSY = [
    person(1),
    person(2, phones="+39 12"),  # line 3: too short
    person(3, birth_date="2023-02-30"),  # line 4: no such day
    person(4, given_name="", family_name=""),  # line 5: no name
    person(1, given_name="Again"),  # line 6: duplicate id
    person(6, given_name="Ma\x1b]52;c;ZXZpbA==\x07ria\u202e"),  # line 7: cleaned, kept
    person(7, given_name='=HYPERLINK("http://x")', family_name="+1-2", street="@SUM(A1)"),  # line 8: kept
    person(8, street="x" * 10_000),  # line 9: too long
    person(9, country="XX"),  # line 10: unknown country
    person(10, email="not-an-address"),  # line 11
    person(11, birth_date="2999-01-01"),  # line 12: future
]


def test_a_messy_file_names_every_bad_row_and_loses_nothing_valid(engine: Engine, tmp_path: Path) -> None:
    """Regression: bad phones, impossible dates, missing names, duplicate ids, control characters,
    formula cells and 10,000-character fields. You should see one reason per bad line (its real line
    number) and every valid row imported, cleaned, formulas kept as text."""
    path = write_csv(tmp_path / "messy.csv", MESSY)
    rejects = tmp_path / "rejects.csv"

    report, bad = run(engine, path, skip_bad=True, rejects=rejects)

    assert sorted(bad) == [3, 4, 5, 6, 9, 10, 11, 12]
    assert "too short" in bad[3] and "2023-02-30" in bad[4] and "name" in bad[5]
    assert "duplicate external_id 'E1'" in bad[6] and "line 2" in bad[6]
    assert (
        "10,000 characters" in bad[9] and "XX" in bad[10] and "e-mail" in bad[11] and "impossible" in bad[12]
    )
    assert (report.tally.new, report.tally.rejected) == (3, 8)
    with engine.connect() as connection:
        names = dict(connection.execute(sa.select(Customer.external_id, Customer.given_name)).all())
        street = connection.scalar(
            sa.select(Address.line1).join(Customer).where(Customer.external_id == "E7")
        )
    assert names == {"E1": "Given1", "E6": "Maria", "E7": '=HYPERLINK("http://x")'}
    assert street == "@SUM(A1)"
    assert rejects.stat().st_mode & 0o777 == 0o600
    lines = [row["line"] for row in csv.DictReader(rejects.open(encoding="utf-8"))]
    assert lines == ["3", "4", "5", "6", "9", "10", "11", "12"]


def test_without_skip_bad_one_bad_row_imports_nothing(engine: Engine, tmp_path: Path) -> None:
    """Regression: the import is atomic. You should see every bad row reported and no customer stored."""
    report, bad = run(engine, write_csv(tmp_path / "messy.csv", MESSY))

    assert not report.applied and len(bad) == 8
    assert count(engine, Customer) == 0


def test_a_dry_run_reports_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    report, bad = run(engine, write_csv(tmp_path / "messy.csv", MESSY), dry_run=True)

    assert not report.applied and sorted(bad) == [3, 4, 5, 6, 9, 10, 11, 12]
    assert count(engine, Customer) == 0


def test_a_wrong_header_is_refused_by_name(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [{**GOOD, "vat": "1"}], header=(*HEADER, "vat"))
    with pytest.raises(SourceError, match="unknown columns: 'vat'"):
        run(engine, path)
    missing = write_csv(
        tmp_path / "m.csv",
        [{k: v for k, v in GOOD.items() if k != "phones"}],
        header=tuple(h for h in HEADER if h != "phones"),
    )
    with pytest.raises(SourceError, match="missing columns: phones"):
        run(engine, missing)
    assert count(engine, Customer) == 0


def test_upsert_twice_is_idempotent_and_a_change_updates(engine: Engine, tmp_path: Path) -> None:
    """Regression: a nightly feed must update, never duplicate. You should see the second run count
    every row unchanged, and a changed name counted as updated, version bumped, audited, searchable."""
    rows = [person(n) for n in range(1, 6)]
    path = write_csv(tmp_path / "feed.csv", rows)
    first, _ = run(engine, path)
    second, _ = run(engine, path)

    assert (first.tally.new, second.tally.unchanged, second.tally.new) == (5, 5, 0)
    assert (count(engine, Customer), count(engine, Phone), count(engine, Email)) == (5, 5, 5)

    rows[2] = person(3, family_name="Bianchi", phones="+39 347 0000003;+39 06 1234 5678")
    third, _ = run(engine, write_csv(tmp_path / "feed2.csv", rows))

    assert (third.tally.updated, third.tally.unchanged) == (1, 4)
    with engine.connect() as connection:
        version = connection.scalar(sa.select(Customer.version).where(Customer.external_id == "E3"))
    logged = opened_audit(engine, AuditRecord.actor == "ada")
    rows = [(row.action, row.customer_id, row.detail) for row in logged]
    e3_id = find_customers(engine, "bianchi", region="IT").matches[0].customer_id
    edits = [json.loads(detail)["fields"] for action, cid, detail in rows if cid == e3_id]
    assert version == 2 and len(edits) == 1 and {"customer.family_name", "phone.e164"} <= set(edits[0])
    assert "Bianchi" not in "".join(detail for _, _, detail in rows)  # field names, never values
    assert [action for action, cid, _ in rows if cid is None] == ["customer.import"] * 3
    assert count(engine, Phone) == 6
    assert [m.external_id for m in find_customers(engine, "bianchi", region="IT").matches] == ["E3"]
    assert "E3" in [m.external_id for m in find_customers(engine, "06 1234 5678", region="IT").matches]


def interrupt_after_first_chunk(engine: Engine, path: Path) -> None:
    """ctrl+c while `path` is imported, once its first chunk is staged and committed."""
    calls = []

    def interrupt(phase: str, done: int, total: int) -> None:
        calls.append(phase)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(
            engine,
            ImportOptions(kind="customers", path=path),
            actor=ADMIN,
            on_reject=lambda *_: None,
            progress=interrupt,
        )


def test_an_interrupted_import_resumes_after_its_last_chunk(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: ctrl+c in the middle of a big file. You should see the second run resume after
    the committed chunks and every row imported exactly once."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 4)
    path = write_csv(tmp_path / "big.csv", [person(n) for n in range(1, 15)])
    interrupt_after_first_chunk(engine, path)
    assert count(engine, Customer) == 0  # nothing applied yet: the apply step is all or nothing

    report, _ = run(engine, path)

    assert report.resumed_after_line == 5  # the first chunk (lines 2-5) was committed
    assert (report.tally.new, count(engine, Customer)) == (14, 14)


def test_a_first_load_keeps_another_runs_staged_rows_and_every_lookup_index(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first load into an empty base indexes phones and e-mails after its bulk insert and
    clears its staged rows at once; an interrupted import of another file, waiting to resume,
    must lose none of its staged rows to that, and the indexes must all be back."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 4)
    waiting = write_csv(tmp_path / "waiting.csv", [person(n) for n in range(100, 110)])
    interrupt_after_first_chunk(engine, waiting)
    report, bad = run(engine, write_csv(tmp_path / "first.csv", [person(n) for n in range(1, 30)]))
    assert bad == {} and report.tally.new == 29

    resumed, _ = run(engine, waiting)

    assert (resumed.resumed_after_line, resumed.tally.new) == (5, 10)
    assert count(engine, Customer) == 39
    indexed = {
        table: {ix["name"] for ix in sa.inspect(engine).get_indexes(table)} for table in ("phone", "email")
    }
    assert {"ix_phone_e164"} <= indexed["phone"] and {"ix_email_address"} <= indexed["email"]
    assert [m.external_id for m in find_customers(engine, "+39 347 0000104", region="IT").matches] == ["E104"]
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM importstaged")) == 0


def test_json_lines_and_a_mapping(engine: Engine, tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\nid = "external_id"\nfirst = "given_name"\nmarketing_mail = "consent_email"\n'
        'ignored = ""\n'
    )
    path = tmp_path / "feed.jsonl"
    records = [
        {
            "id": "J1",
            "first": "Ana",
            "family_name": "Lopes",
            "phones": ["+55 11 91234-5678"],
            "marketing_mail": "yes",
            "ignored": {"any": "thing"},
            "country": "BR",
        },
        {"id": "J2", "first": "Bo", "family_name": "", "unknown": 1},
        "not an object",
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n{broken\n", encoding="utf-8")

    report, bad = run(
        engine, path, mapping=imports.read_mapping(mapping), skip_bad=True, rejects=tmp_path / "r.csv"
    )

    assert report.tally.new == 1 and sorted(bad) == [2, 3, 4]
    assert "unknown" in bad[2] and "not a JSON object" in bad[3] and "not valid JSON" in bad[4]
    with engine.connect() as connection:
        row = connection.execute(sa.select(Customer.given_name, Customer.consent_email)).one()
    assert tuple(row) == ("Ana", True)


def test_hostile_strings_in_every_column(engine: Engine, tmp_path: Path) -> None:
    """Regression: customer data is hostile. You should see every hostile value either imported as
    plain cleaned text (no control characters stored) or rejected with a reason, never a crash."""
    hostile = [entry["value"] for entry in load_hostile_strings()]
    rows = []
    for n, value in enumerate(hostile):
        for column in (
            "given_name",
            "family_name",
            "street",
            "city",
            "postal_code",
            "email",
            "phones",
            "country",
        ):
            rows.append(person(1000 + n * 10 + len(rows), **{column: value}))
    report, bad = run(
        engine, write_csv(tmp_path / "hostile.csv", rows), skip_bad=True, rejects=tmp_path / "r.csv"
    )

    assert report.tally.new + report.tally.rejected == len(rows) and report.tally.new > 0
    assert all(reason for reason in bad.values())
    with engine.connect() as connection:
        stored = connection.execute(sa.select(Customer.given_name, Customer.family_name)).all()
        places = connection.execute(sa.select(Address.line1, Address.city, Address.postcode)).all()
    for value in [v for row in stored + places for v in row]:
        assert value == clean_line(value)


def test_an_operator_may_not_import(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(Forbidden, match="customer.import"):
        import_file(
            engine,
            ImportOptions(kind="customers", path=write_csv(tmp_path / "a.csv", [GOOD])),
            actor=Actor("op", Role.OPERATOR),
            on_reject=lambda *_: None,
        )


def test_a_bulk_load_rebuilds_the_index_in_bulk_and_every_row_is_found(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk path end to end (issue 12): 1,200 new customers, more than an in-transaction
    re-index takes, checked in worker processes, staged in chunks, applied with COPY on
    PostgreSQL, then the whole index rebuilt. You should see every customer found by name and by
    its number as written in the file."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 500)
    written = ["+39 347 {n:07d}", "347 {n:07d}", "+393470{n:06d}", "0039 347 {n:07d}"]
    rows = [
        person(n, family_name=f"Bulk{n}", phones=written[n % 4].format(n=n % 1_000_000))
        for n in range(1, 1201)
    ]
    report, bad = run(engine, write_csv(tmp_path / "bulk.csv", rows), workers=2)

    assert bad == {} and report.index_rebuilt and report.tally.new == 1200
    assert (count(engine, Customer), count(engine, Phone), count(engine, Email), count(engine, Address)) == (
        1200,
        1200,
        1200,
        1200,
    )
    for n in (1, 2, 3, 4, 777, 1200):
        assert [m.external_id for m in find_customers(engine, f"Bulk{n}", region="IT").matches][:1] == [
            f"E{n}"
        ]
        by_phone = find_customers(engine, f"347 {n:07d}", region="IT").matches
        assert [m.external_id for m in by_phone] == [f"E{n}"]


def test_a_sqlite_import_runs_with_the_bulk_page_cache_and_gives_it_back(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The large cache is what makes a 1,000,000-row load fit in memory; the pool must not keep
    it once the import is over (a console process imports nothing, but tests and tools share)."""

    def cache_size() -> int:
        with sqlite_engine.connect() as connection:
            return int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())

    seen: set[int] = set()
    path = write_csv(tmp_path / "in.csv", [GOOD, {**GOOD, "external_id": "E2", "email": "b@example.com"}])
    report = import_file(
        sqlite_engine,
        ImportOptions(kind="customers", path=path),
        actor=ADMIN,
        on_reject=lambda line, reason: None,
        progress=lambda phase, done, total: seen.add(cache_size()),
    )
    assert report.tally.new == 2
    assert seen == {-BULK_CACHE_MB * 1024}
    assert cache_size() == -2000
