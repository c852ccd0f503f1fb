"""Phone numbers that are valid for their country (checked with `phonenumbers`), in E.164.

Each country has mobile and landline number plans written as a prefix plus how many random
digits follow; a drawn number that the metadata rejects is simply drawn again.
"""

from __future__ import annotations

import random

import phonenumbers

# country -> (calling code, mobile plans, landline plans); a plan is (prefixes, digits that follow).
_PLANS: dict[
    str, tuple[int, tuple[tuple[tuple[str, ...], int], ...], tuple[tuple[tuple[str, ...], int], ...]]
] = {
    "IT": (
        39,
        (
            (
                (
                    "320",
                    "324",
                    "327",
                    "328",
                    "329",
                    "330",
                    "331",
                    "333",
                    "334",
                    "335",
                    "338",
                    "339",
                    "340",
                    "345",
                    "346",
                    "347",
                    "348",
                    "349",
                    "351",
                    "366",
                    "388",
                    "392",
                    "393",
                ),
                7,
            ),
        ),
        ((("06", "02"), 8), (("011", "081", "055", "051", "041", "010", "091"), 7)),
    ),
    "ES": (34, ((("6",), 8), (("71", "72", "73"), 7)), ((("91", "93", "96"), 7), (("954", "985"), 6))),
    "BR": (
        55,
        ((("119", "219", "319", "419", "519", "619", "719", "819", "859"), 8),),
        ((("113", "213", "313", "413", "513", "613"), 7),),
    ),
    "PT": (351, ((("91", "92", "93", "96"), 7),), ((("21", "22"), 7), (("239", "253"), 6))),
    "US": (
        1,
        ((("212", "213", "312", "415", "617", "206", "305", "512", "702", "303", "404", "646", "718"), 7),),
        ((("212", "312", "415", "617", "202", "215", "614", "919"), 7),),
    ),
    "GB": (
        44,
        ((("74", "75", "77", "78", "79"), 8),),
        ((("207", "208"), 7), (("161", "131", "121", "113"), 7)),
    ),
    "DE": (
        49,
        ((("151", "152", "157", "160", "162", "170", "171", "172", "173", "175", "176", "177", "178"), 8),),
        ((("30", "89", "40", "69"), 8), (("221", "211", "711"), 7)),
    ),
}
_MAX_TRIES = 50


def random_phone(rng: random.Random, country: str, *, mobile: bool) -> str:
    """A random valid number of `country` in E.164, a mobile or a landline one."""
    code, mobiles, landlines = _PLANS[country]
    plans = mobiles if mobile else landlines
    for _ in range(_MAX_TRIES):
        prefixes, digits = rng.choice(plans)
        national = (
            rng.choice(prefixes) + str(rng.randint(2, 9)) + "".join(rng.choices("0123456789", k=digits - 1))
        )
        # Built directly rather than parsed (twice as fast); Italy keeps its landlines' leading zero.
        number = phonenumbers.PhoneNumber(
            country_code=code, national_number=int(national), italian_leading_zero=national[0] == "0" or None
        )
        if phonenumbers.is_valid_number_for_region(number, country):
            return f"+{code}{national}"
    raise RuntimeError(f"no valid {country} number after {_MAX_TRIES} draws: fix its plan")
