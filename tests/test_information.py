"""Information quantities against identities, closed forms and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcterm.compute import information as info

LN2 = math.log(2.0)

probabilities = st.lists(st.floats(0.0, 1.0), min_size=2, max_size=10).filter(
    lambda v: sum(v) > 1e-3).map(lambda v: np.array(v) / sum(v))


def pairs(strictly_positive_q: bool):
    def build(values):
        k = len(values) // 2
        p, q = np.array(values[:k]), np.array(values[k:2 * k])
        if strictly_positive_q:
            q = q + 1e-3
        return p / p.sum(), q / q.sum()
    return st.integers(2, 10).flatmap(lambda k: st.lists(st.floats(0.0, 1.0), min_size=2 * k,
                                                         max_size=2 * k)).filter(
        lambda v: sum(v[:len(v) // 2]) > 1e-3 and sum(v[len(v) // 2:]) > 1e-3).map(build)


def test_entropy_closed_forms():
    assert info.entropy(np.full(8, 1 / 8)) == pytest.approx(math.log(8), rel=1e-15)
    assert info.entropy(np.array([1.0, 0.0, 0.0])) == 0.0  # 0·ln 0 = 0
    a = 0.3
    assert info.entropy(np.array([a, 1 - a])) == pytest.approx(-a * math.log(a) - (1 - a) * math.log(1 - a))


@settings(max_examples=300, deadline=None)
@given(pairs(strictly_positive_q=False))
def test_cross_entropy_is_entropy_plus_kl(pq):
    """H(p, q) = H(p) + KL(p‖q), including when both sides are +∞."""
    p, q = pq
    ce, h, d = info.cross_entropy(p, q), info.entropy(p), info.kl(p, q)
    if math.isinf(d):
        assert math.isinf(ce) and ce > 0
    else:
        assert ce == pytest.approx(h + d, rel=1e-12, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(pairs(strictly_positive_q=False))
def test_kl_is_nonnegative_and_zero_only_at_equality(pq):
    p, q = pq
    assert info.kl(p, q) >= -1e-15
    assert info.kl(p, p) == pytest.approx(0.0, abs=1e-15)
    if np.abs(p - q).max() > 1e-3:
        assert info.kl(p, q) > 0


def test_kl_terms_can_be_negative_but_the_sum_cannot():
    p, q = np.array([0.7, 0.2, 0.1]), np.array([0.4, 0.4, 0.2])
    terms = info.kl_terms(p, q)
    assert terms[1] < 0 and terms[2] < 0 and terms.sum() > 0
    np.testing.assert_allclose(terms, p * np.log(p / q), rtol=1e-15)


def test_the_articles_pair_infinite_from_the_half_over_zero_term():
    """p = (1, 0), q = (½, ½): KL(p‖q) = ln 2; KL(q‖p) = ∞ because of ½·ln(½/0), term index 1."""
    p, q = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    assert info.kl(p, q) == pytest.approx(LN2, rel=1e-15)
    assert info.kl(q, p) == math.inf
    terms = info.kl_terms(q, p)
    assert terms[0] == pytest.approx(0.5 * math.log(0.5 / 1.0)) and math.isinf(terms[1])
    assert info.infinite_terms(q, p) == [1] and info.infinite_terms(p, q) == []
    # the term 1·ln(1/0.5) is finite, and the 0·ln(0/0.5) term of KL(p‖q) is 0, not undefined
    assert info.kl_terms(p, q)[1] == 0.0


def test_kl_along_the_straight_path_is_infinite_until_the_end():
    p, q0 = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    ts = np.linspace(0.0, 1.0, 11)
    forward, backward = info.kl_along(q0, p, ts)
    np.testing.assert_allclose(forward, -np.log(0.5 + 0.5 * ts), rtol=1e-14, atol=1e-15)
    assert np.all(np.isinf(backward[:-1])) and backward[-1] == 0.0


@settings(max_examples=200, deadline=None)
@given(probabilities)
def test_entropy_gradient_against_central_differences(p):
    p = np.clip(p, 1e-3, None)
    p = p / p.sum()

    def h_free(v):  # H as a function of the free entries (no renormalising)
        return float(-(v * np.log(v)).sum())

    np.testing.assert_allclose(info.entropy_gradient(p), info.central_gradient(h_free, p, 1e-7),
                               rtol=1e-6, atol=1e-6)
    assert info.entropy_gradient(np.array([0.0, 1.0]))[0] == math.inf


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=2, max_size=10), st.data())
def test_softmax_cross_entropy_gradient_is_q_minus_y(z, data):
    z = np.array(z)
    k = len(z)
    label = data.draw(st.integers(0, k - 1))
    eps = data.draw(st.floats(0.0, 0.5))
    y = info.smoothed_label(label, k, eps)
    assert y.sum() == pytest.approx(1.0)
    loss, grad = info.softmax_cross_entropy(z, y)
    np.testing.assert_allclose(grad, info.softmax(z) - y, atol=1e-15)
    fd = info.central_gradient(lambda v: info.softmax_cross_entropy(v, y)[0], z, 1e-5)
    np.testing.assert_allclose(grad, fd, atol=1e-8)
    assert loss >= info.entropy(y) - 1e-12  # the floor: H(y) = min over z


def test_gradient_for_an_unnormalised_target_is_not_q_minus_y():
    z, y = np.array([0.5, -1.0, 2.0]), np.array([2.0, 0.0, 1.0])
    _, grad = info.softmax_cross_entropy(z, y)
    fd = info.central_gradient(lambda v: info.softmax_cross_entropy(v, y)[0], z)
    np.testing.assert_allclose(grad, fd, atol=1e-9)
    assert np.abs(grad - (info.softmax(z) - y)).max() > 0.5


def test_batch_mean_divides_the_gradient_by_n():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 4))
    y = np.eye(4)[rng.integers(0, 4, 5)]
    loss, grad = info.batch_softmax_cross_entropy(z, y)
    single = [info.softmax_cross_entropy(z[i], y[i]) for i in range(5)]
    assert loss == pytest.approx(np.mean([s[0] for s in single]))
    np.testing.assert_allclose(grad, np.array([s[1] for s in single]) / 5, atol=1e-15)
    fd = info.central_gradient(lambda v: info.batch_softmax_cross_entropy(v, y)[0], z)
    np.testing.assert_allclose(grad, fd, atol=1e-9)


def test_softmax_is_stable_for_huge_logits():
    q = info.softmax(np.array([1000.0, 999.0, -1000.0]))
    np.testing.assert_allclose(q, [1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1)), 0.0])
    assert np.isfinite(info.log_softmax(np.array([1000.0, -1000.0]))).all()


def test_default_softmax_gradient_value():
    """The tour's check: z = (2, 1, 0.1), label 0 → ∂L/∂z₀ = e²/(e² + e + e^0.1) − 1."""
    _, grad = info.softmax_cross_entropy(np.array([2.0, 1.0, 0.1]), np.array([1.0, 0.0, 0.0]))
    expected = math.exp(2) / (math.exp(2) + math.exp(1) + math.exp(0.1)) - 1
    assert grad[0] == pytest.approx(expected, rel=1e-14)


