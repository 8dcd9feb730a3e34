"""Central-difference gradient checks in float64 for every activation, cost, layer and network."""
import numpy as np
import pytest

from neural_net.activation import ELU, LeakyReLU, Linear, ReLU, Softmax, Tanh, σ
from neural_net.architecture import Sequential
from neural_net.cost import MSE, BinaryCrossEntropy, CrossEntropy
from neural_net.init_funcs import XavierHe
from neural_net.layers import Activation, Fullyconnected

H = 1e-6
RTOL = 1e-6


def numeric_grad(f, x, h=H):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f()
        x[i] = old - h
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g


def away_from_kinks(rng, shape):
    z = rng.normal(size=shape)
    z[np.abs(z) < 1e-2] += 0.1  # ReLU-family derivatives are undefined at 0
    return z


@pytest.mark.parametrize("func", [σ(), Tanh(), ReLU(), LeakyReLU(α=0.1), ELU(α=0.7), Softmax(), Linear()],
                         ids=repr)
def test_activation_grad_matches_central_differences(func):
    rng = np.random.default_rng(0)
    z = away_from_kinks(rng, (5, 4))
    w = rng.normal(size=(5, 4))  # J = Σ w ⊙ f(z): ∂J/∂z = grad(w)
    func.compute(z)
    analytic = func.grad(w)
    numeric = numeric_grad(lambda: float((w * type(func)(**{p: getattr(func, p) for p in func.params}).compute(z)).sum()), z)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=1e-9)


@pytest.mark.parametrize("func", [σ(), Tanh(), ReLU(), LeakyReLU(α=0.2), ELU(α=1.0), Softmax(), Linear()], ids=repr)
def test_inplace_grad_equals_allocating_grad(func):
    rng = np.random.default_rng(1)
    z = away_from_kinks(rng, (6, 3))
    a = func.compute(z.copy())
    Δ = rng.normal(size=a.shape)
    expected = func.grad(Δ)
    buf = z.copy()
    out = func.compute(buf, out=buf)
    assert out is buf and np.array_equal(out, a)
    d = Δ.copy()
    assert func.grad(d, out=d) is d
    np.testing.assert_allclose(d, expected, rtol=1e-14)


def test_softmax_pr_is_the_jacobian():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(3, 4))
    s = Softmax()
    s.compute(z)
    jac = s.pr()
    for n in range(3):
        for i in range(4):
            zp, zm = z.copy(), z.copy()
            zp[n, i] += H
            zm[n, i] -= H
            col = (Softmax().compute(zp)[n] - Softmax().compute(zm)[n]) / (2 * H)
            np.testing.assert_allclose(jac[n, :, i], col, rtol=RTOL, atol=1e-10)


@pytest.mark.parametrize("cost,make", [
    (BinaryCrossEntropy, lambda r: ((r.random((6, 2)) > 0.5) + 0.0, r.uniform(0.05, 0.95, (6, 2)))),
    (CrossEntropy, lambda r: (np.eye(3)[r.integers(0, 3, 6)], r.dirichlet(np.ones(3), 6))),
    (MSE, lambda r: (r.normal(size=(6, 2)), r.normal(size=(6, 2)))),
], ids=["BCE", "CE", "MSE"])
def test_cost_pr_matches_central_differences(cost, make):
    y, p = make(np.random.default_rng(3))
    c = cost()
    c.compute(y, p)
    analytic = c.pr()
    numeric = numeric_grad(lambda: cost().compute(y, p), p)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=1e-10)


@pytest.mark.parametrize("cost,act", [(BinaryCrossEntropy, σ), (CrossEntropy, Softmax)], ids=["σ+BCE", "softmax+CE"])
def test_fused_output_delta_equals_chain_rule(cost, act):
    rng = np.random.default_rng(4)
    z = rng.normal(size=(7, 3))
    y = np.eye(3)[rng.integers(0, 3, 7)]
    f = act()
    p = f.compute(z)
    c = cost()
    c.compute(y, p)
    chain = f.grad(c.pr())
    fused = c.fused_delta(y, p, np.empty_like(p))
    np.testing.assert_allclose(fused, chain, rtol=1e-10)
    assert c.fuses_with(f)


