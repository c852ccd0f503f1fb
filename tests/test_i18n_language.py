"""Which language the console speaks, and the store's texts per language: the operator row, the
seat's locale, the setting; outcome labels and offer titles and scripts with a marked fallback."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from screens.i18n import choose_language
from store.db import write_session
from store.languages import (
    best_match,
    normalise_language,
    operator_language,
    pick_text,
    save_operator_language,
)
from store.models import Operator
from store.offers import rank_offers
from store.offers.catalogue import CatalogueError, parse_catalogue
from store.wrapup.config import OutcomesError, label_in, load_outcomes, parse_outcomes
from tests.factories import make_customer
from tests.test_offers_rules import load_offers, offer_toml


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("it_IT.UTF-8", "it_IT"), ("pt-br", "pt_BR"), ("de_DE@euro", "de_DE"), ("C.UTF-8", None),
     ("POSIX", None), ("", None), (None, None), ("klingon", None), ("es", "es")],
)  # fmt: skip
def test_language_tags_are_spelled_one_way(tag: str | None, expected: str | None) -> None:
    assert normalise_language(tag) == expected


def test_a_wish_is_served_by_itself_its_base_or_a_sibling() -> None:
    available = ["it", "es", "pt_PT", "pt_BR", "de"]
    assert best_match("it_CH", available) == "it"
    assert best_match("pt_BR", available) == "pt_BR"
    assert best_match("pt", available) == "pt_PT"
    assert best_match("de_AT", available) == "de"
    assert best_match("fr_FR", available) is None


@pytest.mark.parametrize(
    ("operator", "environ", "setting", "expected"),
    [
        ("pt_BR", {"LANG": "it_IT.UTF-8"}, "es", "pt_BR"),
        (None, {"LANG": "it_IT.UTF-8"}, "es", "it"),
        (None, {"LC_ALL": "de_DE.UTF-8", "LANG": "it_IT.UTF-8"}, "", "de"),
        (None, {"LC_ALL": "C.UTF-8", "LANG": "it_IT.UTF-8"}, "es", "es"),
        (None, {"LANG": "fr_FR.UTF-8"}, "pt-PT", "pt_PT"),
        ("fr", {}, "", "en"),
        (None, {}, "", "en"),
    ],
)
def test_the_console_language_at_start(
    operator: str | None, environ: dict[str, str], setting: str, expected: str
) -> None:
    """Regression: the order of the sources is the issue's. You should see the operator row win,
    then the seat's locale (LC_ALL over LANG, the C locale saying nothing), then
    CALLPOP_LANGUAGE, then English; a language without a catalogue is passed over."""
    assert choose_language(operator, environ, setting) == expected


def test_the_operator_language_is_saved_and_read(engine: Engine) -> None:
    with write_session(engine) as session:
        session.add(Operator(username="ana", display_name="Ana", extension="101"))
    assert operator_language(engine, "ana") is None
    assert save_operator_language(engine, "ana", "es") is True
    assert operator_language(engine, "ana") == "es"
    assert save_operator_language(engine, "nobody", "es") is False
    assert operator_language(engine, "nobody") is None


def test_pick_text_marks_the_default_as_a_fallback() -> None:
    texts = {"it": "Ciao", "pt_BR": "Oi"}
    assert pick_text("Hello", texts, "pt", "it").text == "Oi"
    assert pick_text("Hello", texts, "de", "it").text == "Ciao"
    fallback = pick_text("Hello", texts, "de")
    assert (fallback.text, fallback.fallback) == ("Hello", True)
    assert pick_text("Hello", texts, "en_GB").fallback is False


def test_built_in_outcomes_have_every_console_language() -> None:
    config = load_outcomes()
    for entry in (*config.reasons, *config.outcomes):
        for language in ("it", "es", "pt_PT", "pt_BR", "de"):
            localised = label_in(entry, language)
            assert not localised.fallback and localised.text != entry.label, (entry.key, language)
    assert label_in(config.reason("billing"), "it").text == "Fatturazione"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("labels", "problem"),
    [
        ('{ xx_YY = "?" }', "'xx_YY' is not a language tag"),
        ('{ it = "" }', "it must be non-empty text"),
        (f'{{ it = "{"x" * 61}" }}', "limit is 60"),
        ('"Fatturazione"', "must be a table of language = text"),
        ('{ pt-BR = "a", pt_BR = "b" }', "language 'pt_BR' appears twice"),
    ],
)
def test_bad_outcome_labels_are_one_clear_line(labels: str, problem: str) -> None:
    import tomllib

    reason = f'[[reasons]]\nkey = "billing"\nlabel = "Billing"\nlabels = {labels}\n'
    text = reason + '[[outcomes]]\nkey = "ok"\nlabel = "OK"\n'
    with pytest.raises(OutcomesError, match="reason 'billing' labels") as error:
        parse_outcomes(tomllib.loads(text))
    assert problem in str(error.value)


def test_offer_translations_reach_the_suggestion(engine: Engine) -> None:
    """Regression: a catalogue's Italian script never reached the console. You should see the
    customer's language first, the operator's next, and the English default marked."""
    extra = '[offer.translations.it]\ntitle = "Offerta A"\nscript = "Dica le parole."\n'
    extra += '[offer.translations.pt-BR]\nscript = "Diga as palavras."\n'
    load_offers(engine, offer_toml("A", extra=extra))
    customer = make_customer(engine, consent_voice=True)
    assert customer.id is not None
    (suggestion,) = rank_offers(engine, customer.id)
    assert suggestion.script_in("pt", "it").text == "Diga as palavras."
    assert suggestion.script_in("de", "it").text == "Dica le parole."
    assert suggestion.title_in("pt_BR").fallback is True
    assert suggestion.title_in("it").text == "Offerta A"


def test_bad_offer_translations_are_listed() -> None:
    text = (
        '[[offer]]\ncode = "A"\ntitle = "T"\nscript = "S"\nservice = "x"\nvalue = 1.0\n'
        '[offer.translations.it]\ntitel = "x"\n[offer.translations.zz-QQ]\ntitle = "y"\n'
    )
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(text)
    assert error.value.problems == [
        "line 1: offer 'A': translations.it: unknown key 'titel'",
        "line 1: offer 'A': translations.zz-QQ: 'zz-QQ' is not a language tag (use it, es, pt_BR, de ...)",
    ]


def test_labels_may_be_written_as_a_sub_table() -> None:
    """The `[reasons.labels]` header form is the same table as the inline `labels = {...}`."""
    import tomllib

    text = '[[reasons]]\nkey = "billing"\nlabel = "Billing"\n[reasons.labels]\nit = "Fatturazione"\n'
    text += '[[outcomes]]\nkey = "ok"\nlabel = "OK"\n'
    (reason,) = parse_outcomes(tomllib.loads(text)).reasons
    assert label_in(reason, "it_IT").text == "Fatturazione"


def test_hostile_translations_are_cleaned(hostile: str) -> None:
    """Regression: a translated script is business text like the default one. You should see
    control characters and escape sequences stripped from every language's title and script,
    exactly as from the default ones, whatever the attack string."""
    import tomli_w

    from store.sanitize import clean_line, clean_text

    offer = {"code": "A", "title": "T", "script": "S", "service": "x", "value": 1.0}
    offer["translations"] = {"it": {"title": hostile[:120], "script": hostile[:2000]}}
    text = tomli_w.dumps({"offer": [offer]})
    (spec,) = parse_catalogue(text).offers
    texts = spec.translations.get("it", {})
    assert texts.get("title", "") == clean_line(hostile[:120])
    assert texts.get("script", "") == clean_text(hostile[:2000]).strip()
    assert not any(ch in "".join(texts.values()) for ch in "\x1b\x07\x00\x9b")