# ---------------------------------------------------------------- maximum entropy


def bisect_lambda(faces: int, mean: float) -> float:
    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if info.tilted(faces, mid)[1] < mean:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def test_brandeis_dice():
    """Jaynes' die with mean 4.5: p₁ ≈ 0.05435, p₆ ≈ 0.34749, λ ≈ 0.371049."""
    lam = info.maxent_newton(6, 4.5, 50)[-1]
    p, mean, _ = info.tilted(6, lam)
    assert mean == pytest.approx(4.5, abs=1e-13)
    assert lam == pytest.approx(0.371048938, abs=1e-9)
    assert p[0] == pytest.approx(0.05435, abs=5e-6) and p[5] == pytest.approx(0.34749, abs=5e-6)


@pytest.mark.parametrize("faces, mean", [(6, 1.2), (6, 3.5), (6, 5.9), (2, 1.7), (20, 3.0),
                                         (20, 19.5), (10, 5.5)])
def test_newton_matches_bisection_and_converges_quadratically(faces, mean):
    history = info.maxent_newton(faces, mean, 100)
    root = bisect_lambda(faces, mean)
    assert history[-1] == pytest.approx(root, abs=1e-11)
    errors = [abs(h - root) for h in history]
    late = [(a, b) for a, b in zip(errors, errors[1:]) if 1e-6 < a < 1e-2]
    for a, b in late:  # quadratic: the next error is at most C·error² with a modest C
        assert b <= 10 * a * a


