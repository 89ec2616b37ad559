"""练习 9 · Exercise 9 — 神经图灵机（NTM）的寻址、读和写 · neural Turing machine addressing, reading, writing

课上讲过循环网络的扩展：神经图灵机给网络加上一块外部的记忆矩阵，由读头和写头来读写。
读写位置由一个权重 w 决定：w 对 N 个位置分配权重，每个在 0 到 1 之间，总和为 1，所以读写是"模糊"的、
处处可导。本练习按论文的方程实现寻址的四步和读、写。请只用 numpy。

The lesson's extensions of recurrent networks: the neural Turing machine gives a network an external
memory matrix, read and written by heads. Where a head reads or writes is a weighting w over the N
locations, each between 0 and 1, summing to 1: reading and writing are blurry, so everything is
differentiable. You implement the addressing's four steps and the read and write operations, following
Graves, Wayne & Danihelka (2014), "Neural Turing Machines", section 3 (the equation numbers below are the
paper's). Use numpy only (importing keras, tensorflow, torch or jax scores 0 for this exercise).

形状 / Shapes (batch-major):
    memory   (batch, N, M)    N 个位置，每个位置 M 个数 / N locations of M numbers each
    w        (batch, N)       权重，每行之和为 1 / a weighting; each row sums to 1
    key, erase, add  (batch, M);   beta, g, gamma  (batch,);   s  (batch, 3)

一个头每个时间步的寻址 / A head's addressing at each timestep (figure 2 of the paper):
    w_c = content_weights(memory, key, beta)      基于内容的寻址 / content addressing   (5), (6)
    w_g = interpolate(w_c, w_prev, g)             插值门 / interpolation gate            (7)
    w~  = shift(w_g, s)                           移位（循环卷积）/ shift                (8)
    w   = sharpen(w~, gamma)                      锐化 / sharpening                      (9)
    r   = read(memory, w)                         读头 / read head                       (2)
    memory = write(memory, w, erase, add)         写头：先擦除再添加 / erase, then add   (3), (4)

余弦相似度里的 epsilon 固定为 1e-8 / The cosine similarity's epsilon is fixed at 1e-8:
    cosine(u, v) = u . v / (|u| |v| + 1e-8)      全零的一行相似度为 0，不是 NaN / a zero row gives 0, not NaN

检查 / Check your work:  coursekit check ex9   (加 --verbose 查看数组 / add --verbose to see arrays)
"""

import numpy as np  # noqa: F401  (你会用到 numpy / you will need it)

EPS = 1e-8  # 余弦相似度的 epsilon / the cosine similarity's epsilon


def content_weights(memory, key, beta):
    """基于内容的寻址 / Content-based addressing, equations (5) and (6).

    论文 / paper:   (6) K[u, v] = u . v / (|u| |v|)     余弦相似度 / cosine similarity
                    (5) w_c(i) = exp(beta K[k, M(i)]) / sum_j exp(beta K[k, M(j)])
    这里 / here:    K[key, memory[b, i]] = key[b] . memory[b, i] / (|key[b]| |memory[b, i]| + 1e-8)
                    w_c[b] = softmax over the N locations (the last axis) of beta[b] * K
    键强度 beta 越大，权重越集中在最相似的位置；beta = 0 时所有位置权重相同。
    The larger the key strength beta, the more the weight gathers on the most similar location; with
    beta = 0 every location gets the same weight, 1 / N.
    Keras: the grader writes the same equations with keras.ops (softmax over axis=-1).

    参数 / Arguments:
        memory (batch, N, M),  key (batch, M),  beta (batch,) >= 0
    返回 / Returns:
        w_c (batch, N), 每行之和为 1 / each row sums to 1

    例 / Example: memory = [[[1, 0], [0, 1], [1, 1]]], key = [[1, 0]], beta = [1.0]
        K = [1 / (1 * 1), 0 / (1 * 1), 1 / (1 * 1.41421)] = [1.0, 0.0, 0.70711]
        exp(K) = [2.71828, 1.0, 2.02811], their sum 5.74640
        -> [[0.47304, 0.17402, 0.35294]]
        beta = [10.0] -> [[0.94922, 0.00004, 0.05074]]: 与键相同的第 0 行占了绝大部分 / row 0, equal to
        the key, takes almost all the weight
    """
    raise NotImplementedError("请实现 content_weights / implement content_weights")


def interpolate(w_content, w_prev, g):
    """插值门 / The interpolation gate, equation (7).

    论文 / paper:   (7) w_g = g w_c + (1 - g) w_{t-1}
    g = 1 只用内容寻址的权重，g = 0 保留上一步的权重。
    g = 1 keeps only the content weighting, g = 0 keeps the previous timestep's weighting.
    Keras: the grader writes it with keras.ops.

    参数 / Arguments:
        w_content (batch, N),  w_prev (batch, N),  g (batch,) in [0, 1]
    返回 / Returns:
        w_g (batch, N)

    例 / Example: w_content = [[1, 0, 0]], w_prev = [[0, 0.5, 0.5]], g = [0.25]
        0.25 * [1, 0, 0] + 0.75 * [0, 0.5, 0.5]
        -> [[0.25, 0.375, 0.375]]
    """
    raise NotImplementedError("请实现 interpolate / implement interpolate")


