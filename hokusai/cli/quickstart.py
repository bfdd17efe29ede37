"""``hokusai quickstart``: train a tiny model and register it, to see the whole path work."""

from __future__ import annotations

import argparse
import importlib.util

from hokusai.cli.output import EXIT_ERROR, EXIT_OK, print_json
from hokusai.cli.parsing import COMMON_EXIT_CODES, Subparsers, add_command
from hokusai.cli.progress import progress_for
from hokusai.cli.register import print_entry
from hokusai.cli.wiring import open_registry
from hokusai.errors import ConfigurationError

# Module -> distribution. MLflow saves scikit-learn models in the skops format, so without skops
# the model trains and then fails to save.
_NEEDS = {"sklearn": "scikit-learn", "skops": "skops"}


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "quickstart",
        summary="train a tiny scikit-learn model and register it",
        description="Train a small scikit-learn classifier and register it through "
        "ModelRegistry(): on the hosted registry when a key is set, else in the local store. "
        "Needs the quickstart extra: pip install 'hokusai-ml-platform[quickstart]'.",
        exit_codes="  1  optional mode skipped the registration\n" + COMMON_EXIT_CODES,
    )
    parser.add_argument("--model-type", default="quickstart-iris", help="registered model name")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    missing = [dist for module, dist in _NEEDS.items() if importlib.util.find_spec(module) is None]
    if missing:
        needs = " and ".join(missing)
        raise ConfigurationError(
            f"quickstart needs {needs}, which is not installed.",
            hint="pip install 'hokusai-ml-platform[quickstart]'",
        )
    with progress_for(args.quiet) as progress:
        progress.update("loading scikit-learn and MLflow")
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression

        progress.update("training a classifier on the iris data")
        features, labels = load_iris(return_X_y=True)
        model = LogisticRegression(max_iter=500).fit(features, labels)
        accuracy = float(model.score(features, labels))
        with open_registry(args) as registry:
            progress.update(f"registering {args.model_type} (staging and upload)")
            entry = registry.register_baseline(
                model, model_type=args.model_type, metadata={"accuracy": round(accuracy, 4)}
            )
    if args.json:
        print_json(entry.as_dict())
    else:
        print_entry(entry)
        print(f"training accuracy: {accuracy:.3f}")
    return EXIT_OK if entry.registered else EXIT_ERROR
