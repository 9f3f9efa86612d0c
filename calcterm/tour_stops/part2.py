"""Tour stops for Part 2 of the article: gradient descent, constraints, information."""

from __future__ import annotations

import math

from calcterm.text import T
from calcterm.tour import Check, Stop
from calcterm.tour_stops.closed import (
    heavy_ball_beta, heavy_ball_eta, maxent_lambda, quadratic_gradient, sign, softmax,
)

_G = quadratic_gradient(10.0, 30.0, -4.0, 3.0)
_BETA = heavy_ball_beta(10.0, 1.0)

STOPS = (
    Stop("descent", "P2 §1.1",
         say=T("Gradient descent on a quadratic bowl with curvatures μ = 1 and L = 10, step η = 0.1 "
               "= 1/L. Each step multiplies f − f* by (1 − ημ)² = 0.81 once the steep direction has "
               "been wiped out in the first step.",
               "在曲率 μ = 1、L = 10 的二次碗面上做梯度下降，步长 η = 0.1 = 1/L。陡峭方向在第一步就被消去，"
               "之后每一步把 f − f* 乘以 (1 − ημ)² = 0.81。"),
         look=T("the straight line of f − f* on the log plot, and \"rate seen\"", "对数图上 f − f* 的直线，以及「实测速率」"),
         try_=T("press space and follow the path down the valley", "按空格，沿山谷跟随路径"),
         check=Check("data.measured_rate.gd", (1 - 0.1 * 1.0) ** 2, 1e-9, "(1 − ημ)²"),
         settings={"view": "paths", "surface": "quadratic", "kappa": "10", "eta": "0.1", "optimizer": "gd"}, steps=100),
    Stop("descent", "P2 §1.2",
         say=T("The step size has a hard limit: along the steep axis each step multiplies the error "
               "by 1 − ηL. Past η = 2/L = 0.2 that factor is below −1, so the path zigzags outward "
               "and f − f* grows by (ηL − 1)² = 1.21 every step.",
               "步长有硬上限：沿陡峭方向，每一步把误差乘以 1 − ηL。η 超过 2/L = 0.2 后这个因子小于 −1，"
               "路径向外之字形发散，f − f* 每步增长 (ηL − 1)² = 1.21 倍。"),
         look=T("the zigzag on the contour map", "等高线图上的之字形"),
         try_=T("set eta to 0.19 and the zigzag turns inward", "把 eta 设为 0.19，之字形就向内收敛"),
         check=Check("data.measured_rate.gd", (0.21 * 10 - 1) ** 2, 1e-9, "(ηL − 1)²"),
         settings={"view": "paths", "surface": "quadratic", "kappa": "10", "eta": "0.21", "optimizer": "gd"}, steps=100),
    Stop("descent", "P2 §1.3",
         say=T("Strong convexity bounds the slow direction: with κ = L/μ = 100 and η = 1/L the loss "
               "shrinks only by (1 − 1/κ)² = 0.9801 per step. Ill-conditioning, not the step size, "
               "sets the pace.",
               "强凸性给慢方向定了下限：κ = L/μ = 100、η = 1/L 时，损失每步只缩小为 (1 − 1/κ)² = 0.9801。"
               "决定速度的是病态程度，而不是步长。"),
         look=T("the long thin valley and the slow straight line on the log plot", "细长的山谷，以及对数图上缓慢的直线"),
         try_=T("lower kappa to 2 and watch the descent finish in a few steps", "把 kappa 降到 2，看下降几步就完成"),
         check=Check("data.measured_rate.gd", (1 - 0.01) ** 2, 1e-9, "(1 − 1/κ)²"),
         settings={"view": "paths", "surface": "quadratic", "kappa": "100", "eta": "0.01", "optimizer": "gd"}, steps=50),
    Stop("descent", "P2 §1.4",
         say=T("Momentum tuned for κ = 10 (β = ((√κ − 1)/(√κ + 1))² ≈ 0.27) shrinks the loss by about β "
               "per step, where gradient descent at its best step manages ((κ − 1)/(κ + 1))² ≈ 0.67: "
               "the rate depends on √κ instead of κ.",
               "为 κ = 10 调好的动量（β = ((√κ − 1)/(√κ + 1))² ≈ 0.27）每步把损失缩小约 β 倍，"
               "而梯度下降取最佳步长也只有 ((κ − 1)/(κ + 1))² ≈ 0.67：速率依赖 √κ 而不是 κ。"),
         look=T("the rate seen in the readout", "读数中的实测速率"),
         try_=T("set beta to 0.9 and see the path overshoot and spiral", "把 beta 设为 0.9，看路径冲过头并绕圈"),
         check=Check("data.measured_rate.momentum", _BETA, 0.005, "((√κ − 1)/(√κ + 1))²"),
         settings={"view": "paths", "surface": "quadratic", "kappa": "10", "optimizer": "momentum",
                   "eta": repr(heavy_ball_eta(10.0, 1.0)), "beta": repr(_BETA)}, steps=200),
    Stop("descent", "P2 §1.4",
         say=T("The momentum map: heavy ball's exact rate on the quadratic for every (η, β). In the "
               "underdamped region each eigen-direction spirals in at the same rate √β, whatever η: "
               "with β = 0.9 that is √0.9 ≈ 0.949 per step, slower than plain gradient descent.",
               "动量图：重球法在二次函数上对每个 (η, β) 的精确收敛速率。在欠阻尼区，每个特征方向都以同样的速率 "
               "√β 螺旋收敛，与 η 无关：β = 0.9 时每步 √0.9 ≈ 0.949，比普通梯度下降还慢。"),
         look=T("the map's valley and where the current setting sits", "图中的谷底，以及当前设置所在的位置"),
         try_=T("lower beta with ←/→ and watch the setting slide towards the best rate",
                "用 ←/→ 降低 beta，看设置点滑向最佳速率"),
         check=Check("data.rate_at_setting", math.sqrt(0.9), 1e-9,
                     T("√β: complex roots of z² − (1 + β − αλ)z + β", "√β：z² − (1 + β − αλ)z + β 的复根")),
         settings={"view": "rates", "surface": "quadratic", "kappa": "10", "eta": "0.1", "beta": "0.9"}),
    Stop("descent", "P2 §1.5",
         say=T("AdaGrad divides each coordinate's step by the root of its summed squared gradients. "
               "So its first step moves every coordinate by η, whatever the gradient's size: "
               "it adapts by √G, not by G.",
               "AdaGrad 把每个坐标的步长除以该坐标梯度平方和的平方根。所以第一步无论梯度多大，"
               "每个坐标都恰好移动 η：它按 √G 而不是按 G 来适应。"),
         look=T("the first step on the contour map: a diagonal of length η√2", "等高线图上的第一步：长度为 η√2 的对角线"),
         try_=T("press space: the steps shrink as the squared gradients pile up", "按空格：平方梯度累积后步长逐渐变小"),
         check=Check("data.paths.adagrad[1][0]", -4.0 - 0.1 * sign(_G[0]), 1e-6, "x₀ − η·sign(∂f/∂x)"),
         settings={"view": "paths", "surface": "quadratic", "kappa": "10", "angle": "30", "optimizer": "adagrad",
                   "eta": "0.1", "x0": "-4", "y0": "3"}, steps=1),
    Stop("lagrange", "P2 §2.1",
         say=T("The nearest point of the unit circle to (2, 1): walking P around the circle, f is "
               "smallest where ∇f and ∇g are parallel, ∇f = −λ∇g, with λ = √5 − 1.",
               "单位圆上离 (2, 1) 最近的点：让 P 绕圆走一圈，f 在 ∇f 与 ∇g 平行处最小，"
               "∇f = −λ∇g，λ = √5 − 1。"),
         look=T("the two arrows turning parallel at x*", "两个箭头在 x* 处变得平行"),
         try_=T("press b to walk back and find where the cross product ∇f × ∇g crosses zero",
                "按 b 往回走，找出叉积 ∇f × ∇g 穿过零的位置"),
         check=Check("data.lambda_star", math.sqrt(5.0) - 1.0, 1e-9, "√5 − 1"),
         settings={"problem": "circle", "cx": "2", "cy": "1", "c": "1"}, steps=120),
    Stop("lagrange", "P2 §2.2",
         say=T("λ is a price: loosening the constraint x² + y² = c changes the best value at rate "
               "−df*/dc = λ. For the circle problem f*(c) = (√5 − √c)², so at c = 2 the price is "
               "√(5/2) − 1.",
               "λ 是价格：放松约束 x² + y² = c，最优值的变化率 −df*/dc = λ。圆问题中 f*(c) = (√5 − √c)²，"
               "所以 c = 2 时价格是 √(5/2) − 1。"),
         look=T("the shadow price beside λ* in the readout", "读数中影子价格与 λ* 并列"),
         try_=T("nudge c with ←/→ and watch f* and λ* move together", "用 ←/→ 微调 c，看 f* 与 λ* 一起变化"),
         check=Check("data.shadow_price", math.sqrt(2.5) - 1.0, 1e-6, T("(√5 − √c)/√c at c = 2", "(√5 − √c)/√c，c = 2")),
         settings={"problem": "circle", "cx": "2", "cy": "1", "c": "2"}),
    Stop("lagrange", "P2 §2.3",
         say=T("With g ≤ 0 the centre moves through the disk. While it is inside, the constraint is "
               "not active and λ = 0; on the way out λ switches on. λ·g = 0 in both cases: "
               "complementary slackness.",
               "约束改为 g ≤ 0 后，中心穿过圆盘。中心在圆内时约束不起作用，λ = 0；出圆时 λ 才变为正。"
               "两种情况下都有 λ·g = 0：互补松弛。"),
         look=T("λ* in the readout while the centre is inside", "中心在圆内时读数中的 λ*"),
         try_=T("press space and watch λ* come back as the centre leaves", "按空格，看中心离开时 λ* 重新出现"),
         check=Check("data.lambda_star", 0.0, 1e-12, T("the constraint is inactive", "约束不起作用")),
         settings={"problem": "circle", "kind": "inequality", "animate": "center"}, steps=50),
    Stop("svm", "P2 §2.4",
         say=T("The widest band between the two classes of the toy set is the strip between y = 1 "
               "and y = −1, pinned by three support vectors. SMO closes the primal–dual gap, and the "
               "margin 2/‖w‖ comes out as 2.",
               "玩具数据中两类之间最宽的带是 y = 1 与 y = −1 之间的条带，由三个支持向量撑住。SMO 把原问题与"
               "对偶问题的间隙压到零，间隔 2/‖w‖ 等于 2。"),
         look=T("the α bars: only the three support vectors are above zero", "α 柱状图：只有三个支持向量大于零"),
         try_=T("set data to outlier and margin to soft, then lower C", "把 data 设为 outlier、margin 设为 soft，再降低 C"),
         check=Check("data.margin", 2.0, 1e-6, T("distance between y = 1 and y = −1", "y = 1 与 y = −1 之间的距离")),
         settings={"data": "toy", "margin": "hard"}, steps=200),
    Stop("entropy", "P2 §3.1",
         say=T("KL divergence is not symmetric. With p = (1, 0) and q = (½, ½), KL(p‖q) = ln 2, but "
               "KL(q‖p) is infinite: q puts mass where p has none, and no finite penalty is enough.",
               "KL 散度不对称。p = (1, 0)、q = (½, ½) 时，KL(p‖q) = ln 2，而 KL(q‖p) 是无穷大："
               "q 在 p 为零的地方放了概率，任何有限的惩罚都不够。"),
         look=T("the terms of both divergences, one of them ∞", "两个散度的各项，其中一项为 ∞"),
         try_=T("press e and give p a little mass on the second outcome", "按 e，给 p 的第二个结果一点概率"),
         check=Check("data.kl_pq", math.log(2.0), 1e-12, "ln 2"),
         settings={"view": "kl", "p": "1, 0", "q": "0.5, 0.5"}),
    Stop("entropy", "P2 §3.2",
         say=T("Cross-entropy is entropy plus divergence: H(p, q) = H(p) + KL(p‖q). For p = (0.7, "
               "0.2, 0.1) and q = (0.4, 0.4, 0.2) it is −Σ pᵢ ln qᵢ ≈ 0.986 nats.",
               "交叉熵等于熵加散度：H(p, q) = H(p) + KL(p‖q)。p = (0.7, 0.2, 0.1)、q = (0.4, 0.4, 0.2) "
               "时，它等于 −Σ pᵢ ln qᵢ ≈ 0.986 奈特。"),
         look=T("the lower right panel: the two bars stack up to the third", "右下图：两根柱叠起来正好是第三根"),
         try_=T("press space: q moves towards p and the KL part disappears", "按空格：q 向 p 移动，KL 部分消失"),
         check=Check("data.cross_entropy", -(0.7 * math.log(0.4) + 0.2 * math.log(0.4) + 0.1 * math.log(0.2)),
                     1e-12, "−Σ pᵢ ln qᵢ"),
         settings={"view": "kl", "p": "0.7, 0.2, 0.1", "q": "0.4, 0.4, 0.2", "base": "e"}),
    Stop("entropy", "P2 §3.3",
         say=T("Among all dice with mean 4.5 the one with the most entropy has p_i ∝ e^{λi}: a "
               "Lagrange problem whose answer is an exponential family. Newton's method finds λ ≈ 0.371.",
               "在所有均值为 4.5 的骰子中，熵最大的那个满足 p_i ∝ e^{λi}：这是一个拉格朗日问题，"
               "答案是指数族。牛顿法求得 λ ≈ 0.371。"),
         look=T("the tilted bars against the competitors with the same mean", "倾斜的柱子与同均值的其他分布对比"),
         try_=T("set mean to 3.5 and λ falls to 0: the fair die", "把 mean 设为 3.5，λ 降到 0：公平的骰子"),
         check=Check("data.lambda", maxent_lambda(6, 4.5), 1e-9, "Σ i e^{λi} / Σ e^{λi} = 4.5"),
         settings={"view": "maxent", "faces": "6", "mean": "4.5"}, steps=6),
    Stop("entropy", "P2 §3.4",
         say=T("For softmax followed by cross-entropy the gradient with respect to the logits is "
               "simply q − y. With z = (2, 1, 0.1) and the true class 0, the first component is "
               "softmax(z)₀ − 1 ≈ −0.341.",
               "softmax 后接交叉熵，对 logits 的梯度就是 q − y。z = (2, 1, 0.1)、真实类别为 0 时，"
               "第一个分量是 softmax(z)₀ − 1 ≈ −0.341。"),
         look=T("the gradient bars against the finite differences", "梯度柱与有限差分的对比"),
         try_=T("press space to take gradient steps on the logits", "按空格，对 logits 做梯度下降"),
         check=Check("data.grad[0]", softmax([2.0, 1.0, 0.1])[0] - 1.0, 1e-12, "softmax(z)₀ − 1"),
         settings={"view": "softmax", "z": "2, 1, 0.1", "label": "0", "smoothing": "0"}),
)
