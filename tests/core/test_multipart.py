"""The one-pass multipart encoder makes the very bytes urllib3's encoder makes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from jobadapter.transport.multipart import encode_multipart
from urllib3.filepost import encode_multipart_formdata

names = st.text(min_size=1, max_size=12)
values = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=200),
    st.integers(),
    st.tuples(st.text(min_size=1, max_size=12), st.binary(max_size=200)),
    st.tuples(st.text(min_size=1, max_size=12), st.binary(max_size=200), st.just("text/csv")),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(names, values, max_size=4))
def test_same_bytes_as_urllib3(fields: dict[str, object]) -> None:
    assert encode_multipart(fields, boundary="b0und4ry") == encode_multipart_formdata(
        fields, boundary="b0und4ry"
    )


def test_a_fresh_boundary_each_time() -> None:
    first, kind = encode_multipart({"a": "1"})
    second, _ = encode_multipart({"a": "1"})
    assert first != second
    assert kind.startswith("multipart/form-data; boundary=")
    assert kind.split("=", 1)[1] in first.decode()
