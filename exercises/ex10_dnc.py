"""练习 10 · Exercise 10 — 可微神经计算机（DNC）的记忆寻址 · the DNC's memory addressing

课上讲的循环网络的扩展里，可微神经计算机（DNC）是神经图灵机（NTM，练习 9）的后继：它同样有一块外部的
记忆矩阵和读头、写头，但多了两种寻址方式。
  - 动态记忆分配：记录每个位置的使用率 u，写头可以写到最空闲的位置（分配权重 a）；读过的位置可以由
    释放门 f 释放，重新变得空闲。
  - 时序链接：链接矩阵 L 记录位置被写入的先后顺序，读头可以沿着写入的顺序正向或反向读取。
本练习按论文的方程实现这七个函数。请只用 numpy。

The lesson's extensions of recurrent networks: the differentiable neural computer (DNC) follows the neural
Turing machine (NTM, exercise 9). It has the same external memory matrix read and written by heads, and
two more ways of addressing it:
  - dynamic memory allocation: the usage u of every location is tracked, and the write head can write to
    the least used locations (the allocation weighting a); a location that was read can be freed again
    by its read head's free gate f;
  - temporal memory linkage: the link matrix L records in which order locations were written, so that a
    read head can follow the writes forward or backward.
You implement the seven functions below, following Graves et al. (2016), "Hybrid computing using a neural
network with dynamic external memory" (Nature 538), Methods, "Memory addressing". Use numpy only
(importing keras, tensorflow, torch or jax scores 0 for this exercise).

形状 / Shapes (batch-major):
    N 个位置、R 个读头、一个写头 / N locations, R read heads, one write head
    w^w, a         (batch, N)      写权重、分配权重 / the write and allocation weightings
    u, p           (batch, N)      使用率、优先权重 / the usage and the precedence weighting
    w^r, f, b      (batch, R, N)   读权重、正向与反向权重 / read weightings, forward and backward weightings
    L              (batch, N, N)   时序链接矩阵 / the temporal link matrix
    free_gates (batch, R);  allocation_gate, write_gate (batch,);  read_modes (batch, R, 3)
    所有的门都在 [0, 1] 里 / every gate is in [0, 1]

DNC 的一个时间步 / One timestep of the DNC (t - 1: the previous timestep's values):
    u_t   = usage(u_{t-1}, w^w_{t-1}, f_t, w^r_{t-1})      使用率 / usage
    a_t   = allocation(u_t)                                 分配权重 / allocation weighting
    w^w_t = write_weighting(a_t, c^w_t, g^a_t, g^w_t)       写权重 / write weighting
            （用 w^w_t 先擦除、再添加，如练习 9 / memory written with w^w_t: erase, then add, as in ex9）
    L_t   = link_matrix(L_{t-1}, p_{t-1}, w^w_t)            时序链接矩阵 / temporal link matrix
    p_t   = precedence(p_{t-1}, w^w_t)                      优先权重 / precedence weighting
    f_t, b_t = directional_weights(L_t, w^r_{t-1})          正向与反向权重 / forward and backward
    w^r_t = read_weighting(b_t, c^r_t, f_t, pi_t)           读权重 / read weighting
c^w_t、c^r_t 是基于内容的寻址给出的权重（练习 9 的 content_weights）；这里作为参数给你。
c^w_t and c^r_t are content weightings (exercise 9's content_weights); here they are given to you.

检查 / Check your work:  coursekit check ex10   (加 --verbose 查看数组 / add --verbose to see arrays)
"""

import numpy as np  # noqa: F401  (你会用到 numpy / you will need it)


