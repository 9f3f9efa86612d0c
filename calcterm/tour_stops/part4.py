"""Tour stops for Part 4 of the article: variations, VAEs, matrix calculus, manifolds, SDEs."""

from __future__ import annotations

import math

from calcterm.text import T
from calcterm.tour import Check, Stop
from calcterm.tour_stops.closed import cycloid_time, haversine_km, kl_normal, line_time

_NY_BJ = {"lat1": "40.7128", "lon1": "-74.006", "lat2": "39.9042", "lon2": "116.4074",
          "radius_km": "6371"}

STOPS = (
    Stop("brachistochrone", "P4 §1.1",
         say=T("A functional takes a whole curve and returns a number: here the time a bead needs "
               "to slide from A to B. For the straight chute it is √(2(X² + Y²)/(gY)) ≈ 0.639 s.",
               "泛函把整条曲线映成一个数：这里是珠子从 A 滑到 B 所需的时间。"
               "对直线滑道，它是 √(2(X² + Y²)/(gY)) ≈ 0.639 秒。"),
         look=T("the race on one clock", "同一时钟下的比赛"),
         try_=T("press space to start the race", "按空格开始比赛"),
         check=Check("data.T_line", line_time(1.0, 1.0, 9.81), 1e-9, "√(2(X² + Y²)/(gY))"),
         settings={"X": "1", "Y": "1", "g": "9.81", "view": "race"}),
    Stop("brachistochrone", "P4 §1.2",
         say=T("The Euler–Lagrange equation of the time functional is solved by a cycloid. It dips "
               "steeply to pick up speed early and wins: θ_B·√(a/g) ≈ 0.583 s against the line's 0.639 s.",
               "时间泛函的欧拉–拉格朗日方程的解是摆线。它一开始陡降以尽早获得速度，因而获胜："
               "θ_B·√(a/g) ≈ 0.583 秒，直线是 0.639 秒。"),
         look=T("the first-variation panel: flat at the cycloid, sloped at the line",
                "一阶变分图：在摆线处平坦，在直线处有斜率"),
         try_=T("set view to variation and vary the curve by ε", "把 view 设为 variation，用 ε 扰动曲线"),
         check=Check("data.T_cycloid", cycloid_time(1.0, 1.0, 9.81), 1e-9, "θ_B·√(a/g)"),
         settings={"X": "1", "Y": "1", "g": "9.81", "view": "race"}, steps=60),
    Stop("brachistochrone", "P4 §1.2",
         say=T("Gradient descent in function space: a 16-segment polygon, its depths moved downhill "
               "on the time functional, relaxes from the line towards the cycloid, its time to "
               "within 2% of the cycloid's.",
               "函数空间中的梯度下降：一条 16 段折线，沿时间泛函的下降方向调整各点深度，从直线逐渐松弛到摆线，"
               "用时与摆线相差不到 2%。"),
         look=T("the polygon bending and its time in the readout", "折线逐渐弯曲，以及读数中的用时"),
         try_=T("raise N for a finer polygon", "增大 N，得到更细的折线"),
         check=Check("data.T_polygon", cycloid_time(1.0, 1.0, 9.81), 0.012, T("the cycloid's time (N = 16)", "摆线的用时（N = 16）")),
         settings={"X": "1", "Y": "1", "g": "9.81", "view": "discrete", "N": "16"}, steps=200),
    Stop("vae", "P4 §1.3",
         say=T("log p(x) = ELBO + KL(q ‖ posterior): the gap is the KL divergence to the posterior, "
               "not to the prior. With x = 2 the posterior is N(1, ½), so q = N(0, 1) starts "
               "KL ≈ 1.153 below log p(x).",
               "log p(x) = ELBO + KL(q ‖ 后验)：间隙是到后验的 KL 散度，而不是到先验的。x = 2 时后验是 "
               "N(1, ½)，所以 q = N(0, 1) 一开始比 log p(x) 低约 1.153。"),
         look=T("the gap on the log scale as SGD trains q", "SGD 训练 q 时对数刻度上的间隙"),
         try_=T("press space: the gap falls towards 0 as q reaches the posterior",
                "按空格：q 接近后验时间隙趋于 0"),
         check=Check("data.gap", kl_normal(0.0, 1.0, 1.0, math.sqrt(0.5)), 1e-9,
                     "KL(N(0, 1) ‖ N(1, ½))"),
         settings={"x": "2", "s": "1", "mu0": "0", "sigma0": "1", "view": "train"}),
    Stop("vae", "P4 §1.3",
         say=T("Two ways to estimate the gradient from samples. Reparameterising z = μ + σε gives "
               "variance σ²/s⁴ = 1 for the μ-component; the score-function estimator is far noisier.",
               "用样本估计梯度的两种方法。重参数化 z = μ + σε 对 μ 分量的方差是 σ²/s⁴ = 1；"
               "得分函数估计器的噪声大得多。"),
         look=T("measured variances against the exact ones", "实测方差与精确值对比"),
         try_=T("set estimator to score and view to train: SGD may run away", "把 estimator 设为 score、view 设为 train：SGD 可能跑飞"),
         check=Check("data.estimator_variance_seen.reparam", 1.0, 0.15, T("σ²/s⁴ with σ = s = 1", "σ²/s⁴，σ = s = 1")),
         settings={"x": "2", "s": "1", "mu0": "0", "sigma0": "1", "view": "estimators"}, steps=20),
    Stop("matrix", "P4 §2.1",
         say=T("∂(xᵀAx)/∂x = (A + Aᵀ)x, checked entry by entry against central differences. As h "
               "halves the error falls like h² until rounding stops it.",
               "∂(xᵀAx)/∂x = (A + Aᵀ)x，逐项与中心差分比较。h 每次减半，误差按 h² 下降，直到被舍入误差挡住。"),
         look=T("the scatter of analytic against numeric entries on the diagonal",
                "解析值对数值的散点落在对角线上"),
         try_=T("switch symmetric on: the formula becomes 2Ax", "打开 symmetric：公式变成 2Ax"),
         check=Check("data.max_abs_error", 0.0, 1e-6, T("the identity holds: error → 0", "恒等式成立：误差 → 0")),
         settings={"identity": "quadratic", "preset": "article"}, steps=8),
    Stop("matrix", "P4 §2.2",
         say=T("The Kronecker product turns a matrix equation into a vector one: vec(AXB) = "
               "(Bᵀ ⊗ A) vec(X), with vec stacking columns.",
               "克罗内克积把矩阵方程变成向量方程：vec(AXB) = (Bᵀ ⊗ A) vec(X)，其中 vec 按列堆叠。"),
         look=T("the per-entry errors, all at rounding level", "逐项误差，都在舍入误差量级"),
         try_=T("try kron-mixed: (A ⊗ B)(C ⊗ D) = AC ⊗ BD", "试试 kron-mixed：(A ⊗ B)(C ⊗ D) = AC ⊗ BD"),
         check=Check("data.max_abs_error", 0.0, 1e-9, "vec(AXB) = (Bᵀ ⊗ A)vec(X)"),
         settings={"identity": "kron-vec", "order": "column"}),
    Stop("matrix", "P4 §2.3",
         say=T("NumPy's ravel stacks rows, not columns. With that vec the factors swap: vec_r(AXB) = "
               "(A ⊗ Bᵀ) vec_r(X). Mixing the two conventions is a classic silent bug.",
               "NumPy 的 ravel 按行堆叠而不是按列。用这种 vec，两个因子交换位置：vec_r(AXB) = (A ⊗ Bᵀ) vec_r(X)。"
               "混用两种约定是典型的无声错误。"),
         look=T("the formula in the title, with the factors swapped", "标题中的公式，因子已交换"),
         try_=T("set order back to column and compare", "把 order 改回 column 比较"),
         check=Check("data.max_abs_error", 0.0, 1e-9, "vec_r(AXB) = (A ⊗ Bᵀ)vec_r(X)"),
         settings={"identity": "kron-vec", "order": "row"}),
    Stop("matrix", "P4 §2.4",
         say=T("For a batch Z = XWᵀ + 1bᵀ the weight gradient is (∂L/∂Z)ᵀX. The article's "
               "(∂L/∂Z)Xᵀ has shapes (B×out)(in×B), which do not even multiply unless out = in.",
               "对一批数据 Z = XWᵀ + 1bᵀ，权重梯度是 (∂L/∂Z)ᵀX。文中的 (∂L/∂Z)Xᵀ 形状是 (B×out)(in×B)，"
               "除非 out = in，否则连乘都乘不了。"),
         look=T("the shapes listed beside the check", "检查旁列出的形状"),
         try_=T("set preset to random: the shapes change, the rule does not", "把 preset 设为 random：形状变了，规则不变"),
         check=Check("data.article_formula_shape_ok", False, formula=T("(B×out)(in×B) with out ≠ in", "(B×out)(in×B)，out ≠ in")),
         settings={"identity": "batch-grad", "preset": "article"}),
    Stop("geodesic", "P4 §3.1–3.2",
         say=T("On a flat map of the sphere the metric stretches east–west by 1/cos(latitude): the "
               "Tissot ellipses. A path relaxed under that metric bends north over the Arctic: "
               "10 989 km from New York to Beijing, against 14 380 km along the map's straight line.",
               "在球面的平面地图上，度量在东西方向上拉伸 1/cos(纬度) 倍：这就是 Tissot 椭圆。"
               "在这个度量下松弛的路径向北弯过北极：纽约到北京 10 989 千米，而地图上的直线是 14 380 千米。"),
         look=T("the path bending towards the pole on the chart, and the globe", "地图上弯向极点的路径，以及地球仪"),
         try_=T("set mode to shoot and fire geodesics from New York", "把 mode 设为 shoot，从纽约发射测地线"),
         check=Check("data.geodesic_length", haversine_km(40.7128, -74.006, 39.9042, 116.4074, 6371.0),
                     1e-6, T("haversine distance, R = 6371 km", "半正矢公式距离，R = 6371 千米")),
         settings={"view": "sphere", "mode": "relax", **_NY_BJ}, steps=60),
    Stop("geodesic", "P4 §3.3",
         say=T("The natural gradient uses the Fisher metric of the Gaussians: it divides each "
               "component of the gradient by the metric, diag(1/σ², 2/σ²). For σ it gives "
               "(σ² − v − (μ − m)²)/(2σ); for small steps the path no longer depends on how σ is "
               "parametrised.",
               "自然梯度使用高斯分布族的 Fisher 度量：把梯度的每个分量除以度量 diag(1/σ², 2/σ²)。"
               "σ 分量是 (σ² − v − (μ − m)²)/(2σ)；步长很小时，路径不再依赖 σ 的参数化方式。"),
         look=T("the four descents: plain and natural, in two charts", "四条下降路径：普通与自然梯度，各在两种坐标下"),
         try_=T("set lr to 1: the natural step becomes Heron's method", "把 lr 设为 1：自然梯度一步就是海伦法"),
         check=Check("data.natural_grad[1]", (0.5 ** 2 - 1.0 - (-2.0 - 1.0) ** 2) / (2 * 0.5), 1e-9,
                     "(σ² − v − (μ − m)²)/(2σ)"),
         settings={"view": "natural", "m": "1", "v": "1", "mu0": "-2", "sigma0": "0.5"}),
    Stop("geodesic", "P4 §3.4",
         say=T("Isomap measures distance along the data: a k-nearest-neighbour graph, shortest paths, "
               "then MDS. With k = 6 the spiral unrolls onto a line in order: the embedding matches "
               "the arc length almost perfectly.",
               "Isomap 沿着数据测量距离：k 近邻图、最短路径，再做 MDS。k = 6 时螺线按顺序展开成一条直线："
               "嵌入与弧长几乎完全一致。"),
         look=T("the embedding against the true arc length", "嵌入坐标与真实弧长的对比"),
         try_=T("raise k to 40: edges short-circuit across the turns and the order breaks",
                "把 k 增到 40：边跨过螺线的圈形成短路，顺序被打乱"),
         check=Check("data.pearson_r", 1.0, 1e-3, T("a faithful unrolling: r = 1", "忠实展开：r = 1")),
         settings={"view": "isomap", "k": "6", "points": "150", "noise": "0"}),
    Stop("brownian", "P4 §4.1",
         say=T("A Brownian path is rough: its total variation grows without bound as the grid "
               "refines, while its quadratic variation Σ(ΔW)² settles at T. That is where dW² = dt "
               "comes from.",
               "布朗路径很粗糙：网格加细时它的全变差无限增长，而二次变差 Σ(ΔW)² 稳定在 T。"
               "dW² = dt 正是由此而来。"),
         look=T("quadratic variation against total variation", "二次变差与全变差的对比"),
         try_=T("raise T and the quadratic variation follows it", "增大 T，二次变差也随之变化"),
         check=Check("data.quadratic_variation", 1.0, 0.005, "T = 1"),
         settings={"view": "variation", "T": "1", "paths": "200"}),
    Stop("brownian", "P4 §4.2",
         say=T("Itô's integral ∫W dW evaluates W at the left end of each step, and equals "
               "(W_T² − T)/2, not W_T²/2: the extra −T/2 is the quadratic variation at work, Itô's lemma.",
               "伊藤积分 ∫W dW 在每步的左端点取 W，等于 (W_T² − T)/2 而不是 W_T²/2："
               "多出来的 −T/2 是二次变差的作用，即伊藤引理。"),
         look=T("the Itô and Stratonovich sums side by side", "伊藤和与斯特拉托诺维奇和并排"),
         try_=T("switch view to scaling and zoom into a path", "把 view 换成 scaling，放大一条路径"),
         check=Check("data.ito_lemma_residual", 0.0, 0.02, "∫W dW − (W_T² − T)/2 → 0"),
         settings={"view": "ito", "T": "1"}),
    Stop("diffusion", "P4 §4.3",
         say=T("Noise in, data out: the reverse SDE, driven by the score ∇log p_t with the factor "
               "β(t), carries pure noise back to the two modes in their true 30 : 70 proportion.",
               "噪声进，数据出：由得分 ∇log p_t（乘以 β(t)）驱动的反向 SDE 把纯噪声带回两个模式，"
               "比例正是真实的 30 : 70。"),
         look=T("the histogram against the true density, and the mode weights", "直方图与真实密度，以及模式权重"),
         try_=T("set sampler to ode: the same distribution, deterministic paths", "把 sampler 设为 ode：同样的分布，确定性的路径"),
         check=Check("data.mode_weights_sampled[0]", 0.3, 0.03, T("the first mode's weight", "第一个模式的权重")),
         settings={"modes": "-2 @ 0.3; 2 @ 0.7", "sampler": "sde", "score": "exact", "forward": "off",
                   "steps": "500"}, steps=500),
)
