"""Request headers as a plain dict, and one-step answer header lookup, match HTTPHeaderDict."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

# -- request headers as a plain dict (transport/headers.py) ------------------------


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["User-Agent", "user-agent", "Accept", "ACCEPT", "X-A", "x-a", "Host"]),
            st.text(alphabet="abc ", max_size=5),
        ),
        max_size=6,
    )
)
def test_prepare_headers_sets_names_as_httpheaderdict_does(pairs: list[tuple[str, str]]) -> None:
    from jobadapter.transport.prepare import prepare_headers
    from urllib3._collections import HTTPHeaderDict

    given_headers = dict(pairs)
    expected = HTTPHeaderDict()
    expected["User-Agent"] = "ua"
    for name, value in given_headers.items():
        expected[name] = value
    expected["Accept-Encoding"] = "gzip"
    got = prepare_headers("ua", given_headers)
    assert type(got) is not HTTPHeaderDict
    assert {k.lower(): v for k, v in got.items()} == {k.lower(): v for k, v in expected.items()}
    assert len(got) == len(expected)  # one header per name, whatever its case


def test_request_headers_put_replace_and_drop_in_any_case() -> None:
    from jobadapter.transport.headers import RequestHeaders

    headers = RequestHeaders({"content-type": "text/plain"})
    headers.put_default("Content-Type", "application/json")
    assert headers == {"content-type": "text/plain"}
    headers.put("CONTENT-TYPE", "text/csv")
    assert headers == {"CONTENT-TYPE": "text/csv"}
    assert headers.get_any("Content-Type") == "text/csv"
    headers.drop("content-TYPE")
    assert headers == {}
    headers.drop("absent")


def test_request_headers_of_reads_a_one_pass_iterator_whole() -> None:
    from jobadapter.transport.headers import RequestHeaders

    pairs = iter([("Accept", "a"), ("X-Id", "7"), ("accept", "b")])
    assert RequestHeaders.of(pairs) == {"accept": "b", "X-Id": "7"}


# -- an answer's header looked up in one step (headers.py) --------------------------


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Retry-After", "retry-after", "RateLimit-Remaining", "X-A", "x-a"]),
            st.text(alphabet="0123 ,", max_size=4),
        ),
        max_size=6,
    ),
    st.sampled_from(["Retry-After", "RETRY-AFTER", "ratelimit-remaining", "X-A", "Absent"]),
)
def test_header_value_of_an_answer_is_the_first_value_in_any_case(
    pairs: list[tuple[str, str]], name: str
) -> None:
    from jobadapter.headers import header_value
    from urllib3._collections import HTTPHeaderDict

    answer = HTTPHeaderDict()
    for key, value in pairs:
        answer.add(key, value)
    walked = next((v for k, v in answer.iteritems() if k.lower() == name.lower()), None)
    assert header_value(answer, name) == walked
    plain = {"Content-Type": "text/plain", "retry-after": "7"}
    assert header_value(plain, "Retry-After") == "7"
    assert header_value(plain, "content-TYPE") == "text/plain"
    assert header_value(plain, "Absent") is None


def test_header_value_finds_urllib3_headers_when_urllib3_comes_after_it() -> None:
    """``jobadapter.headers`` imports no urllib3 (start-up): an answer's headers,
    whenever urllib3 is imported, still take the one-step lookup."""
    code = (
        "import sys\n"
        "from jobadapter.headers import header_value\n"
        "assert 'urllib3' not in sys.modules\n"
        "assert header_value({'Retry-After': '7'}, 'retry-after') == '7'\n"
        "from urllib3._collections import HTTPHeaderDict\n"
        "h = HTTPHeaderDict()\n"
        "h.add('X-A', '1')\n"
        "h.add('x-a', '2')\n"
        "assert header_value(h, 'X-A') == '1'\n"
        "import jobadapter.headers as m\n"
        "assert m._header_dict is HTTPHeaderDict\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