def usage(prev_usage, prev_write_weights, free_gates, prev_read_weights):
    """使用率 / The usage vector u_t, with the retention vector psi_t (dynamic memory allocation).

    论文 / paper:   psi_t = prod_{i=1}^{R} (1 - f^i_t w^{r,i}_{t-1})          保留向量 / the retention vector
                    u_t = (u_{t-1} + w^w_{t-1} - u_{t-1} o w^w_{t-1}) o psi_t   (o: 逐元素相乘 / elementwise)
    上一步写过的位置使用率上升（趋向 1）；读头 i 读过的位置，若它的释放门 f^i = 1，就被释放（使用率乘上
    1 - w^{r,i}）。psi_t 是对 R 个读头的连乘，不是求和。
    A location written at the previous step gets more used (towards 1); a location that read head i read
    is freed as far as that head's free gate f^i says (its usage multiplied by 1 - f^i w^{r,i}). psi_t is a
    product over the R read heads, not a sum.
    Keras: the grader writes the same equations with keras.ops.

    参数 / Arguments:
        prev_usage (batch, N),  prev_write_weights (batch, N),  free_gates (batch, R) in [0, 1],
        prev_read_weights (batch, R, N)
    返回 / Returns:
        u_t (batch, N)

    例 / Example: prev_usage = [[0.5, 0.0, 1.0]], prev_write_weights = [[0.5, 0.5, 0.0]]
        u + w - u w = [0.5 + 0.5 - 0.25, 0 + 0.5 - 0, 1 + 0 - 0] = [0.75, 0.5, 1.0]
        R = 1: free_gates = [[0.5]], prev_read_weights = [[[0, 0, 1]]]
            psi = 1 - 0.5 * [0, 0, 1] = [1, 1, 0.5]               -> [[0.75, 0.5, 0.5]]
        R = 2: free_gates = [[0.5, 0.5]], prev_read_weights = [[[0, 0, 1], [1, 0, 0]]]
            psi = [1, 1, 0.5] * [0.5, 1, 1] = [0.5, 1, 0.5]     -> [[0.375, 0.5, 0.5]]
    """
    raise NotImplementedError("请实现 usage / implement usage")


def allocation(usage):
    """分配权重 / The allocation weighting a_t (dynamic memory allocation).

    论文 / paper:   phi_t = 按使用率从小到大排列的位置下标 / the locations sorted by ascending usage
                    a_t[phi_t[j]] = (1 - u_t[phi_t[j]]) prod_{i=1}^{j-1} u_t[phi_t[i]]
    最空闲的位置 phi_t[1] 得到 1 - u；后面每个位置只得到前面的位置"剩下"的部分（乘上排在它前面的所有
    位置的使用率，不包括它自己）。使用率相同时，下标小的排在前面（稳定排序：np.argsort(u, kind="stable")）。
    最后把结果放回每个位置原来的下标上。
    The freest location phi_t[1] gets 1 - u; each next location only what the ones before it leave (times
    the usage of every location sorted before it, not its own). Equal usages keep their location order,
    the lower index first (a stable sort: np.argsort(u, kind="stable")). The result is indexed by the
    locations themselves, not by their rank.
    Keras: the grader writes the same equation with keras.ops.

    参数 / Arguments:
        usage (batch, N) in [0, 1]
    返回 / Returns:
        a_t (batch, N)

    例 / Example: usage = [[0.4, 0.1, 0.4, 0.8]]
        phi = [1, 0, 2, 3]  (0.1 < 0.4 = 0.4 < 0.8: 位置 0 和 2 相同，0 在前 / locations 0 and 2 tie, 0 first)
        a[1] = (1 - 0.1)                     = 0.9
        a[0] = (1 - 0.4) * 0.1               = 0.06
        a[2] = (1 - 0.4) * 0.1 * 0.4         = 0.024
        a[3] = (1 - 0.8) * 0.1 * 0.4 * 0.4   = 0.0032
        -> [[0.06, 0.9, 0.024, 0.0032]]
        使用率全为 0 / usage all 0: [[0, 0, 0, 0]] -> [[1, 0, 0, 0]]
    """
    raise NotImplementedError("请实现 allocation / implement allocation")