@pytest.mark.parametrize("faces, mean", [(6, 4.5), (6, 2.0), (12, 9.3)])
def test_maxent_beats_every_law_with_the_same_mean(faces, mean):
    """The tilted law maximises H on {p ≥ 0, Σp = 1, Σ i p_i = m}."""
    p, _, _ = info.tilted(faces, info.maxent_newton(faces, mean, 100)[-1])
    h = info.entropy(p)
    i = np.arange(1, faces + 1)
    for other in info.same_mean_competitors(faces, mean).values():
        assert other @ i == pytest.approx(mean) and info.entropy(other) < h
    rng = np.random.default_rng(0)
    basis = np.linalg.svd(np.vstack([np.ones(faces), i]))[2][2:]  # directions keeping both sums
    for _ in range(200):
        d = rng.normal(size=len(basis)) @ basis
        step = 0.5 * np.min(np.where(d < 0, p / -d, np.inf))
        assert info.entropy(p + step * d) < h
    # the exponential-family form: ln p is affine in i, with slope λ
    slope = np.diff(np.log(p))
    np.testing.assert_allclose(slope, info.maxent_newton(faces, mean, 100)[-1], atol=1e-12)


def test_maxent_edges_and_uniform():
    assert info.maxent_newton(6, 3.5, 10) == [0.0]
    assert info.maxent_newton(6, 1.0, 10)[-1] == -math.inf
    p, mean, _ = info.tilted(6, math.inf)
    assert mean == 6 and p[-1] == 1
    with pytest.raises(ValueError):
        info.maxent_newton(6, 6.5, 10)


def test_competitors():
    c = info.same_mean_competitors(6, 4.5)
    np.testing.assert_allclose(c["neighbours"], [0, 0, 0, 0.5, 0.5, 0])
    assert info.entropy(c["neighbours"]) == pytest.approx(LN2)
    np.testing.assert_allclose(c["ends"], [0.3, 0, 0, 0, 0, 0.7])
    np.testing.assert_allclose(info.same_mean_competitors(6, 4.0)["neighbours"], [0, 0, 0, 1, 0, 0])


# ------------------------------------------------------------------------ Gaussian fits


def dense(fun, lo=-40.0, hi=40.0, n=400001):
    """∫ fun(x) dx by the trapezoid rule on a fine grid: a second, independent quadrature."""
    x = np.linspace(lo, hi, n)
    y = fun(x)
    return float(np.sum((y[1:] + y[:-1]) * 0.5 * (x[1] - x[0])))


def normal_pdf(x, m, s):
    return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def mixture_pdf(x, d):
    return 0.5 * normal_pdf(x, -d, 1.0) + 0.5 * normal_pdf(x, d, 1.0)


@pytest.mark.parametrize("d", [0.0, 0.5, 3.0, 6.0])
def test_mixture_log_density_and_entropy(d):
    x = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(info.mixture_logpdf(x, d), np.log(mixture_pdf(x, d)), rtol=1e-12)
    expected = dense(lambda t: -mixture_pdf(t, d) * np.log(np.maximum(mixture_pdf(t, d), 1e-300)))
    assert info.mixture_entropy(d) == pytest.approx(expected, abs=1e-9)
    if d == 6.0:  # well separated: h ≈ h(N(0,1)) + ln 2
        assert info.mixture_entropy(d) == pytest.approx(0.5 * math.log(2 * math.pi * math.e) + LN2, abs=1e-6)


@pytest.mark.parametrize("m, s, d", [(1.5, 1.0, 3.0), (0.0, 3.2, 3.0), (-2.0, 0.3, 1.0),
                                     (0.4, 2.0, 0.0), (3.0, 1.0, 6.0)])
