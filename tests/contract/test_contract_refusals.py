"""What the registry refuses, and how: raw REST scenarios against the fake and the real stack.

Each table in :mod:`tests.contract.cases` is one class of behaviour (validation, lifecycle,
search grammar, identifiers, endpoints the client uses); every case arranges its own state
through the API, sends one request and compares the HTTP status and MLflow ``error_code`` with
what a real ``mlflow server`` behind the proxy answers.
"""

from __future__ import annotations

import pytest

from tests.contract.api import Api, message_of, outcome
from tests.contract.cases import TABLES
from tests.contract.conftest import RegistryUnderTest


@pytest.mark.parametrize(
    ("table", "case"), [(table, case) for table, cases in TABLES.items() for case in cases]
)
def test_refusals(registry_under_test: RegistryUnderTest, table: str, case: str) -> None:
    scenario = TABLES[table][case]
    version = registry_under_test.mlflow_version
    api = Api(registry_under_test.tracking_uri, registry_under_test.key_for("alice"))

    response = scenario.act(api)

    assert outcome(response) == scenario.expected_from(version), response.text[:500]
    says = scenario.says_from(version)
    if says is not None:
        assert says in message_of(response), response.text[:500]


# Header forms against docs (hokusai-proxy-contract.md): the key travels as
# `Authorization: Bearer <key>` (the scheme as written), or as X-API-Key or ?api_key=.
# (headers, query, status, the proxy's `error` or None when MLflow answered)
KEY = "{key}"
HEADER_FORMS: dict[str, tuple[dict[str, str], dict[str, str], int, str | None]] = {
    "bearer": ({"Authorization": f"Bearer {KEY}"}, {}, 200, None),
    "header-name-lower-case": ({"authorization": f"Bearer {KEY}"}, {}, 200, None),
    "scheme-lower-case": ({"Authorization": f"bearer {KEY}"}, {}, 401, "API key required"),
    "scheme-upper-case": ({"Authorization": f"BEARER {KEY}"}, {}, 401, "API key required"),
    "two-spaces": ({"Authorization": f"Bearer  {KEY}"}, {}, 401, "Invalid or expired API key"),
    "token-scheme": ({"Authorization": f"Token {KEY}"}, {}, 401, "API key required"),
    "basic-scheme": ({"Authorization": "Basic dXNlcjpwYXNz"}, {}, 401, "API key required"),
    "bare-key": ({"Authorization": KEY}, {}, 401, "API key required"),
    "empty-bearer": ({"Authorization": "Bearer "}, {}, 401, "API key required"),
    "x-api-key": ({"X-API-Key": KEY}, {}, 200, None),
    "x-api-key-lower-case": ({"x-api-key": KEY}, {}, 200, None),
    "query": ({}, {"api_key": KEY}, 200, None),
    "wrong-scheme-then-x-api-key": (
        {"Authorization": f"bearer {KEY}", "X-API-Key": KEY},
        {},
        200,
        None,
    ),
    "unknown-bearer-wins-over-x-api-key": (
        {"Authorization": "Bearer hk_live_" + "0" * 36, "X-API-Key": KEY},
        {},
        401,
        "Invalid or expired API key",
    ),
}


@pytest.mark.parametrize("form", list(HEADER_FORMS))
# The query form puts the key in the URL itself, as the proxy allows; urllib3 logs URLs.
@pytest.mark.key_canary_allow("logs", reason="the query form sends the key in the URL")
def test_key_header_forms(registry_under_test: RegistryUnderTest, form: str) -> None:
    headers, query, status, error = HEADER_FORMS[form]
    key = registry_under_test.key_for("alice") or ""
    api = Api(registry_under_test.tracking_uri, None)

    response = api.call(
        "GET",
        "registered-models/search",
        params={"max_results": 1, **{k: v.format(key=key) for k, v in query.items()}},
        headers={k: v.format(key=key) for k, v in headers.items()},
    )

    assert response.status_code == status
    assert response.json().get("error") == error
