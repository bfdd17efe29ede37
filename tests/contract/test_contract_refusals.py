"""What the registry refuses, and how: raw REST scenarios against the fake and the real stack.

Each table in :mod:`tests.contract.cases` is one class of behaviour (validation, lifecycle,
search grammar, identifiers, endpoints the client uses); every case arranges its own state
through the API, sends one request and compares the HTTP status and MLflow ``error_code`` with
what a real ``mlflow server`` behind the proxy answers.
"""

from __future__ import annotations

import pytest

from tests.contract.api import Api, outcome
from tests.contract.cases import TABLES
from tests.contract.conftest import RegistryUnderTest


@pytest.mark.parametrize(
    ("table", "case"), [(table, case) for table, cases in TABLES.items() for case in cases]
)
def test_refusals(registry_under_test: RegistryUnderTest, table: str, case: str) -> None:
    scenario = TABLES[table][case]
    api = Api(registry_under_test.tracking_uri, registry_under_test.key_for("alice"))

    response = scenario.act(api)

    assert outcome(response) == scenario.expected, response.text[:500]
