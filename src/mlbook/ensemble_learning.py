"""Chapter *Ensemble learning*: bagging, boosting, voting and stacking, compared.

The comparison is by cross-validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlbook.profile import freeze

#: Per-profile settings: members per ensemble, CV folds, and boosting rounds of the staged curve.
SETTINGS = freeze(
    {
        "full": {"n_estimators": 200, "cv_folds": 5, "staged_rounds": 400},
        "quick": {"n_estimators": 30, "cv_folds": 3, "staged_rounds": 150},
    }
)


def base_learners(seed: int = 0) -> list[tuple[str, object]]:
    """Make three different classifiers to vote or stack: linear, neighbours, forest."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return [
        (
            "logistic",
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        ),
        ("knn", make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=7))),
        ("forest", RandomForestClassifier(n_estimators=50, random_state=seed)),
    ]


def make_ensembles(n_estimators: int = 100, seed: int = 0) -> dict[str, object]:
    """Make a single tree (the baseline) and seven ensembles, all with a fixed seed.

    Returns
    -------
    dict
        ``name -> unfitted estimator``. Bagging and the forest average deep trees;
        AdaBoost and the two gradient-boosting models add shallow trees one after
        another, each correcting the previous ones; voting averages the predicted
        probabilities of ``base_learners``, stacking learns how to combine them.
    """
    from sklearn.ensemble import (
        AdaBoostClassifier,
        BaggingClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
        StackingClassifier,
        VotingClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    return {
        "single tree": DecisionTreeClassifier(random_state=seed),
        "bagging (trees)": BaggingClassifier(
            DecisionTreeClassifier(), n_estimators=n_estimators, random_state=seed
        ),
        "random forest": RandomForestClassifier(
            n_estimators=n_estimators,
            random_state=seed,
        ),
        "AdaBoost (stumps)": AdaBoostClassifier(
            n_estimators=n_estimators,
            random_state=seed,
        ),
        "gradient boosting": GradientBoostingClassifier(
            n_estimators=n_estimators, random_state=seed
        ),
        "hist. gradient boosting": HistGradientBoostingClassifier(
            max_iter=n_estimators, random_state=seed
        ),
        "voting (soft)": VotingClassifier(base_learners(seed), voting="soft"),
        "stacking": StackingClassifier(
            base_learners(seed), final_estimator=LogisticRegression(max_iter=1000), cv=5
        ),
    }


def compare(
    models: dict[str, object],
    X,
    y,
    cv: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Cross-validate every model on the same folds: accuracy and time.

    Every fit runs on one thread (``threadpool_limits(1)``), so the times compare the
    algorithms, not how well each uses the cores of a busy machine.

    Returns
    -------
    DataFrame
        Indexed by model name, sorted by accuracy: ``accuracy`` and ``accuracy std``
        over the folds, ``fit time (s)`` and ``predict time (s)`` per fold. Its
        ``attrs["correct"]`` maps each model to a boolean array of shape
        ``(n_samples,)``: whether the model, fitted on the other folds, classified
        each example right. Every example is predicted once by every model, so two
        models compare paired (:func:`mlbook.verdict.compare_paired`).
    """
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from threadpoolctl import threadpool_limits

    folds = StratifiedKFold(cv, shuffle=True, random_state=seed)
    y_arr = np.asarray(y)
    rows, correct = {}, {}
    for name, model in models.items():
        with threadpool_limits(1):
            res = cross_validate(
                model,
                X,
                y,
                cv=folds,
                n_jobs=1,
                return_estimator=True,
                return_indices=True,
            )
            right = np.zeros(len(y_arr), dtype=bool)
            for fitted, test in zip(res["estimator"], res["indices"]["test"]):
                right[test] = fitted.predict(_rows(X, test)) == y_arr[test]
        correct[name] = right
        rows[name] = {
            "accuracy": res["test_score"].mean(),
            "accuracy std": res["test_score"].std(),
            "fit time (s)": res["fit_time"].mean(),
            "predict time (s)": res["score_time"].mean(),
        }
    table = pd.DataFrame(rows).T.sort_values("accuracy", ascending=False)
    table.attrs["correct"] = correct
    return table


def _rows(X, index):
    return X.iloc[index] if hasattr(X, "iloc") else X[index]


def staged_accuracy(model, X_train, y_train, X_test, y_test) -> pd.DataFrame:
    """Fit a boosting model and score it after every boosting round.

    Parameters
    ----------
    model : AdaBoostClassifier or GradientBoostingClassifier
        Anything with ``staged_predict``.

    Returns
    -------
    DataFrame
        Columns ``round`` (1, 2, ...), ``train accuracy``, ``test accuracy``.
    """
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    model.fit(X_train, y_train)
    train = [np.mean(p == y_train) for p in model.staged_predict(X_train)]
    test = [np.mean(p == y_test) for p in model.staged_predict(X_test)]
    return pd.DataFrame(
        {
            "round": np.arange(1, len(train) + 1),
            "train accuracy": train,
            "test accuracy": test,
        }
    )


# --- gradient boosting and stacking by hand ------------------------------------------


def boost_by_hand(
    X: np.ndarray,
    y: np.ndarray,
    n_stages: int,
    learning_rate: float = 0.1,
    max_depth: int = 3,
    seed: int = 0,
) -> tuple[list, list[np.ndarray]]:
    """Run gradient boosting for the squared error by hand, as scikit-learn does.

    Returns
    -------
    trees : list of DecisionTreeRegressor
        The tree fitted at each stage.
    predictions : list of ndarray, each shape (n,)
        F_0 (the mean of y) and F_m after each stage, on the training points.
    """
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.RandomState(seed)  # one generator for all stages, as scikit-learn
    F = np.full(len(y), y.mean())  # F_0: the best constant for the squared error
    trees, predictions = [], [F]
    for _ in range(n_stages):
        residuals = y - F  # the negative gradient of (y - F)**2 / 2
        tree = DecisionTreeRegressor(
            criterion="squared_error", max_depth=max_depth, random_state=rng
        ).fit(X, residuals)
        F = F + learning_rate * tree.predict(X)
        trees.append(tree)
        predictions.append(F)
    return trees, predictions


def out_of_fold_features(members: list[tuple[str, object]], X, y, cv: int = 5):
    """Return what a stacking model's final estimator learns from, shape (n, members).

    Each column holds one member's predicted probability of the positive class for
    every sample, made by a copy of the member fitted on the other folds, so the final
    estimator learns from predictions on data the members did not see.
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(n_splits=cv)
    columns = []
    for _, model in members:
        proba = cross_val_predict(clone(model), X, y, cv=folds, method="predict_proba")
        columns.append(proba[:, 1])  # the positive class's probability
    return np.column_stack(columns)


def boosting_example(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return a one-feature regression problem: a noisy sine on [0, 6], sorted by x."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 6, n))
    return x[:, None], np.sin(x) + rng.normal(0, 0.25, n)


def draw_boosting_stages(X: np.ndarray, y: np.ndarray, trees, predictions, stages):
    """Draw gradient boosting stage by stage: the fit above, the residuals below.

    Top row: the data and the ensemble's prediction F_m after stage m. Bottom row: the
    residuals y - F_(m-1) the m-th tree was fitted to (dots), and that tree (line). The
    residuals' root mean square is in each bottom title and in ``fig.rms_``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    stages = list(stages)
    fig, axes = plt.subplots(
        2, len(stages), figsize=(7, 4.8), sharex=True, sharey="row", layout="constrained"
    )
    grid = np.linspace(X.min(), X.max(), 300)[:, None]
    order = np.argsort(X[:, 0])
    fig.rms_ = []
    for (top, bottom), m in zip(axes.T, stages):
        residuals = y - predictions[m - 1]
        rms = float(np.sqrt(np.mean(residuals**2)))
        fig.rms_.append(rms)
        top.scatter(X[:, 0], y, s=10, color="0.55", label="data")
        top.plot(X[order, 0], predictions[m][order], color="C0", lw=2, label="$F_m$")
        top.set_title(f"after stage {m}", fontsize=11)
        bottom.axhline(0, color="0.7", lw=0.8)
        bottom.scatter(X[:, 0], residuals, s=10, color="C1", label="residual")
        bottom.plot(grid[:, 0], trees[m - 1].predict(grid), color="black", lw=1.5, label="$h_m$")
        bottom.set_title(f"residuals, rms {rms:.2f}", fontsize=11)
        bottom.set_xlabel("x")
    axes[0, 0].set_ylabel("y and $F_m(x)$")
    axes[1, 0].set_ylabel("$y - F_{m-1}(x)$")
    handles = [h for ax in axes[:, 0] for h in ax.get_legend_handles_labels()[0]]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig


def draw_accuracy_vs_cost(table: pd.DataFrame, ax=None):
    """Plot each model's cross-validated accuracy against its fit time, one marker each.

    Models are told apart by colour and marker shape in a legend below the axes (names
    written beside the points would overlap where models cost about the same).

    Returns
    -------
    matplotlib.axes.Axes
        One error-bar container per model (``ax.containers``), in the table's order.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5.2), layout="constrained")
    markers = "osD^vP*X"
    for i, (name, row) in enumerate(table.iterrows()):
        ax.errorbar(
            row["fit time (s)"],
            row["accuracy"],
            yerr=row["accuracy std"],
            fmt=markers[i % len(markers)],
            color=f"C{i % 10}",
            capsize=3,
            ms=7,
            label=name,
        )
    ax.set(
        title="Ensembles: cross-validated accuracy vs fit time",
        xscale="log",
        xlabel="mean fit time per fold (s, log scale)",
        ylabel="cross-validated accuracy",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, frameon=False)
    return ax
