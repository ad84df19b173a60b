import matplotlib.pyplot as plt
import pytest
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split

from mlbook import decision_trees as dt


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(n_samples=300, noise=0.35, random_state=0)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_seed_code_uses_undefined_training_data():
    message = dt.run_seed_code()
    assert message == "NameError: name 'X_train' is not defined"


def test_seed_code_runs_once_the_data_exist():
    setup = (
        "from sklearn.datasets import make_moons\n"
        "from sklearn.model_selection import train_test_split\n"
        "X_train, X_test, y_train, y_test = train_test_split("
        "*make_moons(100, random_state=0), random_state=0)\n"
    )
    assert dt.run_seed_code(setup + dt.SEED_CODE) == "no error"


def test_depth_curve_overfits(moons):
    X_train, X_test, y_train, y_test = moons
    curve = dt.depth_curve(X_train, y_train, X_test, y_test, [1, 2, 4, None])
    assert curve["max_depth"].tolist() == [1, 2, 4, "none"]
    assert curve["train accuracy"].is_monotonic_increasing
    assert curve["leaves"].is_monotonic_increasing
    full = curve.iloc[-1]
    assert full["train accuracy"] == 1.0  # an unlimited tree memorises
    assert full["test accuracy"] < full["train accuracy"] - 0.05
    assert (curve["leaves"] <= 2 ** curve["depth"]).all()


def test_plot_boundaries_one_panel_per_depth(moons):
    X_train, X_test, y_train, y_test = moons
    fig = dt.plot_boundaries(
        X_train,
        y_train,
        X_test,
        y_test,
        (1, None),
        feature_names=["x0", "x1"],
        class_names=["a", "b"],
    )
    axes = fig.get_axes()
    assert len(axes) == 2
    assert axes[0].get_xlabel() == "x0"
    assert all("train" in ax.get_title() for ax in axes)
    plt.close(fig)
