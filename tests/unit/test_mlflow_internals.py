"""MLflow's non-public parts: found on the installed release, isolated, and failing by name.

Runs in the `tests` session (the newest MLflow) and `tests-floor` (MLflow 3.9.0, the platform's
server pin), so every supported end of the range checks each name the SDK relies on.
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import mlflow
import pytest
from mlflow.utils import validation

from hokusai import ModelRegistry, UnsupportedMlflowError, mlflow_internals
from hokusai.mlflow_internals import routes, server_source
from hokusai.support import mlflow_version

PACKAGE = Path(__file__).resolve().parents[2] / "hokusai"
# A private MLflow module in an import, an underscore name imported from MLflow, or an
# underscore attribute read off an MLflow module or client.
PRIVATE_MLFLOW = re.compile(
    r"(from|import)\s+mlflow[\w.]*\._\w"
    r"|from\s+mlflow[\w.]*\s+import\s+\(?\s*_[a-z]"
    r"|\bmlflow[\w.]*\._[a-z]"
    r"|\b(validation|client|registry)\._(?!hokusai)[a-z]"
)


def test_the_installed_release_is_in_the_supported_range() -> None:
    assert mlflow_version.release(mlflow.__version__) >= mlflow_version.release(
        mlflow_version.FLOOR
    )
    mlflow_version.check()  # no error, no warning on a tested major
    found = mlflow_version.installed()
    assert found is not None and found[1] == mlflow.__version__


def test_every_internal_part_is_found_on_this_release() -> None:
    # Importing the package ran the check; these are what it handed out.
    assert mlflow_internals.TrackingServiceClient.__name__ == "TrackingServiceClient"
    assert mlflow_internals.ModelRegistryClient.__name__ == "ModelRegistryClient"
    assert mlflow_internals.guess_mime_type("MLmodel") == "text/plain"  # as MLflow uploads it
    providers = mlflow_internals.auth_provider_registry()
    assert callable(providers.register)
    assert all(callable(provider.get_name) for provider in providers)
    assert all(callable(registry.register) for registry in mlflow_internals.store_registries())


def test_a_routed_client_uses_the_service_clients_it_was_given() -> None:
    from hokusai.transport.classify import ErrorContext
    from hokusai.transport.http_bounds import RegistryTransport
    from hokusai.transport.mlflow_tls import TlsSettings

    uri = "http://127.0.0.1:9"
    transport = RegistryTransport(
        uri, timeout=1.0, context=ErrorContext(uri), auth=None, tls=TlsSettings.from_environ()
    )
    client = routes.route_through(mlflow.MlflowClient(uri), transport)
    # MLflow's public methods now reach the routed stores: the same objects each time.
    assert isinstance(client._tracking_client.store, routes.RoutedTrackingStore)
    assert isinstance(client._get_registry_client().store, routes.RoutedRegistryStore)


def test_validation_rules_are_found_under_either_release_name() -> None:
    rule = mlflow_internals.validation_rule("_validate_alias_name", "_validate_model_alias_name")
    assert rule in (
        getattr(validation, "_validate_alias_name", None),
        getattr(validation, "_validate_model_alias_name", None),
    )
    with pytest.raises(mlflow.MlflowException):
        rule("a/b")  # refused on every release
    import hokusai.testing  # noqa: F401 - the shipped fake loads on this release


def test_a_rule_no_release_has_fails_naming_the_installed_version() -> None:
    with pytest.raises(UnsupportedMlflowError) as caught:
        mlflow_internals.validation_rule("_validate_no_such_rule")
    message = str(caught.value)
    assert mlflow.__version__ in message
    assert "_validate_no_such_rule" in message
    assert mlflow_version.FLOOR in message
    assert isinstance(caught.value, ImportError)


def test_a_release_without_a_needed_part_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a future release that drops the function would look like to the check.
    monkeypatch.delattr(validation, "_validate_model_version_tag")
    with pytest.raises(UnsupportedMlflowError, match="_validate_model_version_tag") as caught:
        mlflow_internals._load()
    assert mlflow.__version__ in str(caught.value)


def test_a_changed_store_signature_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.store.tracking.rest_store import RestStore

    def _call_endpoint(self, api, json_body=None, endpoint=None, new_argument=None):  # type: ignore[no-untyped-def]
        raise AssertionError

    monkeypatch.setattr(RestStore, "_call_endpoint", _call_endpoint)
    with pytest.raises(UnsupportedMlflowError, match="_call_endpoint"):
        mlflow_internals._load()


def test_an_mlflow_below_the_floor_is_refused_with_both_versions() -> None:
    with pytest.raises(UnsupportedMlflowError) as caught:
        mlflow_version.check(("mlflow-skinny", "3.8.1"))
    message = str(caught.value)
    assert "3.8.1" in message and "3.9.0" in message
    assert "pip install -U 'mlflow-skinny>=3.9.0'" in caught.value.hint


@pytest.mark.parametrize("version", ["3.9.0", "3.18.0", "3.99.1", "3.10.0rc1"])
def test_releases_of_the_tested_major_are_accepted_silently(version: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mlflow_version.check(("mlflow", version))


def test_a_newer_major_is_warned_about_not_refused() -> None:
    with pytest.warns(mlflow_version.UntestedMlflowWarning, match="4.0.0"):
        mlflow_version.check(("mlflow-skinny", "4.0.0"))


def test_model_registry_refuses_an_old_mlflow_before_loading_it(tmp_path: Path) -> None:
    # A distribution record that says 3.8.1 ahead of the real one on sys.path: what a user who
    # pinned an older MLflow has.
    record = tmp_path / "mlflow_skinny-3.8.1.dist-info"
    record.mkdir()
    (record / "METADATA").write_text("Metadata-Version: 2.1\nName: mlflow-skinny\nVersion: 3.8.1\n")
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from hokusai import ModelRegistry, UnsupportedMlflowError\n"
        "try:\n"
        f"    ModelRegistry(mode='local', home={str(tmp_path / 'home')!r})\n"
        "except UnsupportedMlflowError as error:\n"
        "    print(type(error).__name__, error, 'mlflow' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.startswith("UnsupportedMlflowError hokusai needs MLflow 3.9.0 or newer")
    assert "mlflow-skinny 3.8.1 is installed" in result.stdout
    assert result.stdout.rstrip().endswith("False")  # refused before MLflow was imported


def test_mock_mode_needs_no_mlflow_check() -> None:
    ModelRegistry(mode="mock").close()


def test_no_module_outside_mlflow_internals_touches_mlflow_private_names() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        if "mlflow_internals" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PRIVATE_MLFLOW.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_the_pattern_would_catch_what_the_issue_found() -> None:
    for line in [
        "from mlflow.tracking._model_registry.client import ModelRegistryClient",
        "from mlflow.utils.mime_type_utils import _guess_mime_type",
        "x = validation._validate_model_alias_name",
        "client._tracking_client = other",
        "providers = registry._request_auth_provider_registry",
    ]:
        assert PRIVATE_MLFLOW.search(line), line


@pytest.mark.parametrize("change", list(server_source.SERVER_CHANGES))
def test_each_server_change_is_read_from_the_installed_server(change: str) -> None:
    # A release that moves the function would silently fall back to the newest behaviour.
    assert server_source.found_in(server_source.SERVER_CHANGES[change]) is not None
    # Every supported release after 3.9 behaves as the newest server does, 3.9's the other
    # way (most changes are new behaviour; one, server_info_at_root, is 3.9's alone).
    on_3_9 = mlflow_version.release(mlflow.__version__)[:2] == (3, 9)
    newest = server_source.SERVER_CHANGES[change].newest
    assert mlflow_internals.server_does(change) is (newest is not on_3_9)


def test_a_server_change_whose_code_is_gone_is_taken_as_the_newest_behaviour() -> None:
    moved = server_source.ServerChange("mlflow.server.handlers", "_no_such_handler", ("x",))
    elsewhere = server_source.ServerChange("mlflow.no_such_module", "f", ("x",), newest=False)

    assert server_source.makes(moved) is True
    assert server_source.makes(elsewhere) is False
