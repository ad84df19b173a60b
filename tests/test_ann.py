import numpy as np
import pytest

from mlbook import ann

X_LOGIC = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


@pytest.fixture
def blobs(rng):
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)  # a non-linear rule
    return X, y


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_derivatives_match_finite_differences(name):
    f, df = ann.ACTIVATIONS[name]
    z = np.linspace(-4, 4, 41) + 0.013  # avoid ReLU's kink at exactly 0
    numeric = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6
    assert np.allclose(df(z), numeric, atol=1e-6)


def test_step_function_has_no_gradient():
    f, df = ann.ACTIVATIONS["step"]
    z = np.array([-2.0, -0.1, 0.1, 2.0])
    assert f(z).tolist() == [0, 0, 1, 1]
    assert not df(z).any()


def test_perceptron_learns_and_but_not_xor():
    *_, err_and = ann.train_perceptron(X_LOGIC, np.array([0, 0, 0, 1]), epochs=20)
    *_, err_xor = ann.train_perceptron(X_LOGIC, np.array([0, 1, 1, 0]), epochs=50)
    assert err_and[-1] == 0
    assert min(err_xor) >= 1  # no line separates XOR


def test_forward_shapes_and_output_range(blobs):
    X, _ = blobs
    params = ann.init_params([3, 5, 4, 1])
    acts = ann.forward(params, X)
    assert [a.shape for a in acts] == [(30, 3), (30, 5), (30, 4), (30, 1)]
    assert ((acts[-1] > 0) & (acts[-1] < 1)).all()
    assert [(W.shape, b.shape) for W, b in params] == [
        ((3, 5), (5,)),
        ((5, 4), (4,)),
        ((4, 1), (1,)),
    ]


@pytest.mark.parametrize("sizes", [[3, 1], [3, 6, 1], [3, 5, 4, 1]])
def test_backprop_matches_numerical_and_gradient_tape(blobs, sizes):
    X, y = blobs
    params = ann.init_params(sizes, seed=2)
    ours = ann.backward(params, ann.forward(params, X), y)
    numeric = ann.numerical_gradients(params, X, y)
    tape = ann.tf_gradients(params, X, y)
    assert [(dW.shape, db.shape) for dW, db in ours] == [(W.shape, b.shape) for W, b in params]
    assert ann.max_abs_difference(ours, numeric) < 1e-7
    assert ann.max_abs_difference(ours, tape) < 1e-10
    # and a wrong gradient would be caught: dropping the tanh derivative breaks it
    if len(sizes) > 2:
        wrong = [(dW * 1.1, db) for dW, db in ours]
        assert ann.max_abs_difference(wrong, numeric) > 1e-4


def test_numerical_gradients_leave_params_unchanged(blobs):
    X, y = blobs
    params = ann.init_params([3, 4, 1], seed=0)
    before = [W.copy() for W, _ in params]
    ann.numerical_gradients(params, X, y)
    assert all(np.array_equal(a, W) for a, (W, _) in zip(before, params))


def test_gradient_descent_solves_xor():
    params, losses = ann.train_mlp(X_LOGIC, np.array([0, 1, 1, 0]), [4], lr=1.0, epochs=2000)
    assert ann.predict(params, X_LOGIC).tolist() == [0, 1, 1, 0]
    assert losses[-1] < 0.1 * losses[0]


def test_a_hidden_layer_beats_a_linear_model_on_moons():
    from sklearn.datasets import make_moons

    X, y = make_moons(200, noise=0.1, random_state=0)
    linear, _ = ann.train_mlp(X, y, [], lr=1.0, epochs=1500)
    hidden, _ = ann.train_mlp(X, y, [16], lr=1.0, epochs=1500)
    assert (ann.predict(hidden, X) == y).mean() > (ann.predict(linear, X) == y).mean() + 0.05


def test_plot_decision_boundary_returns_labelled_axes():
    import matplotlib.pyplot as plt

    params = ann.init_params([2, 3, 1])
    ax = ann.plot_decision_boundary(
        lambda P: ann.forward(params, P)[-1][:, 0],
        X_LOGIC,
        np.array([0, 1, 1, 0]),
        resolution=20,
        title="t",
    )
    assert ax.get_title() == "t"
    assert ax.get_xlabel()
    assert ax.get_legend() is not None
    plt.close(ax.figure)


def test_perceptron_first_epoch_on_and_matches_the_hand_computation():
    """The chapter's by-hand exercise: one epoch of the rule from zero weights."""
    w, b, errors = ann.train_perceptron(X_LOGIC, np.array([0, 0, 0, 1]), epochs=1)
    assert w.tolist() == [1.0, 1.0]
    assert b == 0.0
    assert errors == [2]


def test_output_delta_is_p_minus_y_over_n_and_the_recursion_holds(blobs):
    X, y = blobs
    params = ann.init_params([3, 4, 1], seed=3)
    acts = ann.forward(params, X)
    (dW1, db1), (dW2, db2) = ann.backward(params, acts, y)
    delta_out = (acts[-1] - y[:, None]) / len(y)
    np.testing.assert_allclose(db2, delta_out.sum(axis=0))
    np.testing.assert_allclose(dW2, acts[1].T @ delta_out)
    delta_hidden = (delta_out @ params[1][0].T) * (1 - acts[1] ** 2)
    np.testing.assert_allclose(db1, delta_hidden.sum(axis=0))
    np.testing.assert_allclose(dW1, X.T @ delta_hidden)


def test_draw_forward_backward_shows_activations_and_deltas():
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch

    params = ann.init_params([2, 3, 1], seed=0)
    x, y = np.array([1.0, 0.0]), 1
    fig = ann.draw_forward_backward(params, x, y)
    ax_f, ax_b = fig.axes
    acts = ann.forward(params, x[None, :])
    deltas = [db for _, db in ann.backward(params, acts, np.array([1.0]))]
    for ax in (ax_f, ax_b):
        assert sum(isinstance(p, Circle) for p in ax.patches) == 2 + 3 + 1
        assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == 2 * 3 + 3 * 1
    forward_texts = [t.get_text() for t in ax_f.texts]
    for value in np.concatenate([a[0] for a in acts]):
        assert f"{value:.2f}".replace("-", "−") in forward_texts
    backward_texts = [t.get_text() for t in ax_b.texts]
    for value in np.concatenate(deltas):
        assert f"{value:.2f}".replace("-", "−") in backward_texts
    assert f"{acts[-1][0, 0] - y:.2f}".replace("-", "−") in backward_texts  # δ_L = p − y

    # forward arrows point right (to the output), backward ones left (to the input)
    def directions(ax):
        return {
            np.sign(p._posA_posB[1][0] - p._posA_posB[0][0])
            for p in ax.patches
            if isinstance(p, FancyArrowPatch)
        }

    assert directions(ax_f) == {1.0}
    assert directions(ax_b) == {-1.0}
    heads = [p for p in ax_b.patches if isinstance(p, FancyArrowPatch)]
    assert sum(p.get_arrowstyle().__class__.__name__ != "Curve" for p in heads) == 3
    plt.close(fig)