def test_kl_values_against_direct_integration(m, s, d):
    def q(x):
        return normal_pdf(x, m, s)

    def p(x):
        return mixture_pdf(x, d)

    def safe_log(v):
        return np.log(np.maximum(v, 1e-300))

    forward = dense(lambda x: p(x) * (safe_log(p(x)) - safe_log(q(x))))
    backward = dense(lambda x: q(x) * (safe_log(q(x)) - info.mixture_logpdf(x, d)))
    assert info.forward_kl(m, s, d)[0] == pytest.approx(forward, abs=1e-8)
    assert info.reverse_kl(m, s, d)[0] == pytest.approx(backward, abs=1e-8)


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("m, s, d", [(1.5, 1.0, 3.0), (-0.7, 0.4, 2.0), (2.5, 3.0, 0.0)])
def test_kl_gradients_against_finite_differences(forward, m, s, d):
    fun = info.forward_kl if forward else info.reverse_kl
    _, gm, gl = fun(m, s, d)
    h = 1e-5
    fd_m = (fun(m + h, s, d)[0] - fun(m - h, s, d)[0]) / (2 * h)
    fd_l = (fun(m, s * math.exp(h), d)[0] - fun(m, s * math.exp(-h), d)[0]) / (2 * h)
    assert gm == pytest.approx(fd_m, abs=1e-7) and gl == pytest.approx(fd_l, abs=1e-7)


def test_gaussian_kl_closed_forms_when_p_is_one_gaussian():
    """d = 0: KL(N(m,s²)‖N(0,1)) = ½(s² + m² − 1) − ln s; KL(N(0,1)‖N(m,s²)) = ln s + (1+m²)/2s² − ½."""
    m, s = 0.8, 1.7
    assert info.reverse_kl(m, s, 0.0)[0] == pytest.approx(0.5 * (s * s + m * m - 1) - math.log(s), abs=1e-12)
    assert info.forward_kl(m, s, 0.0)[0] == pytest.approx(math.log(s) + (1 + m * m) / (2 * s * s) - 0.5, abs=1e-12)


def test_forward_fit_matches_moments_and_reverse_fit_picks_a_mode():
    d = 3.0
    mf, sf = 1.5, 1.0
    mr, sr = 1.5, 1.0
    for _ in range(3000):
        mf, sf, _ = info.fit_step(mf, sf, d, 0.1, forward=True)
        mr, sr, _ = info.fit_step(mr, sr, d, 0.1, forward=False)
    assert mf == pytest.approx(0.0, abs=1e-9) and sf == pytest.approx(math.sqrt(1 + d * d), rel=1e-9)
    _, gm, gl = info.reverse_kl(mr, sr, d)
    assert abs(gm) < 1e-10 and abs(gl) < 1e-10
    assert abs(mr - d) < 0.05 and abs(sr - 1.0) < 0.05  # sits on one mode
    # it misses the other half of p: KL just below ln 2 (the other mode overlaps a little)
    assert LN2 - 0.01 < info.reverse_kl(mr, sr, d)[0] < info.reverse_kl(d, 1.0, d)[0] < LN2


def test_differential_entropy_can_be_negative():
    """h(U[0, ½]) = −ln 2 < 0; for a Gaussian, h < 0 once s < 1/√(2πe)."""
    s0 = 1 / math.sqrt(2 * math.pi * math.e)
    assert info.gaussian_entropy(s0) == pytest.approx(0.0, abs=1e-15)
    assert info.gaussian_entropy(0.1) < 0 < info.gaussian_entropy(0.3)
    half = dense(lambda x: -normal_pdf(x, 0, 0.1) * np.log(np.maximum(normal_pdf(x, 0, 0.1), 1e-300)),
                 -2, 2, 200001)
    assert info.gaussian_entropy(0.1) == pytest.approx(half, abs=1e-9)


def test_fit_steps_are_clipped_far_from_the_modes():
    """m = −8, s = 0.1 against modes at ±6: the exact step on ln s would be e^(thousands)."""
    m, s, _ = info.fit_step(-8.0, 0.1, 6.0, 1.0, forward=True)
    assert abs(m + 8.0) <= info.MAX_STEP + 1e-12 and abs(math.log(s / 0.1)) <= info.MAX_STEP + 1e-12
    _, gm, gl = info.forward_kl(0.5, 2.0, 1.0)
    m, s, _ = info.fit_step(0.5, 2.0, 1.0, 0.01, forward=True)  # small steps are not touched
    assert m == pytest.approx(0.5 - 0.01 * gm) and s == pytest.approx(2.0 * math.exp(-0.01 * gl))


def test_underflow_is_zero_not_an_error():
    with np.errstate(all="raise"):
        assert info.softmax(np.array([1000.0, -1000.0]))[1] == 0.0
        assert info.tilted(20, -800.0)[0][-1] == 0.0
        assert math.isfinite(info.reverse_kl(-8.0, 0.1, 6.0)[0])