def shift(w, s):
    """移位：循环卷积 / The shift: a circular convolution, equation (8).

    论文 / paper:   (8) w~(i) = sum_{j=0}^{N-1} w_g(j) s(i - j),  下标对 N 取模 / indices modulo N
    移位权重 s 的三列分别对应移位 -1、0、+1 / s's three columns are the shifts -1, 0, +1:
        s[:, 0] = 移位 -1 的权重 / the weight of shift -1, s[:, 1] of no shift, s[:, 2] of shift +1
    移位 +1 把位置 j 的权重移到 j + 1；最后一个位置移到第 0 个（循环，不补零）。
    A shift of +1 moves the weight of location j to j + 1, and the last location's to location 0
    (it wraps around; nothing is padded with zeros). So
        w~[i] = s[:, 0] * w[i + 1] + s[:, 1] * w[i] + s[:, 2] * w[i - 1],   i ± 1 taken modulo N
    Keras: the grader writes it with keras.ops.roll (np.roll(w, 1, axis=-1)[i] = w[i - 1]).

    参数 / Arguments:
        w (batch, N) with N >= 3,  s (batch, 3), 每行之和为 1 / each row sums to 1
    返回 / Returns:
        w~ (batch, N)

    例 / Example: w = [[0.1, 0.2, 0.3, 0.4]]
        s = [[0, 0, 1]] (shift +1):   -> [[0.4, 0.1, 0.2, 0.3]]
        s = [[0.7, 0.3, 0]]:          w~[0] = 0.7 * 0.2 + 0.3 * 0.1 = 0.17
                                      w~[3] = 0.7 * 0.1 + 0.3 * 0.4 = 0.19  (w[3 + 1] wraps to w[0])
                                      -> [[0.17, 0.27, 0.37, 0.19]]
    """
    raise NotImplementedError("请实现 shift / implement shift")


def sharpen(w, gamma):
    """锐化 / Sharpening, equation (9).

    论文 / paper:   (9) w(i) = w~(i)^gamma / sum_j w~(j)^gamma
    移位会让权重变模糊，锐化让它重新集中；gamma = 1 不改变 w。别忘了除以总和，让每行之和重新为 1。
    The shift blurs the weighting; sharpening focuses it again; gamma = 1 changes nothing. Do not forget
    to divide by the sum, so that each row sums to 1 again.
    Keras: the grader writes it with keras.ops.power.

    参数 / Arguments:
        w (batch, N),  gamma (batch,) >= 1
    返回 / Returns:
        w (batch, N)

    例 / Example: w = [[0.2, 0.3, 0.5]], gamma = [2.0]
        w ** 2 = [0.04, 0.09, 0.25], their sum 0.38
        -> [[0.10526, 0.23684, 0.65789]]
    """
    raise NotImplementedError("请实现 sharpen / implement sharpen")


def read(memory, w):
    """读头 / The read head, equation (2).

    论文 / paper:   (2) r = sum_i w(i) M(i)     记忆各行的加权和 / a weighted sum of the memory's rows
    Keras: the grader writes it with keras.ops.einsum.

    参数 / Arguments:
        memory (batch, N, M),  w (batch, N)
    返回 / Returns:
        r (batch, M)

    例 / Example: memory = [[[1, 2], [3, 4], [5, 6]]], w = [[0.5, 0.5, 0]]
        0.5 * [1, 2] + 0.5 * [3, 4] + 0 * [5, 6]
        -> [[2.0, 3.0]]
    """
    raise NotImplementedError("请实现 read / implement read")


def write(memory, w, erase, add):
    """写头：先擦除，再添加 / The write head: erase, then add, equations (3) and (4).

    论文 / paper:   (3) M~(i) = M(i) [1 - w(i) e]       擦除向量 e / the erase vector
                    (4) M(i)  = M~(i) + w(i) a          添加向量 a / the add vector
    这里 / here:    memory * (1 - w e^T) + w a^T, with w e^T the (N, M) outer product per example
    e 全为 1 且 w(i) = 1 时位置 i 被完全擦除；e 全为 0 时什么都不擦。顺序很重要：先加后擦会把刚加的也擦掉。
    With e all 1 and w(i) = 1, location i is erased completely; with e all 0 nothing is erased. The
    order matters: adding before erasing would erase part of what was just added.
    Keras: the grader writes it with keras.ops.

    参数 / Arguments:
        memory (batch, N, M),  w (batch, N),  erase (batch, M) in [0, 1],  add (batch, M)
    返回 / Returns:
        新的记忆矩阵 / the new memory (batch, N, M)

    例 / Example: memory = [[[1, 2], [3, 4], [5, 6]]], w = [[0.5, 0.5, 0]], erase = [[1, 0]],
        add = [[10, 20]]
        row 0: [1 * (1 - 0.5), 2 * (1 - 0)] + 0.5 * [10, 20] = [5.5, 12]
        row 1: [3 * (1 - 0.5), 4 * (1 - 0)] + 0.5 * [10, 20] = [6.5, 14]
        row 2: w = 0, unchanged [5, 6]
        -> [[[5.5, 12.0], [6.5, 14.0], [5.0, 6.0]]]
    """
    raise NotImplementedError("请实现 write / implement write")