def test_fullyconnected_weight_and_input_gradients():
    rng = np.random.default_rng(5)
    fc = Fullyconnected(4, 3, XavierHe("Normal", "Tanh").init_func)
    X = rng.normal(size=(6, 4))
    w = rng.normal(size=(6, 3))
    W0 = fc.func.W.copy()
    fc.forward(X)
    fc.func.gradients(w)
    dW = fc.func.dW.copy()
    dX = fc.func.input_grad(w)

    def J():
        return float((w * (X @ fc.func.W[:-1] + fc.func.W[-1])).sum())

    np.testing.assert_allclose(dW, numeric_grad(J, fc.func.W), rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(dX, numeric_grad(J, X), rtol=RTOL, atol=1e-9)
    # grad() applies W -= dW and returns the input gradient with the weights *before* the update
    fc.forward(X)
    din = fc.backward(w)
    np.testing.assert_allclose(din, dX, rtol=1e-12)
    np.testing.assert_allclose(fc.func.W, W0 - dW, rtol=1e-12)


def _network_gradient_check(steps, cost, X, y):
    net = Sequential(steps, cost)
    fcs = [s for s in net if isinstance(s, Fullyconnected)]

    def J():
        return net["cost"].compute(y, net.predict(X))

    numeric = [numeric_grad(J, s.func.W) for s in fcs]
    before = [s.func.W.copy() for s in fcs]
    net.predict(X)
    net["cost"].compute(y, net.out)
    net.update(net["cost"].pr())  # W -= ∂J/∂W for every layer
    for s, W0, g in zip(fcs, before, numeric):
        np.testing.assert_allclose(W0 - s.func.W, g, rtol=RTOL, atol=1e-9)


def test_network_sigmoid_bce():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(8, 3))
    y = (rng.random((8, 1)) > 0.5) + 0.0
    init = XavierHe("Normal", "Sigmoid").init_func
    _network_gradient_check([Fullyconnected(3, 5, init), Activation(σ), Fullyconnected(5, 4, init), Activation(Tanh),
                             Fullyconnected(4, 1, init), Activation(σ)], BinaryCrossEntropy, X, y)


def test_network_softmax_ce():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(9, 4))
    y = np.eye(3)[rng.integers(0, 3, 9)]
    init = XavierHe("Uniform", "ReLU").init_func
    _network_gradient_check([Fullyconnected(4, 6, init), Activation(ELU), Fullyconnected(6, 3, init),
                             Activation(Softmax)], CrossEntropy, X, y)


@pytest.mark.parametrize("act", [ReLU, LeakyReLU, ELU])
def test_network_relu_family_mse(act):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(10, 3))
    y = rng.normal(size=(10, 2))
    init = XavierHe("Normal", "ReLU").init_func
    _network_gradient_check([Fullyconnected(3, 7, init), Activation(act), Fullyconnected(7, 2, init)], MSE, X, y)


@pytest.mark.parametrize("cost,act,width", [(BinaryCrossEntropy, σ, 1), (CrossEntropy, Softmax, 3), (MSE, Tanh, 2)])
def test_training_loop_step_equals_gradient_descent(cost, act, width):
    """One full-batch epoch of the buffered, fused training loop == W - α ∂J/∂W."""
    rng = np.random.default_rng(9)
    X = rng.normal(size=(12, 3))
    y = np.eye(width)[rng.integers(0, width, 12)] if width > 1 else (rng.random((12, 1)) > 0.5) + 0.0
    if cost is MSE:
        y = rng.normal(size=(12, width))
    init = XavierHe("Normal", "Tanh").init_func
    net = Sequential([Fullyconnected(3, 4, init), Activation(Tanh), Fullyconnected(4, width, init), Activation(act)],
                     cost, seed=0)
    fcs = [s for s in net if isinstance(s, Fullyconnected)]
    numeric = [numeric_grad(lambda: net["cost"].compute(y, net.predict(X)), s.func.W) for s in fcs]
    before = [s.func.W.copy() for s in fcs]
    net.train(X, y, epochs=1, α=0.3, verbose=False)
    for s, W0, g in zip(fcs, before, numeric):
        np.testing.assert_allclose(s.func.W, W0 - 0.3 * g, rtol=1e-6, atol=1e-10)
