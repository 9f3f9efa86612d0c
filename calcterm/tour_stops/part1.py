"""Tour stops for Part 1 of the article: derivatives, gradients, integrals, Taylor, Newton."""

from __future__ import annotations

import math

from calcterm.text import T
from calcterm.tour import Check, Stop
from calcterm.tour_stops.closed import left_sum_of_sin, newton_constant

STOPS = (
    Stop("tangent", "P1 §1.1",
         say=T("A secant through two points of y = x² has slope ((1 + h)² − 1)/h = 2 + h. Each step "
               "halves h: the secant turns onto the tangent and its slope closes in on 2. That limit "
               "is the derivative.",
               "过 y = x² 上两点的割线斜率是 ((1 + h)² − 1)/h = 2 + h。每一步把 h 减半："
               "割线转向切线，斜率逼近 2。这个极限就是导数。"),
         look=T("the left panel, where the secant pivots onto the tangent, and the quotient in the "
                "readout", "左图中割线转到切线上的过程，以及读数里的差商"),
         try_=T("press n a few times and watch the quotient lose its excess h",
                "按几次 n，看差商多出来的 h 一点点消失"),
         check=Check("data.secant_slope", 2 + 2.0 ** -8, 1e-12, "2 + h, h = 2⁻⁸"),
         settings={"view": "secant", "f": "x^2", "x0": "1", "h": "1", "scheme": "forward"}, steps=8),
    Stop("tangent", "P1 §1.2",
         say=T("The ε–δ definition made visible: for every band f′ ± ε around the slope there is a "
               "δ such that every secant with 0 < |h| < δ stays inside it. For x³ at 1 the quotient "
               "is 3 + 3h + h², so with ε = 0.1 the largest δ is (√9.4 − 3)/2 ≈ 0.033.",
               "ε–δ 定义的可视化：对斜率周围的每一条带 f′ ± ε，都存在 δ，使所有 0 < |h| < δ 的割线斜率"
               "都落在带内。x³ 在 1 处的差商是 3 + 3h + h²，所以 ε = 0.1 时最大的 δ 是 (√9.4 − 3)/2 ≈ 0.033。"),
         look=T("the band around the slope and the δ interval where the quotient stays inside",
                "斜率周围的带，以及差商留在带内的 δ 区间"),
         try_=T("press n: ε halves and δ shrinks with it, roughly δ ≈ ε/3",
                "按 n：ε 减半，δ 随之缩小，大约 δ ≈ ε/3"),
         check=Check("data.delta", (math.sqrt(9.4) - 3.0) / 2.0, 1e-9,
                     T("the positive root of h² + 3h = ε", "h² + 3h = ε 的正根")),
         settings={"view": "epsilon", "f": "x^3", "x0": "1", "eps": "0.1"}),
    Stop("tangent", "P1 §1.2",
         say=T("A limit has to be the same from both sides. For |x| at 0 the quotient is −1 for "
               "every h < 0 and +1 for every h > 0, however small h gets, so no derivative exists there.",
               "极限必须从两侧趋于同一个值。|x| 在 0 处，h < 0 时差商恒为 −1，h > 0 时恒为 +1，"
               "无论 h 多小都如此，所以那里没有导数。"),
         look=T("the readout's left and right slopes, and the note that names the kink",
                "读数中的左右斜率，以及指出尖点的提示"),
         try_=T("move x0 away from 0 with → and the derivative comes back",
                "用 → 把 x0 移离 0，导数就又存在了"),
         check=Check("data.left_slope", -1.0, 1e-12, T("d|x|/dx from the left", "d|x|/dx 的左极限")),
         settings={"view": "secant", "f": "abs(x)", "x0": "0"}, steps=6),
    Stop("autodiff", "P1 §1.3",
         say=T("x·sin x is a small graph: a product whose second factor is a function of x. The "
               "product rule and the chain rule become one local derivative per edge, and the "
               "gradient is their sum over paths: sin x + x cos x.",
               "x·sin x 是一个小计算图：乘积的第二个因子又是 x 的函数。乘积法则和链式法则变成每条边上的"
               "局部导数，梯度是沿各条路径的乘积之和：sin x + x cos x。"),
         look=T("the edges' local derivatives, and how x collects two contributions",
                "各条边上的局部导数，以及 x 如何收集两份贡献"),
         try_=T("press space to sweep the graph node by node", "按空格逐个节点地扫过计算图"),
         check=Check("data.gradient[0]", math.sin(2.0) + 2.0 * math.cos(2.0), 1e-12,
                     "sin 2 + 2 cos 2"),
         settings={"graph": "expr", "f": "x*sin(x)", "x": "2", "y": "5"}),
    Stop("tangent", "P1 §2.1",
         say=T("The tangent line is the best linear model: f(x₀ + h) ≈ f(x₀) + f′(x₀)h, the "
               "differential. Used on both sides, as the central quotient does, its error for eˣ "
               "at 0 is sinh(h)/h − 1 ≈ h²/6: second order, not first.",
               "切线是最好的线性模型：f(x₀ + h) ≈ f(x₀) + f′(x₀)h，即微分。像中心差商那样两侧同时使用时，"
               "eˣ 在 0 处的误差是 sinh(h)/h − 1 ≈ h²/6：二阶而不是一阶。"),
         look=T("the right panel: the error falls with slope 2 until rounding takes over",
                "右图：误差以斜率 2 下降，直到舍入误差占上风"),
         try_=T("switch scheme to forward and compare the slopes of the two error curves",
                "把 scheme 换成 forward，比较两条误差曲线的斜率"),
         check=Check("data.secant_slope", math.sinh(2.0 ** -10) / 2.0 ** -10, 1e-13,
                     "sinh(h)/h, h = 2⁻¹⁰"),
         settings={"view": "secant", "f": "exp(x)", "x0": "0", "h": "1", "scheme": "central"}, steps=10),
    Stop("gradient", "P1 §2.2",
         say=T("On the bowl x² + 3y² at (1, 1) the gradient is (2, 6). As u turns, the slope D_u f "
               "traces ‖∇f‖cos θ: largest, √40, when u points along ∇f at 71.6°, zero along the "
               "level set.",
               "在碗面 x² + 3y² 的点 (1, 1)，梯度是 (2, 6)。u 旋转时，斜率 D_u f 画出 ‖∇f‖cos θ："
               "u 沿 ∇f（71.6°）时最大，为 √40；沿等高线时为零。"),
         look=T("the lower right panel: the measured slopes lie on the cosine",
                "右下图：测得的斜率都落在余弦曲线上"),
         try_=T("press space and watch u sweep past 71.6°", "按空格，看 u 扫过 71.6°"),
         check=Check("data.grad_norm", math.sqrt(40.0), 1e-12, "‖(2, 6)‖ = √40"),
         settings={"f": "x^2+3*y^2", "x0": "1", "y0": "1", "theta": "0"}, steps=18),
    Stop("gradient", "P1 §2.2",
         say=T("x²y/(x² + y²) at the origin has a slope in every direction, cos²θ·sin θ, and both "
               "partials are 0, so ∇f = 0. Yet at 45° the slope is √2/4, not ∇f·u = 0: the cosine law "
               "needs f to be differentiable, and this f is not.",
               "x²y/(x² + y²) 在原点沿每个方向都有斜率 cos²θ·sin θ，两个偏导数都是 0，所以 ∇f = 0。"
               "但在 45° 方向斜率是 √2/4，而不是 ∇f·u = 0：余弦定律要求 f 可微，这个 f 不可微。"),
         look=T("the lower right panel, where the measured slopes leave the cosine",
                "右下图中测得的斜率偏离余弦曲线"),
         try_=T("press space to turn u and see where the two curves disagree",
                "按空格旋转 u，看两条曲线在哪里不一致"),
         check=Check("data.directional", math.sqrt(2.0) / 4.0, 1e-9, "cos²45°·sin 45° = √2/4"),
         settings={"f": "x^2*y/(x^2+y^2)", "x0": "0", "y0": "0", "theta": "45"}),
    Stop("jacobian", "P1 §2.3",
         say=T("Polar coordinates followed by z ↦ z²: the chain rule says the Jacobian of the "
               "composite is the product J₂J₁, so determinants multiply: r from the polar map times "
               "4|z|² = 4r² from squaring, 4r³ = 32 at r = 2.",
               "先做极坐标映射再做 z ↦ z²：链式法则说复合映射的雅可比是乘积 J₂J₁，所以行列式相乘："
               "极坐标给出 r，平方映射给出 4|z|² = 4r²，在 r = 2 处为 4r³ = 32。"),
         look=T("the readout: J₂J₁ beside the composite's own Jacobian", "读数：J₂J₁ 与复合映射自身的雅可比并列"),
         try_=T("change second to another map and check that the determinants still multiply",
                "把 second 换成别的映射，检查行列式是否仍然相乘"),
         check=Check("data.det_composite", 4.0 * 2.0 ** 3, 1e-9, T("r · 4r² at r = 2", "r · 4r²，r = 2")),
         settings={"view": "compose", "map": "polar", "second": "square", "u0": "2"}),
    Stop("riemann", "P1 §3.1",
         say=T("Ten rectangles under sin x on [0, π], each as tall as f at its left end. Their areas "
               "add up to (π/10)·cot(π/20) ≈ 1.9835, just short of the true area 2.",
               "在 [0, π] 上的 sin x 下面放十个矩形，每个的高等于左端点处的 f。面积之和是 "
               "(π/10)·cot(π/20) ≈ 1.9835，略小于真实面积 2。"),
         look=T("the rectangles and the sum Sₙ in the readout", "矩形，以及读数中的 Sₙ"),
         try_=T("set rule to midpoint and see the gap to 2 shrink", "把 rule 设为 midpoint，看与 2 的差距缩小"),
         check=Check("data.sum", left_sum_of_sin(10), 1e-12, "(π/10)·cot(π/20)"),
         settings={"f": "sin(x)", "a": "0", "b": "pi", "n": "10", "rule": "left"}),
    Stop("riemann", "P1 §3.1",
         say=T("Doubling n six times: the left sum's error falls 4× per doubling, order 2, not the "
               "order 1 a left rule usually has. Because sin 0 = sin π, the left sum equals the "
               "trapezoid sum here.",
               "把 n 连续加倍六次：左端点和的误差每次缩小为 1/4，是 2 阶，而不是左端点法通常的 1 阶。"
               "因为 sin 0 = sin π，这里左端点和等于梯形和。"),
         look=T("the right panel: this run follows the n⁻² line", "右图：本次运行沿着 n⁻² 那条线走"),
         try_=T("set b to 3 so that f(a) ≠ f(b), and the order drops to 1",
                "把 b 设为 3，使 f(a) ≠ f(b)，阶数就降到 1"),
         check=Check("data.observed_order", 2.0, 0.01, T("the trapezoid rule's order", "梯形法的阶")),
         settings={"f": "sin(x)", "a": "0", "b": "pi", "n": "10", "rule": "left"}, steps=6),
    Stop("riemann", "P1 §3.2",
         say=T("F(x) = ∫₀ˣ cos t dt grows as x sweeps to the right, and its slope at every x is "
               "cos x: the first part of the fundamental theorem. Half-way, at x = 1, F = sin 1.",
               "x 向右扫过时，F(x) = ∫₀ˣ cos t dt 不断累积，每一点的斜率都是 cos x：这是微积分基本定理"
               "的第一部分。走到一半 x = 1 时，F = sin 1。"),
         look=T("the growing area and F's slope against f(x) in the readout",
                "不断增长的面积，以及读数中 F 的斜率与 f(x) 的对比"),
         try_=T("press space to finish the sweep", "按空格把扫描走完"),
         check=Check("data.F", math.sin(1.0), 1e-9, "sin 1"),
         settings={"view": "accumulate", "f": "cos(x)", "a": "0", "b": "2"}, steps=30),
    Stop("riemann", "P1 §3.2",
         say=T("∫₀¹ f′ = f(1) − f(0) needs f′ to be integrable. For √x, f′ = 1/(2√x) is unbounded "
               "at 0: the midpoint sums still reach 1, but their error shrinks only like n^(−1/2).",
               "∫₀¹ f′ = f(1) − f(0) 要求 f′ 可积。对 √x，f′ = 1/(2√x) 在 0 附近无界："
               "中点和仍然趋于 1，但误差只按 n^(−1/2) 缩小。"),
         look=T("the error plot: this run is far flatter than the n⁻² line",
                "误差图：本次运行比 n⁻² 那条线平缓得多"),
         try_=T("set f to x^2 and see the order return to 2", "把 f 设为 x^2，看阶数回到 2"),
         check=Check("data.observed_order", 0.5, 0.01, T("midpoint error ∝ n^(−1/2) at the singularity", "奇点处中点和误差 ∝ n^(−1/2)")),
         settings={"view": "ftc", "f": "sqrt(x)", "a": "0", "b": "1", "rule": "midpoint"}, steps=4),
    Stop("jacobian", "P1 §3.3",
         say=T("A little square of side h at (r, θ) = (2, π/6) maps to a curved cell whose area is "
               "h²(r + h/2). Divided by h² that tends to |det J| = r = 2: the factor a change of "
               "variables must carry.",
               "在 (r, θ) = (2, π/6) 处边长为 h 的小正方形被映成一块弯曲的小格，面积是 h²(r + h/2)。"
               "除以 h² 后趋于 |det J| = r = 2：这正是变量替换必须带上的因子。"),
         look=T("the area ratio in the readout, closing in on 2", "读数中的面积比逐步逼近 2"),
         try_=T("drag morph towards 0 to see the plane before the map", "把 morph 调向 0，看映射之前的平面"),
         check=Check("data.area_ratio", 2.0 + 0.5 * 2.0 ** -5, 1e-12, T("r + h/2 with h = 2⁻⁵", "r + h/2，h = 2⁻⁵")),
         settings={"view": "cell", "map": "polar", "u0": "2", "v0": "pi/6", "h": "0.5"}, steps=4),
    Stop("jacobian", "P1 §3.3",
         say=T("∫∫ e^(−(x²+y²)/2) over the disk of radius 2, summed on a polar grid. With the factor "
               "r the sums reach 2π(1 − e⁻²) ≈ 5.43; forget |J| and they converge just as happily "
               "to the wrong 2π·√(π/2)·erf(√2) ≈ 7.52.",
               "在半径 2 的圆盘上对 e^(−(x²+y²)/2) 做极坐标网格求和。带着因子 r，和趋于 "
               "2π(1 − e⁻²) ≈ 5.43；忘了 |J|，它也同样收敛，却收敛到错误的 2π·√(π/2)·erf(√2) ≈ 7.52。"),
         look=T("the two sums side by side as n doubles", "n 加倍时并排的两个和"),
         try_=T("raise theta_max past 2π and watch the disk get counted twice",
                "把 theta_max 调过 2π，看圆盘被数了两遍"),
         check=Check("data.without_jacobian",
                     2 * math.pi * math.sqrt(math.pi / 2) * math.erf(math.sqrt(2.0)), 1e-4,
                     "2π·√(π/2)·erf(√2)"),
         settings={"view": "integral", "R": "2", "theta_max": "2*pi", "n": "8"}, steps=6),
    Stop("taylor", "P1 §4.1–4.2",
         say=T("1/(1 + x²) is smooth on the whole real line, yet its Taylor series at 0 converges "
               "only for |x| < 1: the complex poles ±i sit at distance 1. Higher orders hug the curve "
               "inside and blow up outside.",
               "1/(1 + x²) 在整条实轴上都光滑，但它在 0 处的泰勒级数只在 |x| < 1 内收敛："
               "复平面上的极点 ±i 距离为 1。阶数越高，在内部贴得越紧，在外部发散得越厉害。"),
         look=T("the polynomials peeling away beyond x = ±1", "多项式在 x = ±1 之外散开"),
         try_=T("set f to sin x and watch the radius become infinite", "把 f 设为 sin x，看收敛半径变为无穷"),
         check=Check("data.radius_estimate", 1.0, 0.02, T("distance from 0 to ±i", "0 到 ±i 的距离")),
         settings={"f": "1/(1+x^2)", "a": "0"}, steps=12),
    Stop("newton", "P1 §4.3",
         say=T("Newton jumps to the minimum of the local quadratic model. Near the minimiser x* of "
               "x⁴ − 3x² + x the error squares each step: e_{k+1}/e_k² tends to f‴(x*)/(2f″(x*)) ≈ 1.45.",
               "牛顿法跳到局部二次模型的最小点。在 x⁴ − 3x² + x 的极小点 x* 附近，误差每步平方："
               "e_{k+1}/e_k² 趋于 f‴(x*)/(2f″(x*)) ≈ 1.45。"),
         look=T("the right panel: Newton's error curve bends down while gradient descent's stays straight",
                "右图：牛顿法的误差曲线向下弯折，梯度下降的仍是直线"),
         try_=T("set x0 near 0, where f″ < 0, and see Newton head for a maximum",
                "把 x0 设在 0 附近（那里 f″ < 0），看牛顿法奔向极大点"),
         check=Check("data.quadratic_ratios[4]",
                     newton_constant(lambda x: 4 * x ** 3 - 6 * x + 1, lambda x: 12 * x * x - 6,
                                     lambda x: 24 * x, 0.5, 2.0), 0.01, "f‴(x*)/(2f″(x*))"),
         settings={"f": "x^4-3*x^2+x", "x0": "2", "mode": "minimise"}, steps=6),
)
