"""Open311 input: the POST form and GET filters; every problem is an Open311Error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.web.open311.errors import Open311Error
from gridops.web.open311.models import AttributeValue, Open311Attribute, Open311ServiceDefinition
from gridops.web.open311.params import (
    RequestQuery,
    check_attributes,
    check_draft,
    parse_request_form,
    parse_request_query,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
BASE = {"api_key": "gok_x", "service_code": "01-03", "lat": "31.2", "long": "121.5"}
DEFINITION = Open311ServiceDefinition(
    "01-03",
    (
        Open311Attribute(
            "kind",
            "singlevaluelist",
            "类型",
            required=True,
            values=(AttributeValue("hole", "坑洞"), AttributeValue("crack", "裂缝")),
        ),
        Open311Attribute(
            "sides",
            "multivaluelist",
            "位置",
            order=2,
            values=(AttributeValue("n", "北"), AttributeValue("s", "南")),
        ),
        Open311Attribute("depth", "number", "深度", order=3),
        Open311Attribute("seen", "datetime", "发现时间", order=4),
    ),
)


def error(code: int, func: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(Open311Error) as caught:
        func(*args, **kwargs)
    assert caught.value.code == code
    return caught.value.description


def test_full_form_parses() -> None:
    items = [
        *BASE.items(),
        ("attribute[kind]", "hole"),
        ("attribute[sides][]", "n"),
        ("attribute[sides][]", "s"),
        ("email", "li@example.com"),
        ("phone", "+86 138 1234 5678"),
        ("first_name", "雷"),
        ("description", "  人行道破损  "),
        ("media_url", "https://img.example.com/a.jpg"),
        ("format", "json"),  # unknown fields are ignored
    ]
    draft = parse_request_form(items)
    assert draft.lat == 31.2 and draft.long == 121.5 and draft.has_point
    assert draft.attributes == {"kind": ("hole",), "sides": ("n", "s")}
    assert draft.description == "人行道破损" and draft.first_name == "雷"
    assert "gok_x" not in repr(draft)
    checked = check_draft(draft, {"01-03": DEFINITION})
    assert checked.attributes == {"kind": ("hole",), "sides": ("n", "s")}


def test_mapping_input_and_address_only() -> None:
    draft = parse_request_form(
        {"api_key": "k", "service_code": "01", "address_string": "锦绣路 1 号"}
    )
    assert draft.address_string == "锦绣路 1 号" and not draft.has_point


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"api_key": ""}, 403, "api_key is required"),
        ({"service_code": ""}, 400, "service_code is required"),
        ({"long": ""}, 400, "lat and long must be given together"),
        ({"lat": "", "long": ""}, 400, "a location is required"),
        ({"lat": "north"}, 400, "lat 'north' is not a number"),
        ({"lat": "91"}, 400, "lat '91' is outside"),
        ({"long": "nan"}, 400, "long 'nan'"),
        ({"email": "not-mail"}, 400, "email 'not-mail'"),
        ({"phone": "call me"}, 400, "phone 'call me'"),
        ({"media_url": "ftp://x"}, 400, "media_url 'ftp://x'"),
        ({"description": "x" * 4001}, 400, "description is 4001 characters long; at most 4000"),
        ({"description": "a\x00b"}, 400, "description contains control character U+0000"),
        ({"jurisdiction_id": "other.gov"}, 404, "jurisdiction_id 'other.gov' not found"),
    ],
)
def test_form_problems_name_field_and_value(change: dict[str, str], code: int, words: str) -> None:
    form = BASE | change
    assert words in error(code, parse_request_form, form, jurisdiction_id="pudong.gov.cn")


def test_description_of_exactly_4000_is_accepted() -> None:
    assert len(parse_request_form(BASE | {"description": "字" * 4000}).description or "") == 4000


def test_repeated_scalar_is_refused() -> None:
    assert "service_code is given 2 times" in error(
        400, parse_request_form, [*BASE.items(), ("service_code", "02")]
    )


@pytest.mark.parametrize(
    ("answers", "words"),
    [
        ({}, "attribute[kind] is required"),
        ({"kind": ("tree",)}, "attribute[kind] 'tree' is not one of ['crack', 'hole']"),
        ({"kind": ("hole", "crack")}, "attribute[kind] takes one value, got 2"),
        ({"kind": ("hole",), "sides": ("w",)}, "attribute[sides] 'w'"),
        ({"kind": ("hole",), "depth": ("deep",)}, "attribute[depth] 'deep' is not a number"),
        ({"kind": ("hole",), "seen": ("yesterday",)}, "attribute[seen] 'yesterday'"),
        ({"kind": ("hole",), "colour": ("red",)}, "attribute[colour] is not an attribute"),
    ],
)
def test_attribute_problems(answers: dict[str, tuple[str, ...]], words: str) -> None:
    assert words in error(400, check_attributes, answers, DEFINITION)


def test_unknown_service_on_post_is_400() -> None:
    draft = parse_request_form(BASE | {"service_code": "99"})
    assert "service_code '99' is not a service here" in error(400, check_draft, draft, {})


def test_query_defaults_are_last_90_days() -> None:
    q = parse_request_query({}, now=NOW)
    assert q == RequestQuery(start=NOW - timedelta(days=90), end=NOW)
    assert q.page_size == 1000 and q.offset == 0 and not q.extensions


def test_query_ids_override_other_filters() -> None:
    q = parse_request_query(
        {"service_request_id": "E1, E2,E1", "status": "bogus", "page_size": "10", "page": "3"},
        now=NOW,
    )
    assert q.service_request_ids == ("E1", "E2") and q.start is None and not q.statuses
    assert q.offset == 20


def test_query_filters() -> None:
    q = parse_request_query(
        [
            ("service_code", "01-03,02-01"),
            ("status", "open,closed"),
            ("start_date", "2026-10-01T00:00:00+08:00"),
            ("end_date", "2026-11-01T00:00:00Z"),
            ("extensions", "true"),
            ("updated_after", "2026-10-02"),
        ],
        now=NOW,
    )
    assert q.service_codes == ("01-03", "02-01") and q.statuses == {"open", "closed"}
    assert q.start == datetime(2026, 9, 30, 16, tzinfo=UTC) and q.extensions
    assert q.updated_after == datetime(2026, 10, 2, tzinfo=UTC)
    repeated = parse_request_query([("status", "open"), ("status", "closed")], now=NOW)
    assert repeated.statuses == {"open", "closed"}
    only_start = parse_request_query({"start_date": "2026-01-01T00:00:00Z"}, now=NOW)
    assert only_start.end == datetime(2026, 4, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "before"),
        ({"start_date": "2026-01-01T00:00:00"}, "needs a zone offset"),
        ({"end_date": "soon"}, "end_date 'soon' is not an ISO 8601"),
        ({"end_date": "0001-01-01T00:00:00Z"}, "out of range"),
        ({"end_date": "9999-12-31T23:59:59-14:00"}, "end_date '9999-12-31T23:59:59-14:00' is out"),
        ({"start_date": "0001-01-01T00:00:00+14:00"}, "start_date '0001-01-01T00:00:00+14:00' is"),
        ({"start_date": "1969-12-31"}, "start_date '1969-12-31' is out of range; give a time"),
        ({"updated_after": "9999-12-31T23:59:59-14:00"}, "updated_after '9999-12-31T23:59:59-1"),
        ({"updated_before": "0001-01-01"}, "updated_before '0001-01-01' is out of range"),
        ({"status": "open,fixed"}, "status 'fixed' must be open or closed"),
        ({"page": "0"}, "page '0' must be a whole number"),
        ({"page_size": "1001"}, "page_size '1001'"),
        ({"extensions": "yes"}, "extensions 'yes' must be true or false"),
    ],
)
def test_query_problems(query: dict[str, str], words: str) -> None:
    assert words in error(400, parse_request_query, query, now=NOW)


form_keys = st.sampled_from(
    [
        *BASE,
        "attribute[kind]",
        "attribute[x][]",
        "email",
        "phone",
        "description",
        "media_url",
        "jurisdiction_id",
        "address_string",
        "address_id",
        "attribute[",
        "junk",
    ]
)
any_value = st.text(max_size=60) | st.integers() | st.none() | st.binary(max_size=5)


@given(st.lists(st.tuples(form_keys | st.text(max_size=10), any_value), max_size=12))
def test_form_parsing_raises_only_open311_errors(items: list[tuple[str, object]]) -> None:
    try:
        draft = parse_request_form(items, jurisdiction_id="pudong")
        check_draft(draft, {"01-03": DEFINITION})
    except Open311Error as e:
        assert e.code in (400, 403, 404) and e.description


query_keys = st.sampled_from(
    [
        "service_request_id",
        "service_code",
        "start_date",
        "end_date",
        "status",
        "page",
        "page_size",
        "extensions",
        "updated_after",
        "updated_before",
    ]
)
query_values = (
    st.text(max_size=30)
    | st.datetimes(timezones=st.sampled_from([UTC, None])).map(lambda d: d.isoformat())
    | st.dates().map(str)
    | st.integers(-5, 2000).map(str)
)


@given(st.lists(st.tuples(query_keys, query_values), max_size=8))
def test_query_parsing_raises_only_open311_errors(items: list[tuple[str, str]]) -> None:
    try:
        q = parse_request_query(items, now=NOW)
    except Open311Error as e:
        assert e.code == 400 and e.description
    else:
        assert 1 <= q.page_size <= 1000
        if q.start is not None and q.end is not None:
            assert timedelta(0) <= q.end - q.start <= timedelta(days=90)