def write_weighting(allocation, content, allocation_gate, write_gate):
    """写权重 / The write weighting w^w_t (write weighting).

    论文 / paper:   w^w_t = g^w_t [g^a_t a_t + (1 - g^a_t) c^w_t]
    分配门 g^a 在"写到空闲的位置"（分配权重 a）和"按内容写"（c^w）之间插值；写入门 g^w 决定写多少，
    g^w = 0 时什么也不写。所以 w^w 的总和可以小于 1。
    The allocation gate g^a interpolates between writing to free locations (the allocation a) and
    writing by content (c^w); the write gate g^w says how much is written at all: with g^w = 0 nothing is.
    So w^w may sum to less than 1.
    Keras: the grader writes it with keras.ops.

    参数 / Arguments:
        allocation (batch, N),  content (batch, N),  allocation_gate (batch,),  write_gate (batch,)
    返回 / Returns:
        w^w_t (batch, N)

    例 / Example: allocation = [[0, 1, 0]], content = [[0.2, 0.3, 0.5]], allocation_gate = [0.5],
        write_gate = [0.8]
        0.5 * [0, 1, 0] + 0.5 * [0.2, 0.3, 0.5] = [0.1, 0.65, 0.25];  times 0.8
        -> [[0.08, 0.52, 0.2]]
    """
    raise NotImplementedError("请实现 write_weighting / implement write_weighting")


def precedence(prev_precedence, write_weights):
    """优先权重 / The precedence weighting p_t (temporal memory linkage).

    论文 / paper:   p_0 = 0,   p_t = (1 - sum_i w^w_t[i]) p_{t-1} + w^w_t
    p_t[i] 表示位置 i 是"最后被写入的"的程度。写权重之和为 1 时，p_t 就等于 w^w_t（旧的被完全替换）；
    什么也没写时 p_t 不变。
    p_t[i] is the degree to which location i was the last one written. A full write (w^w summing to 1)
    replaces p entirely; no write leaves it as it was.
    Keras: the grader writes it with keras.ops.

    参数 / Arguments:
        prev_precedence (batch, N),  write_weights (batch, N)
    返回 / Returns:
        p_t (batch, N)

    例 / Example: prev_precedence = [[0.5, 0.5, 0.0]], write_weights = [[0.0, 0.0, 0.6]]
        1 - sum(w) = 0.4:  0.4 * [0.5, 0.5, 0] + [0, 0, 0.6]
        -> [[0.2, 0.2, 0.6]]
    """
    raise NotImplementedError("请实现 precedence / implement precedence")


def link_matrix(prev_link, prev_precedence, write_weights):
    """时序链接矩阵 / The temporal link matrix L_t (temporal memory linkage).

    论文 / paper:   L_0[i, j] = 0,   L_t[i, i] = 0
                    L_t[i, j] = (1 - w^w_t[i] - w^w_t[j]) L_{t-1}[i, j] + w^w_t[i] p_{t-1}[j]
    L_t[i, j] 表示"位置 i 紧接在位置 j 之后被写入"的程度：行 i 来自这一步的写权重，列 j 来自上一步的优先
    权重 p_{t-1}（注意是 t - 1，不是刚算出的 p_t）。对角线永远是 0：一个位置不会接在它自己之后。
    L_t[i, j] is the degree to which location i was written right after location j: the row comes from
    this step's write weighting, the column from the previous precedence p_{t-1} (not the p_t you just
    computed). The diagonal is always 0: a location never follows itself.
    Keras: the grader writes it with keras.ops.

    参数 / Arguments:
        prev_link (batch, N, N),  prev_precedence (batch, N),  write_weights (batch, N)
    返回 / Returns:
        L_t (batch, N, N)

    例 / Example: prev_link = [[[0, 0, 0], [0, 0, 0], [0.3, 0.3, 0]]], prev_precedence = [[0.2, 0.2, 0.6]],
        write_weights = [[0, 0.5, 0.5]]
        row 0 (w[0] = 0):   everything 0
        row 1 (w[1] = 0.5): [0.5 * 0 + 0.5 * 0.2, 对角线 / diagonal 0, 0 * 0 + 0.5 * 0.6] = [0.1, 0, 0.3]
        row 2 (w[2] = 0.5): [0.5 * 0.3 + 0.5 * 0.2, 0 * 0.3 + 0.5 * 0.2, 对角线 / diagonal 0] = [0.25, 0.1, 0]
        -> [[[0.0, 0.0, 0.0], [0.1, 0.0, 0.3], [0.25, 0.1, 0.0]]]
    """
    raise NotImplementedError("请实现 link_matrix / implement link_matrix")


