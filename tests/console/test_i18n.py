"""The catalogue: every label in 中文 and English, every status named, every key a template
uses present, and the language choice (query, then cookie, then 中文)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from gridops.tickets.model import Status
from gridops.web.console.i18n import CATALOGUE, DEFAULT, pick_lang, translator
from gridops.web.console.pages import HERE


def test_every_entry_has_both_languages() -> None:
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), key
    assert all(f"status.{s.value}" in CATALOGUE for s in Status)


def test_every_key_the_templates_use_is_in_the_catalogue() -> None:
    used = set()
    for template in (HERE / "templates").glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_.0-9]+)'", template.read_text()))
    prefixes = {k for k in used if k.endswith(".")}  # t('status.' ~ value)
    assert used and not used - prefixes - set(CATALOGUE)
    assert all(any(key.startswith(p) for key in CATALOGUE) for p in prefixes)


@given(st.sampled_from([None, "zh", "en", "fr", ""]), st.sampled_from([None, "zh", "en", "x"]))
def test_query_wins_then_cookie_then_chinese(query: str | None, cookie: str | None) -> None:
    expected = next((v for v in (query, cookie) if v in ("zh", "en")), DEFAULT)
    assert pick_lang(query, cookie) == expected


def test_unknown_keys_show_themselves_and_formatting_works() -> None:
    zh, en = translator("zh"), translator("en")
    assert zh("no.such.key") == "no.such.key"
    assert en("min_n_note", n=30) == "No grade below n = 30" and "30" in zh("min_n_note", n=30)


def test_every_workflow_action_has_a_timeline_label_in_both_languages() -> None:
    from gridops.tickets.workflow import TABLE
    from gridops.web.console.i18n import EVENT_LABELS

    assert set(TABLE) | {"report"} <= set(EVENT_LABELS)
    for zh, en in EVENT_LABELS.values():
        assert zh and en and zh != en


def test_english_counts_read_right_for_one_and_for_many() -> None:
    """No "1 open ticket(s)": an English message with a count reads right whatever the count
    ("label: n", as "areas with data: n" does); the Chinese needs no plural."""
    en = translator("en")
    assert [k for k, (_, e) in CATALOGUE.items() if re.search(r"\w\((s|es)\)", e)] == []
    for key in ("announce_new", "announce_urgent", "confirm.bulk_void"):
        for n in (1, 2):
            said = en(key, n=n)
            assert str(n) in said and not re.search(r"\b1 (\w+ )?\w+s\b", said), said
    for n in (1, 3):
        said = en("hotline.repeats", count=n)
        assert str(n) in said and "(s)" not in said, said
    assert translator("zh")("announce_new", n=1) == "新到案件 1 件"
