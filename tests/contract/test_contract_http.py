"""What a user sees at the HTTP edges of the registry, beyond status and error code.

The statuses are in ``cases.HTTP``; these check the rest a client meets: the text of a refusal,
the headers and body type of Werkzeug's own answers, and what an odd-but-accepted request
changed. Measured on real 3.9.0 and 3.17.2 servers behind the proxy (issue 19).
"""

from __future__ import annotations

import time

from tests.contract.api import REST, Api
from tests.contract.cases import JSON_TYPE, raw_body
from tests.contract.conftest import RegistryUnderTest


def alice(target: RegistryUnderTest) -> Api:
    return Api(target.tracking_uri, target.key_for("alice"))


def test_a_missing_parameter_points_to_the_api_docs(
    registry_under_test: RegistryUnderTest,
) -> None:
    response = alice(registry_under_test).call("POST", "registered-models/create", {})

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Missing value for required parameter 'name'. "
        "See the API docs for more information about request parameters."
    )


def test_a_wrong_method_is_werkzeugs_405_naming_the_allowed_ones(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)

    for path in (
        f"{REST}/registered-models/create",
        "/ajax-api/2.0/mlflow/registered-models/create",
    ):
        response = api.call("GET", path)

        assert response.status_code == 405
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Method Not Allowed" in response.text
        assert {m.strip() for m in response.headers["Allow"].split(",")} == {"OPTIONS", "POST"}


def test_options_names_the_methods_of_an_endpoint(registry_under_test: RegistryUnderTest) -> None:
    response = alice(registry_under_test).call("OPTIONS", "registered-models/get")

    assert response.status_code == 204
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}


def test_a_json_body_that_is_not_an_object_is_an_html_500(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)

    response = raw_body("POST", "registered-models/create", b"[1,2]", JSON_TYPE)(api)

    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Internal Server Error" in response.text


def test_content_type_refusals_say_what_was_wrong(registry_under_test: RegistryUnderTest) -> None:
    api = alice(registry_under_test)
    body = b'{"name": "never-created"}'

    missing = raw_body("POST", "registered-models/create", body)(api)
    wrong = raw_body("POST", "registered-models/create", body, "text/plain")(api)

    assert missing.json()["message"] == "Bad Request. Content-Type header is missing."
    assert wrong.json()["message"] == (
        "Bad Request. Content-Type must be one of ['application/json']."
    )
    assert (
        api.call("GET", "registered-models/get", params={"name": "never-created"}).status_code
        == 404
    )


def test_head_answers_like_get_without_a_body(registry_under_test: RegistryUnderTest) -> None:
    api = alice(registry_under_test)
    api.model()

    response = api.call("HEAD", "registered-models/search")

    assert response.status_code == 200
    assert response.content == b""


def test_ajax_api_serves_the_same_answers_as_the_api(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    name = api.model()

    via_ajax = api.call("GET", "/ajax-api/2.0/mlflow/registered-models/get", params={"name": name})

    assert via_ajax.status_code == 200
    assert via_ajax.json() == api.ok("GET", "registered-models/get", params={"name": name})


def test_renaming_a_model_to_its_own_name_keeps_it_and_bumps_its_timestamp(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    name, _ = api.version()
    before = api.ok("GET", "registered-models/get", params={"name": name})["registered_model"]
    time.sleep(0.01)

    renamed = api.ok("POST", "registered-models/rename", {"name": name, "new_name": name})

    after = renamed["registered_model"]
    assert after["name"] == name
    assert after["last_updated_timestamp"] > before["last_updated_timestamp"]
    versions = api.ok("GET", "model-versions/search", params={"filter": f"name='{name}'"})
    assert [v["name"] for v in versions["model_versions"]] == [name]


def test_updating_a_version_without_a_description_clears_it(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    name, version = api.version()
    key = {"name": name, "version": version}
    api.ok("PATCH", "model-versions/update", {**key, "description": "d"})

    api.ok("PATCH", "model-versions/update", key)

    stored = api.ok("GET", "model-versions/get", params=key)["model_version"]
    assert stored.get("description", "") == ""


def test_a_get_reads_its_query_and_ignores_a_json_body(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    asked, other = api.model(), api.model()

    response = api.call("GET", "registered-models/get", {"name": other}, params={"name": asked})

    assert response.json()["registered_model"]["name"] == asked
