"""Property tests (hypothesis, 400 examples each): whatever a registry sends, the parsers answer or
raise their one error type. Slow by nature, so outside the unit suite."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.reflector.registry import client, wire

# --- whatever a registry sends, the parsers answer or raise their one error type


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                       lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(["tags", "token",
                                                                                              "access_token",
                                                                                              "expires_in", "x"]),
                                                                           c, max_size=4), max_leaves=12)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.binary(max_size=64), JSONISH.map(lambda v: json.dumps(v).encode())))
def test_answers_parse_or_raise_operation_error(body: bytes) -> None:
    for parse in (client._page_tags, client._parse_token):
        try:
            parse(body, "img")
        except OperationError as e:
            assert str(e).startswith("img: ")


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet='<>;,="relnxt :/[]?@%.1a\x00\n', max_size=60))
def test_link_and_realm_parse_or_refuse(text: str) -> None:
    try:
        url = wire.next_page(text, "http://r:5000/v2/a/tags/list")
        assert url is None or isinstance(url, str)
    except ValueError:
        pass
    problem = wire.realm_problem(text, "https://registry.example.com")
    assert problem is None or isinstance(problem, str)
