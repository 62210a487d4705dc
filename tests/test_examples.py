"""The examples run end to end on reduced sizes, write valid PNG figures, and the
donut example's claims hold.

Each example runs once, in this process (``runpy``, so the project's warning
filters apply to it), with ``SKLEARN_BACKPROP_EXAMPLES_QUICK=1`` and its output
directory set to a temporary directory.
"""

import contextlib
import io
import runpy
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

FIGURES = {
    "plot_donut.py": ["donut.png"],
    "plot_backprop_by_hand.py": ["backprop_by_hand.png", "backprop_trace.png"],
    "plot_same_math.py": ["same_math.png"],
    "plot_optimizers.py": ["optimizers.png"],
    "plot_grid_search.py": ["grid_search.png"],
    "plot_learnt_features.py": ["learnt_features.png", "learnt_features_epochs.png"],
    "plot_open_building_blocks.py": ["open_building_blocks.png"],
    "plot_dask.py": ["dask.png"],
    "plot_watching_training.py": ["watching_training.png"],
}


@dataclass
class Run:
    namespace: dict  # the example's global variables after it ran
    printed: str
    output: Path


@pytest.fixture(scope="module")
def run_example(tmp_path_factory):
    """``run_example(name) -> Run``: each example runs at most once per module."""
    runs = {}

    def run(name):
        if name not in runs:
            output = tmp_path_factory.mktemp(Path(name).stem)
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("SKLEARN_BACKPROP_EXAMPLES_QUICK", "1")
                patch.setenv("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", str(output))
                # An example may set numpy's print options; the doctests run later.
                with (
                    np.printoptions(**np.get_printoptions()),
                    contextlib.redirect_stdout(io.StringIO()) as printed,
                ):
                    namespace = runpy.run_path(str(EXAMPLES / name), run_name="__main__")
            runs[name] = Run(namespace, printed.getvalue(), output)
        return runs[name]

    return run


def test_every_example_is_tested():
    assert sorted(path.name for path in EXAMPLES.glob("plot_*.py")) == sorted(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_example_writes_valid_png_figures(name, run_example):
    run = run_example(name)
    assert sorted(path.name for path in run.output.iterdir()) == sorted(FIGURES[name])
    for figure in FIGURES[name]:
        path = run.output / figure
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(path)
        assert image.ndim == 3
        assert image.shape[2] in (3, 4)  # RGB or RGBA
        assert min(image.shape[:2]) >= 200
        assert f"Figure written to {path}" in run.printed


def test_donut_linear_models_are_near_chance_and_nonlinear_ones_near_perfect(run_example):
    accuracy = run_example("plot_donut.py").namespace["results"]
    assert accuracy["logistic, raw features"] <= 0.65
    assert accuracy["logistic, degree-2 features"] >= 0.95
    assert accuracy["MLP (16, 16), relu"] >= 0.95
    assert accuracy["MLP (16, 16), identity"] <= 0.65


def test_donut_prints_table_and_polynomial_coefficients(run_example):
    printed = run_example("plot_donut.py").printed
    assert "| model | accuracy (ours) | accuracy (scikit-learn) |" in printed
    assert "x0^2" in printed
    assert "x1^2" in printed


def test_learnt_hidden_features_make_the_donut_linearly_separable(run_example):
    accuracy = run_example("plot_learnt_features.py").namespace["results"]
    assert accuracy["logistic, raw features"] <= 0.65
    assert accuracy["logistic, learnt hidden features"] >= 0.95
    assert accuracy["logistic, degree-2 features"] >= 0.95


def test_open_building_blocks_claims_hold(run_example):
    namespace = run_example("plot_open_building_blocks.py").namespace
    assert namespace["sine_accuracy"] >= 0.95
    assert namespace["same_zeros"]
    assert (namespace["ours_path"] == 0).any()
    assert namespace["largest_difference"] < 1e-3
    accuracy = namespace["accuracy"]
    gap = {rate: train - test for rate, (train, test) in accuracy.items()}
    assert gap[0.5 if 0.5 in gap else 0.6] < gap[0.0]


def test_dask_example_finds_the_same_scores_on_both_backends(run_example):
    pytest.importorskip("distributed")
    run = run_example("plot_dask.py")
    assert "cv_results_ scores identical on both backends: True" in run.printed
    assert "predict_proba on a Dask array: Array" in run.printed


def test_dask_example_falls_back_to_the_default_backend_without_dask(monkeypatch, tmp_path):
    # None in sys.modules makes the import fail as if the package were missing.
    for module in ("dask.array", "distributed"):
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setenv("SKLEARN_BACKPROP_EXAMPLES_QUICK", "1")
    monkeypatch.setenv("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", str(tmp_path))
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        runpy.run_path(str(EXAMPLES / "plot_dask.py"), run_name="__main__")
    assert "ran on joblib's default backend only" in printed.getvalue()
    assert (tmp_path / "dask.png").exists()


def test_watching_training_keeps_the_best_validation_epoch(run_example):
    namespace = run_example("plot_watching_training.py").namespace
    mlp, history = namespace["mlp"], namespace["history"]
    assert namespace["overfits"]
    assert mlp.best_epoch_ == int(history["val_loss"].idxmin()) + 1 < mlp.n_iter_
    assert len(namespace["lbfgs_history"]) == namespace["lbfgs"].n_iter_