def directional_weights(link, prev_read_weights):
    """正向与反向权重 / The forward and backward weightings f_t and b_t (temporal memory linkage).

    论文 / paper:   f^i_t = L_t w^{r,i}_{t-1}        正向：在读过的位置之后写入的位置 / written after
                    b^i_t = L_t^T w^{r,i}_{t-1}      反向：在读过的位置之前写入的位置 / written before
    对每个读头 i 分别计算（L_t 乘以读头 i 上一步的读权重）。返回一对 (forward, backward)，顺序不能反。
    For each read head i (L_t times head i's previous read weighting). Return the pair
    (forward, backward), in that order.
    Keras: the grader writes it with keras.ops.einsum.

    参数 / Arguments:
        link (batch, N, N),  prev_read_weights (batch, R, N)
    返回 / Returns:
        (forward, backward), 每个形状都是 / each of shape (batch, R, N)

    例 / Example: link = [[[0, 0, 0], [0.1, 0, 0.3], [0.25, 0.1, 0]]] (link_matrix 的例子 / its example),
        prev_read_weights = [[[0, 1, 0]]] (R = 1, 读过位置 1 / location 1 was read)
        forward  = L w   = L 的第 1 列 / column 1 of L   -> [[[0.0, 0.0, 0.1]]]
        backward = L^T w = L 的第 1 行 / row 1 of L      -> [[[0.1, 0.0, 0.3]]]
    """
    raise NotImplementedError("请实现 directional_weights / implement directional_weights")


def read_weighting(backward, content, forward, read_modes):
    """读权重 / The read weighting w^r_t (read weighting).

    论文 / paper:   w^{r,i}_t = pi^i_t[1] b^i_t + pi^i_t[2] c^{r,i}_t + pi^i_t[3] f^i_t
    读模式 pi^i 是三个数、和为 1：按论文的顺序依次是反向、内容、正向。论文从 1 开始数，这里从 0 开始：
    read_modes[..., 0] 对应反向 b，[..., 1] 对应内容 c，[..., 2] 对应正向 f。
    The read modes pi^i are three numbers summing to 1, in the paper's order: backward, content, forward.
    The paper counts from 1, numpy from 0: read_modes[..., 0] weighs backward b, [..., 1] content c and
    [..., 2] forward f. (deepmind/dnc's code orders its modes differently: follow the paper here.)
    Keras: the grader writes it with keras.ops.

    参数 / Arguments:
        backward (batch, R, N),  content (batch, R, N),  forward (batch, R, N),  read_modes (batch, R, 3)
    返回 / Returns:
        w^r_t (batch, R, N)

    例 / Example: backward = [[[0.1, 0, 0.3]]], content = [[[0.2, 0.3, 0.5]]], forward = [[[0, 0, 0.1]]],
        read_modes = [[[0.5, 0.3, 0.2]]]
        0.5 * [0.1, 0, 0.3] + 0.3 * [0.2, 0.3, 0.5] + 0.2 * [0, 0, 0.1]
        = [0.05 + 0.06 + 0, 0 + 0.09 + 0, 0.15 + 0.15 + 0.02]
        -> [[[0.11, 0.09, 0.32]]]
    """
    raise NotImplementedError("请实现 read_weighting / implement read_weighting")
