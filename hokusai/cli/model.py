"""``hokusai model register``: the platform's documented command, registering a model for a token.

The platform's docs tell users to run ``hokusai model register --token-id ID --model-path
./models/baseline.pkl --metric accuracy --baseline 0.84``; the earlier SDK's click command took
these options and printed ``Model registration complete.`` and one line per field. This command
takes the same options and prints the same lines, then where the version went (hosted registry,
local store after a fallback, mock) as ``hokusai register`` does.

Exit codes: 0 registered (anywhere; the output says where); 1 optional mode skipped it, or the
registration event failed without --best-effort-notification; otherwise the error's code
(2 bad input or configuration, 3 key rejected, 4 no permission, 5 unavailable, 6 TLS).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hokusai.cli.output import EXIT_ERROR, EXIT_OK, print_json
from hokusai.cli.parsing import COMMON_EXIT_CODES, Subparsers, add_command
from hokusai.cli.progress import progress_for
from hokusai.cli.register import print_entry, print_next_step, where
from hokusai.cli.wiring import open_registry

if TYPE_CHECKING:
    from hokusai.models import ModelRegistryEntry
    from hokusai.registry import ModelRegistry

# Options the earlier command forwarded to register_tokenized_model as keywords of the same name.
METADATA_OPTIONS = ("eval_spec", "scorer_ref", "primary_metric", "benchmark_spec_id")

# The earlier result's fields, printed in its order and under its labels.
_SUMMARY = (
    ("Model name", "model_name"),
    ("Version", "version"),
    ("Token ID", "token_id"),
    ("Proposal ID", "proposal_identifier"),
    ("MLflow run ID", "mlflow_run_id"),
    ("Status", "status"),
)
_JSON_FIELDS = (*(key for _, key in _SUMMARY), "metric_name", "baseline_value")

# The registration event's outcome (the entry's `site_status_update`): line, and whether it is
# bad news (stderr).
_EVENT_OUTCOME: dict[str | None, tuple[str, bool]] = {
    "succeeded": ("  Data pipeline notified successfully.", False),
    "failed": ("  Data pipeline notification failed after MLflow registration.", True),
    "skipped": ("  Site notification skipped.", False),
    "queued": ("  Site notification queued: `hokusai sync` sends it with the model.", False),
    # No outcome on the entry: nothing sent it.
    None: ("  Site notification: not sent.", True),
}

_KEY_ON_COMMAND_LINE = (
    "warning: a key given with --api-key is visible to other users of this machine in the "
    "process list, and stays in your shell history. Prefer HOKUSAI_API_KEY or `hokusai login`."
)


def add_parser(subparsers: Subparsers) -> None:
    model = add_command(
        subparsers,
        "model",
        summary="register a model for a Hokusai token (`model register`, as the platform's "
        "docs show)",
        description="The platform's model commands: `hokusai model register --token-id ID "
        "--model-path PATH --metric NAME --baseline VALUE`. `hokusai models list` shows what "
        "the registry holds.",
    )
    actions = model.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    register = add_command(
        actions,
        "register",
        summary="register a model file or MLflow model directory for a Hokusai token",
        description="Register a model for a token created on the Hokusai site, through "
        "ModelRegistry().register_tokenized_model(): on the hosted registry when a key is set "
        "and it answers, else in the local store (pushed later by `hokusai sync`). The output "
        "says which.\n"
        "--model-path is a model saved with pickle or joblib (a scikit-learn model needs "
        "pip install 'hokusai-ml-platform[ml]'; the file is unpickled, so pass only files you "
        "trust), or an MLflow model directory. Its files are uploaded: the version never "
        "refers to a path on this machine.",
        exit_codes="  1  optional mode skipped the registration, or the registration event "
        "failed\n     (without --best-effort-notification)\n" + COMMON_EXIT_CODES,
    )
    given = register.add_argument_group("the model and its token")
    given.add_argument(
        "--token-id",
        required=True,
        metavar="ID",
        help="token id created on the Hokusai site (e.g. MSG-AI)",
    )
    given.add_argument(
        "--model-path",
        required=True,
        type=Path,
        metavar="PATH",
        help="a pickle or joblib model file, or an MLflow model directory",
    )
    given.add_argument(
        "--metric", required=True, metavar="NAME", help="benchmark metric name (e.g. accuracy)"
    )
    given.add_argument(
        "--baseline",
        required=True,
        type=float,
        metavar="VALUE",
        help="baseline value of the benchmark metric",
    )
    given.add_argument(
        "--model-name", metavar="NAME", help="registered model name (default: hokusai-<token-id>)"
    )
    given.add_argument(
        "--proposal-identifier", metavar="ID", help="proposal identifier to store with the token id"
    )
    given.add_argument(
        "--eval-spec", metavar="SPEC", help="eval spec identifier to record on the model"
    )
    given.add_argument(
        "--scorer-ref", metavar="REF", help="scorer reference to record on the model"
    )
    given.add_argument("--primary-metric", metavar="NAME", help="primary metric name to record")
    given.add_argument(
        "--benchmark-spec-id", metavar="ID", help="BenchmarkSpec identifier to record"
    )
    where_to = register.add_argument_group("where it goes")
    where_to.add_argument(
        "--mlflow-uri", metavar="URI", help="registry tracking URI (default: the configuration)"
    )
    where_to.add_argument(
        "--api-key",
        metavar="KEY",
        help="API key (default: HOKUSAI_API_KEY, else the one `hokusai login` stored); "
        "on the command line it is visible in the process list",
    )
    where_to.add_argument(
        "--api-endpoint",
        metavar="URL",
        help="platform API endpoint (default: HOKUSAI_API_ENDPOINT)",
    )
    event = register.add_argument_group("the registration event")
    event.add_argument(
        "--no-notify-site",
        action="store_true",
        help="register without emitting the Hokusai site's registration event",
    )
    event.add_argument(
        "--best-effort-notification",
        action="store_true",
        help="exit 0 even if the event fails after the model is registered",
    )
    register.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hokusai.platform import validation

    # Everything the user typed is checked before the model loads or any request is made.
    validation.token_id(args.token_id)
    validation.text(args.metric, field="--metric")
    validation.number(args.baseline, field="--baseline")
    name = validation.model_name(
        args.model_name or f"hokusai-{args.token_id}", field="--model-name"
    )
    path = _existing(args.model_path)
    if args.api_key is not None:
        print(_KEY_ON_COMMAND_LINE, file=sys.stderr)
    with progress_for(args.quiet) as progress:
        progress.update("loading MLflow")
        with open_registry(
            args,
            tracking_uri=args.mlflow_uri,
            api_key=args.api_key,
            api_endpoint=args.api_endpoint,
        ) as registry:
            progress.update(f"reading the model from {path}")
            with model_directory(path) as directory:
                progress.update(f"registering {name} for token {args.token_id}")
                entry = register_for_token(registry, args, name, str(directory))
    if args.json:
        print_json(_as_json(entry))
    else:
        print_summary(entry, notify=not args.no_notify_site)
    return EXIT_OK if entry.registered else EXIT_ERROR


def register_for_token(
    registry: ModelRegistry, args: argparse.Namespace, name: str, model_uri: str
) -> ModelRegistryEntry:
    """The one call to ``register_tokenized_model``; options the user did not give are left to
    its defaults, so a keyword is passed only when the command line asked for it."""
    options: dict[str, Any] = {
        key: getattr(args, key) for key in METADATA_OPTIONS if getattr(args, key) is not None
    }
    if args.no_notify_site:
        options["notify_site"] = False
    if args.best_effort_notification:
        options["best_effort_notification"] = True
    extra_tags = (
        {"proposal_identifier": args.proposal_identifier} if args.proposal_identifier else None
    )
    return registry.register_tokenized_model(
        model_uri=model_uri,
        model_name=name,
        token_id=args.token_id,
        metric_name=args.metric,
        baseline_value=args.baseline,
        additional_tags=extra_tags,
        **options,
    )


def _existing(given: Path) -> Path:
    from hokusai.errors import InvalidInputError

    path = given.expanduser()
    if not path.exists():
        raise InvalidInputError(
            f"--model-path {str(given)!r} does not exist.",
            hint="Pass the model file (e.g. ./models/baseline.pkl) or MLflow model directory.",
        )
    return path


@contextmanager
def model_directory(path: Path) -> Iterator[Path]:
    """An MLflow model directory holding the model at ``path``: the directory itself, or, for a
    pickle or joblib file, the loaded model saved with its framework's MLflow flavor (removed
    afterwards)."""
    if path.is_dir():
        yield path  # register_model checks it is an MLflow model directory
        return
    from hokusai.flavors import staged

    with staged(load_model_file(path)) as source:
        assert source.local_dir is not None  # a model object is always saved to a directory
        yield source.local_dir


def load_model_file(path: Path) -> object:
    """The model pickled (or joblib-dumped) in ``path``.

    joblib reads plain pickles too, and also its own compressed files, which pickle cannot.
    """
    from hokusai.errors import ConfigurationError, InvalidInputError

    try:
        if importlib.util.find_spec("joblib") is not None:
            import joblib

            return joblib.load(path)
        import pickle

        with path.open("rb") as stream:
            return pickle.load(stream)  # noqa: S301 - the user's own model file, as documented
    except ModuleNotFoundError as exc:
        package = (exc.name or str(exc)).split(".")[0]
        raise ConfigurationError(
            f"Loading {path} needs the Python package {package!r}, which is not installed.",
            hint="pip install 'hokusai-ml-platform[ml]' for a scikit-learn model; otherwise "
            "install the package the model was made with.",
        ) from exc
    except Exception as exc:
        raise InvalidInputError(
            f"{path} could not be loaded as a pickle or joblib file: {type(exc).__name__}: {exc}",
            hint="Pass a model saved with pickle.dump or joblib.dump, or an MLflow model "
            "directory (mlflow.<flavor>.save_model(model, path)).",
        ) from exc


def _event_status(entry: ModelRegistryEntry) -> str | None:
    status = entry.get("site_status_update")
    return str(status) if status is not None else None


def print_summary(entry: ModelRegistryEntry, *, notify: bool) -> None:
    """The earlier command's lines, where the version went, and the registration event."""
    if not entry.registered:
        print_entry(entry)
        return
    print("Model registration complete.")
    for label, key in _SUMMARY:
        print(f"  {label}: {entry[key]}")
    print(f"  Registered {where(entry)}: {entry.tracking_uri}")
    if entry.reason:
        print(f"  Reason: {entry.reason}")
    status = _event_status(entry) or (None if notify else "skipped")
    line, bad_news = _EVENT_OUTCOME.get(status, (f"  Site notification: {status}.", False))
    print(line, file=sys.stderr if bad_news else sys.stdout)
    print_next_step(entry)


def _as_json(entry: ModelRegistryEntry) -> dict[str, Any]:
    data = entry.as_dict()
    data.update({key: entry[key] for key in _JSON_FIELDS})
    data["site_status_update"] = _event_status(entry)
    return data
