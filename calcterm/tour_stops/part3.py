"""Tour stops for Part 3 of the article: backpropagation, activations, regularisation, optimizers."""

from __future__ import annotations

import math

from calcterm.text import T
from calcterm.tour import Check, Stop
from calcterm.tour_stops.closed import quadratic_gradient, sign

_G = quadratic_gradient(10.0, 30.0, -4.0, 3.0)

STOPS = (
    Stop("autodiff", "P3 §1.1",
         say=T("A two-layer network L = ½‖W₂ tanh(W₁x + b₁) + b₂ − t‖² is a chain of matrix "
               "functions. Its 3·2 + 3 + 2·3 + 2 = 17 parameters would need 17 forward sweeps; one "
               "backward sweep gives all of them.",
               "两层网络 L = ½‖W₂ tanh(W₁x + b₁) + b₂ − t‖² 是一串矩阵函数。它有 3·2 + 3 + 2·3 + 2 = 17 个"
               "参数，前向模式需要 17 次扫描，反向模式一次就全部得到。"),
         look=T("the sweep counter: 17 forward against 1 backward", "扫描计数：前向 17 次对反向 1 次"),
         try_=T("press space and follow the adjoints flowing back through the blocks",
                "按空格，跟随伴随量沿各块反向流动"),
         check=Check("data.passes.forward_mode.tangent", 17, 0, T("3·2 + 3 + 2·3 + 2 inputs", "3·2 + 3 + 2·3 + 2 个输入")),
         settings={"graph": "mlp"}),
    Stop("autodiff", "P3 §1.2",
         say=T("ln x + xy − sin y at (2, 5): the reverse sweep starts from the output with adjoint 1 "
               "and passes it back edge by edge. y gets x − cos y from two paths, summed with +=.",
               "ln x + xy − sin y 在 (2, 5)：反向扫描从输出的伴随量 1 开始，沿边逐条往回传。"
               "y 从两条路径得到 x − cos y，用 += 累加。"),
         look=T("the adjoints on the nodes as the sweep goes right to left", "扫描从右向左进行时节点上的伴随量"),
         try_=T("set mode to forward: one sweep gives only one column", "把 mode 设为 forward：一次扫描只得到一列"),
         check=Check("data.gradient[1]", 2.0 - math.cos(5.0), 1e-12, "x − cos y"),
         settings={"graph": "expr", "f": "log(x)+x*y-sin(y)", "x": "2", "y": "5", "mode": "reverse"}),
    Stop("autodiff", "P3 §1.2",
         say=T("Why backpropagation: with n = 1000 inputs and one output, forward mode needs a sweep "
               "per input, reverse mode one sweep in all. The cost is memory: the tape of every "
               "intermediate value.",
               "为什么要反向传播：1000 个输入、一个输出时，前向模式每个输入一次扫描，反向模式总共一次。"
               "代价是内存：要记下每个中间值。"),
         look=T("the two bars of the sweep counter", "扫描计数的两根柱子"),
         try_=T("raise m, the number of outputs, and watch the balance tip", "增大输出个数 m，看天平倾斜"),
         check=Check("data.passes.forward_mode.tangent", 1000, 0, T("one sweep per input, n = 1000", "每个输入一次扫描，n = 1000")),
         settings={"graph": "wide", "n": "1000", "m": "1"}),
    Stop("vanishing", "P3 §1.3",
         say=T("Backpropagation through 20 sigmoid layers multiplies 20 Jacobians, each with a "
               "factor σ′ ≤ ¼. The gradient reaching the first layer is about 10⁻¹³ of the top "
               "layer's: it vanishes.",
               "在 20 层 sigmoid 网络中反向传播要连乘 20 个雅可比矩阵，每个都带一个 σ′ ≤ ¼ 的因子。"
               "到达第一层的梯度约为顶层的 10⁻¹³：梯度消失了。"),
         look=T("the gradient norms by layer on the log plot", "对数图上各层的梯度范数"),
         try_=T("set residual on and see the gradient reach the bottom", "打开 residual，看梯度传到底层"),
         check=Check("data.regime", "vanishing"),
         settings={"depth": "20", "activation": "sigmoid", "init": "xavier", "residual": "off"}),
    Stop("autodiff", "P3 §1.4",
         say=T("The article's PyTorch example: x = (1, 2), y = x², z = Σy. Frameworks record this "
               "graph while the code runs and sweep it backwards on z.backward(): ∇z = 2x = (2, 4).",
               "文中的 PyTorch 例子：x = (1, 2)、y = x²、z = Σy。框架在代码运行时记录这个计算图，"
               "调用 z.backward() 时反向扫描：∇z = 2x = (2, 4)。"),
         look=T("the three nodes and the gradient in the readout", "三个节点以及读数中的梯度"),
         try_=T("change x with ←/→ and the gradient follows 2x", "用 ←/→ 改变 x，梯度跟着 2x 变"),
         check=Check("data.gradient[1]", 2.0 * 2.0, 1e-12, "2x₂"),
         settings={"graph": "torch", "x": "1", "y": "2"}),
    Stop("vanishing", "P3 §2.1",
         say=T("The sigmoid's slope is at most ¼, reached only at 0, and nearly 0 once |z| is a few "
               "units: saturation. Those flat tails are what multiply the gradient away.",
               "sigmoid 的斜率最大只有 ¼，只在 0 处取到；|z| 大到几个单位后几乎为 0：饱和。"
               "正是这些平坦的尾部把梯度乘没了。"),
         look=T("the activation panel: φ and φ′ with the flat regions marked", "激活函数图：φ 与 φ′，平坦区已标出"),
         try_=T("set activation to tanh: its slope reaches 1", "把 activation 设为 tanh：它的斜率能到 1"),
         check=Check("data.sup_abs_derivative", 0.25, 1e-12, "σ′(0) = ¼"),
         settings={"depth": "20", "activation": "sigmoid", "init": "xavier"}),
    Stop("vanishing", "P3 §2.2",
         say=T("With a linear activation every layer is an affine map and so is their composition: "
               "a deep linear net is one layer in disguise. φ′ = 1 everywhere, so nothing saturates, "
               "but nothing bends either.",
               "激活函数是线性时，每一层都是仿射映射，它们的复合也是：深层线性网络不过是一层网络的伪装。"
               "φ′ 处处为 1，不会饱和，但也弯不了。"),
         look=T("the activation panel: a straight line", "激活函数图：一条直线"),
         try_=T("set activation to relu and compare the gradient norms", "把 activation 设为 relu，比较梯度范数"),
         check=Check("data.max_deviation", 0.0, 1e-10,
                     T("the net equals x ↦ W_D⋯W₁x + b", "网络等于 x ↦ W_D⋯W₁x + b")),
         settings={"depth": "20", "activation": "linear", "init": "xavier"}),
    Stop("playground", "P3 §2.2",
         say=T("The same lesson on a real classifier: with linear units the whole network is one "
               "affine map, so its decision boundary is a straight line and it cannot separate a "
               "ring from its centre, however long it trains.",
               "在真实的分类器上也是如此：隐藏单元是线性的，整个网络就是一个仿射映射，决策边界只能是直线，"
               "无论训练多久都无法把圆环和中心分开。"),
         look=T("the decision regions: one straight cut through the ring", "决策区域：一刀直线切过圆环"),
         try_=T("set activation to tanh and watch the boundary bend round the centre",
                "把 activation 设为 tanh，看边界弯成一圈围住中心"),
         check=Check("data.affine_equivalent.max_deviation", 0.0, 1e-9,
                     T("the net equals its one affine map", "网络等于它的单个仿射映射")),
         settings={"data": "circle", "activation": "linear", "layers": "2"}, steps=300),
    Stop("playground", "P3 §2.2",
         say=T("With tanh units the boundary bends: after 300 SGD steps the net draws a closed "
               "curve round the centre and classifies nearly every test point correctly.",
               "换成 tanh 单元后边界可以弯曲：300 步 SGD 之后，网络在中心周围画出一条闭合曲线，"
               "几乎每个测试点都分对了。"),
         look=T("the decision regions and the test accuracy", "决策区域与测试准确率"),
         try_=T("set layers to 0: logistic regression is back to a straight line",
                "把 layers 设为 0：逻辑回归又回到一条直线"),
         check=Check("data.test_acc", 1.0, 0.1,
                     T("the classes are separable up to the noise", "除噪声外两类可分")),
         settings={"data": "circle", "activation": "tanh", "layers": "2"}, steps=300),
    Stop("vanishing", "P3 §2.3–2.4",
         say=T("ReLU has slope 1 where it is active and He initialisation keeps the signal's "
               "scale, 2/n per layer: the gradient arrives at the first layer at a healthy size.",
               "ReLU 在激活区斜率为 1，He 初始化（每层方差 2/n）保持信号尺度：梯度以合适的大小到达第一层。"),
         look=T("the gradient norms, now level across the layers", "梯度范数，现在各层大致持平"),
         try_=T("set init to normal with a large sigma and watch it explode", "把 init 设为 normal 并加大 sigma，看它爆炸"),
         check=Check("data.regime", "stable"),
         settings={"depth": "20", "activation": "relu", "init": "he"}),
    Stop("regularize", "P3 §3.1",
         say=T("L1's ball is a diamond. As λ grows the smallest loss contour first touches it at a "
               "corner, and one weight becomes exactly 0: w₂ leaves at λ = a₂(1 + ρ) = 0.64, w₁ "
               "at a₁ + ρa₂ = 1.24.",
               "L1 的球是菱形。λ 增大时，最小的损失等高线先碰到它的角，于是一个权重恰好变为 0："
               "w₂ 在 λ = a₂(1 + ρ) = 0.64 处离开，w₁ 在 a₁ + ρa₂ = 1.24 处离开。"),
         look=T("the path panel: w₂ hits zero and stays there", "路径图：w₂ 碰到零后就停在那里"),
         try_=T("set penalty to l2: the path bends but never touches zero", "把 penalty 设为 l2：路径弯曲但永不为零"),
         check=Check("data.zero_at[1]", 0.4 * (1 + 0.6), 1e-9, "a₂(1 + ρ)"),
         settings={"view": "geometry", "penalty": "l1", "corr": "0.6", "a1": "1", "a2": "0.4"}, steps=60),
    Stop("regularize", "P3 §3.2",
         say=T("Gradient flow with an L2 penalty is ẇ = −(H + 2λI)(w − w*). H is symmetric, so the "
               "rates −(hᵢ + 2λ) are real: every component decays without oscillating. Only the "
               "heavy ball, a second-order flow, can spiral.",
               "带 L2 惩罚的梯度流是 ẇ = −(H + 2λI)(w − w*)。H 对称，所以速率 −(hᵢ + 2λ) 都是实数："
               "每个分量单调衰减，不会振荡。只有重球法这种二阶流才会绕圈。"),
         look=T("the flow's straight approach against the heavy ball's spiral", "梯度流的直接逼近与重球法的螺旋"),
         try_=T("raise gamma: the heavy ball's roots become real", "增大 gamma：重球法的根变成实数"),
         check=Check("data.flow_eigenvalues[0]", -(1 - 0.6 + 2 * 0.2), 1e-12, "−(1 − ρ + 2λ)"),
         settings={"view": "flow", "penalty": "l2", "lam": "0.2", "corr": "0.6"}),
    Stop("regularize", "P3 §3.3",
         say=T("Inverted dropout on a linear unit: in expectation the loss is the plain loss plus "
               "((1 − p)/p)·Σ xⱼ²wⱼ², an L2 penalty that adapts to each input's scale. Here that is "
               "0.04 + 0.26 = 0.30, and the sampled masks agree.",
               "线性单元上的反向缩放 dropout：损失的期望等于原损失加上 ((1 − p)/p)·Σ xⱼ²wⱼ²，"
               "一个随输入尺度自适应的 L2 惩罚。这里是 0.04 + 0.26 = 0.30，抽样的掩码结果与之一致。"),
         look=T("the Monte Carlo mean closing in on the closed form", "蒙特卡洛均值逼近闭式解"),
         try_=T("lower p, the keep probability, and watch the penalty grow", "降低保留概率 p，看惩罚变大"),
         check=Check("data.dropout_mc_mean", (1.0 - (1.0 * 1.0 + 0.5 * 0.4)) ** 2
                     + (0.2 / 0.8) * (1.0 ** 2 * 1.0 ** 2 + 0.5 ** 2 * 0.4 ** 2), 0.015,
                     "(y − xᵀw)² + ((1 − p)/p)Σxⱼ²wⱼ², x = (1, ½), y = 1"),
         settings={"view": "dropout", "a1": "1", "a2": "0.4", "p": "0.8", "draws": "200"}, steps=20),
    Stop("autodiff", "P3 §3.4",
         say=T("BatchNorm's input gradient has three paths: direct, through the mean and through the "
               "variance. Shifting the whole batch changes no output, so the gradients over the batch "
               "sum to zero.",
               "BatchNorm 对输入的梯度有三条路径：直接、经过均值、经过方差。把整批输入一起平移不改变任何输出，"
               "所以整批的梯度之和为零。"),
         look=T("the three paths in the graph and ∂L/∂x in the readout", "图中的三条路径以及读数中的 ∂L/∂x"),
         try_=T("raise eps and compare with the exact closed form", "增大 eps，与精确闭式解比较"),
         check=Check("data.bn_dx", 0.0, 1e-12, T("Σᵢ ∂L/∂xᵢ = 0 (shift invariance)", "Σᵢ ∂L/∂xᵢ = 0（平移不变性）"), reduce="sum"),
         settings={"graph": "batchnorm", "eps": "0"}),
    Stop("descent", "P3 §4.1–4.2",
         say=T("The optimizers race from one start. Adam divides its averaged gradient by the root "
               "of its averaged square, so its first step is η in every coordinate, like AdaGrad's, "
               "whatever the gradient's size.",
               "各种优化器从同一起点出发比赛。Adam 用平均梯度除以平均平方的平方根，所以第一步在每个坐标上都是 η，"
               "与 AdaGrad 一样，与梯度大小无关。"),
         look=T("the paths fanning out", "各条路径散开"),
         try_=T("press space and watch which one reaches the minimum first", "按空格，看谁先到达最小点"),
         check=Check("data.paths.adam[1][1]", 3.0 - 0.1 * sign(_G[1]), 1e-6, "y₀ − η·sign(∂f/∂y)"),
         settings={"view": "paths", "surface": "quadratic", "kappa": "10", "angle": "30", "optimizer": "race",
                   "eta": "0.1", "x0": "-4", "y0": "3"}, steps=1),
    Stop("descent", "P3 §4.3",
         say=T("Newton's method in two dimensions: x − H⁻¹∇f. On a quadratic the model is exact, so "
               "one step lands on the minimum from anywhere, however badly conditioned and turned the "
               "bowl is.",
               "二维牛顿法：x − H⁻¹∇f。在二次函数上模型是精确的，所以无论碗面多么病态、转了多少角度，"
               "从任何地方出发一步就落到最小点。"),
         look=T("the single jump on the contour map", "等高线图上的那一跳"),
         try_=T("set surface to rosenbrock: plain Newton wanders, newton-ls and bfgs get there",
                "把 surface 设为 rosenbrock：纯牛顿法会乱走，newton-ls 与 bfgs 能到达"),
         check=Check("data.paths.newton[1][0]", 0.0, 1e-9, T("the minimiser (0, 0)", "最小点 (0, 0)")),
         settings={"view": "paths", "surface": "quadratic", "kappa": "100", "angle": "30", "optimizer": "newton",
                   "x0": "-4", "y0": "3"}, steps=1),
    Stop("descent", "P3 §4.3",
         say=T("On Rosenbrock's curved valley the Hessian changes from step to step. Newton with a "
               "line search (step halved until f decreases) follows the valley to the minimum (1, 1) "
               "in a couple of dozen steps, while gradient descent is still crawling after hundreds.",
               "在 Rosenbrock 弯曲的山谷里，Hessian 每步都在变。带线搜索的牛顿法（步长减半直到 f 下降）"
               "沿着山谷在二十多步内到达最小点 (1, 1)，而梯度下降走了几百步仍在缓慢爬行。"),
         look=T("the Newton path hugging the valley floor", "牛顿法的路径紧贴谷底"),
         try_=T("set optimizer to race and compare all nine", "把 optimizer 设为 race，比较全部九种方法"),
         check=Check("data.status.newton-ls", "converged"),
         settings={"view": "paths", "surface": "rosenbrock", "optimizer": "newton-ls"}, steps=60),
    Stop("newton", "P3 §4.3",
         say=T("Second-order methods use curvature. On a quadratic the Newton model is the function "
               "itself, so one step x − f′/f″ lands on the minimum exactly.",
               "二阶方法利用曲率。对二次函数，牛顿模型就是函数本身，所以一步 x − f′/f″ 正好落在最小点上。"),
         look=T("the quadratic model lying on the curve", "二次模型与曲线重合"),
         try_=T("set f to x^4: f″ vanishes at the minimum and Newton slows to linear",
                "把 f 设为 x^4：最小点处 f″ 为零，牛顿法退化为线性收敛"),
         check=Check("data.iterates[1]", 1.0, 1e-12, T("the minimiser of (x − 1)² + 3", "(x − 1)² + 3 的最小点")),
         settings={"f": "(x-1)^2+3", "x0": "2.5", "mode": "minimise"}, steps=1),
)
