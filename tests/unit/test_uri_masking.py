"""A password, token or key written into a URI is shown masked; everything else in it is kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hokusai.errors import ConfigurationError, mask_keys, secrets_in_uri
from hokusai.models import ModelRegistryEntry
from tests.conftest import KEYS

ALICE = KEYS["alice"]


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        (
            f"https://registry.hokus.ai/api/mlflow?api_key={ALICE}",
            "https://registry.hokus.ai/api/mlflow?api_key=***",
        ),
        ("https://user:s3cret@host/api/mlflow", "https://user:***@host/api/mlflow"),
        # urllib splits user-info at its last '@': a raw '@' in a password is masked with it.
        ("postgresql://mlflow:pa@ss@db:5432/mlflow", "postgresql://mlflow:***@db:5432/mlflow"),
        ("https://ghp_0123456789abcdef@github.com/x", "https://***@github.com/x"),
        (
            "https://s3.example.com/b/m.pkl?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=ab12"
            "&versionId=7",
            "https://s3.example.com/b/m.pkl?X-Amz-Credential=***&X-Amz-Signature=***&versionId=7",
        ),
        (
            "https://h/p?a=1&token=t0k&access_token=x&password=p&secret=s&sig=g&key=k#x=1",
            "https://h/p?a=1&token=***&access_token=***&password=***&secret=***&sig=***"
            "&key=***#x=1",
        ),
        ("https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=***&state=1"),
    ],
)
def test_secrets_in_a_uri_are_masked(uri: str, shown: str) -> None:
    assert mask_keys(uri) == shown


@pytest.mark.parametrize(
    "uri",
    [
        "https://registry.hokus.ai/api/mlflow",
        "http://127.0.0.1:5000/api/mlflow?max_results=1&page_token=",
        "sqlite:////home/me/.hokusai/mlflow/mlflow.db",
        "git+ssh://git@github.com/org/repo.git",
        "models:/churn@champion",
    ],
)
def test_a_uri_without_secrets_is_shown_as_it_is(uri: str) -> None:
    assert mask_keys(uri) == uri
    assert secrets_in_uri(uri) == []


def test_a_uri_quoted_in_prose_is_masked_and_the_prose_kept() -> None:
    text = f"Cannot reach 'https://u:pw@h/x?api_key={ALICE}' (mail admin@example.com)."
    assert (
        mask_keys(text) == "Cannot reach 'https://u:***@h/x?api_key=***' (mail admin@example.com)."
    )


def test_secrets_in_uri_names_each_secret_without_its_value() -> None:
    found = secrets_in_uri(f"https://u:pw@h/api/mlflow?api_key={ALICE}&X-Amz-Signature=ab")
    assert found == [
        "the credentials before '@'",
        "parameter 'api_key'",
        "parameter 'X-Amz-Signature'",
    ]
    assert secrets_in_uri(f"https://h/{ALICE}/mlflow") == ["an API key"]


@given(
    secret=st.text(
        alphabet=st.characters(codec="ascii", categories=["L", "N"], include_characters="-_.~%"),
        min_size=12,
    ),
    name=st.sampled_from(["api_key", "token", "password", "X-Amz-Signature", "client_secret"]),
)
def test_no_secret_value_survives_masking(secret: str, name: str) -> None:
    for uri in (
        f"https://registry.hokus.ai/api/mlflow?{name}={secret}",
        f"https://registry.hokus.ai/api/mlflow?a=1&{name}={secret}#frag",
        f"https://me:{secret}@registry.hokus.ai/api/mlflow",
        f"https://{secret}@registry.hokus.ai/api/mlflow",
    ):
        shown = mask_keys(uri)
        assert secret not in shown
        assert shown.startswith("https://") and "registry.hokus.ai/api/mlflow" in shown


def test_an_error_shows_its_uri_masked_in_its_attribute_and_its_text() -> None:
    error = ConfigurationError("Bad setting.", uri=f"https://h/api/mlflow?api_key={ALICE}")
    assert error.uri == "https://h/api/mlflow?api_key=***"
    assert "Registry: https://h/api/mlflow?api_key=***." in str(error)
    assert ALICE not in str(error) and ALICE not in repr(error)


def test_an_entry_never_holds_credentials_in_its_tracking_uri() -> None:
    entry = ModelRegistryEntry(
        name="churn", version="1", target="local", tracking_uri="postgresql://u:pw@db/mlflow"
    )
    assert entry.tracking_uri == "postgresql://u:***@db/mlflow"
    assert "pw@" not in repr(entry) and "pw@" not in str(entry.as_dict())
