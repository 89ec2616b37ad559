"""练习 1 · Exercise 1 — 简单 (Elman) RNN 的前向计算 · the simple (Elman) RNN forward equations

课上的公式 / The lesson's equations:

    s_t = f(U x_t + W s_{t-1}),    o_t = g(V s_t)

本练习按 Keras 的行向量约定实现，f = tanh，g = softmax；请只用 numpy。
Here we follow Keras's row-vector convention, with f = tanh and g = softmax; use numpy only
(importing keras, tensorflow, torch or jax scores 0 for this exercise).

    s_t = tanh(x_t @ U + s_{t-1} @ W + b)        o_t = softmax(s_t @ V + c)

名称对照 / Names in Keras:
    U = SimpleRNN.kernel            (input_dim, units)
    W = SimpleRNN.recurrent_kernel  (units, units)
    b = SimpleRNN.bias              (units,)
    V = Dense.kernel                (units, n_out)
    c = Dense.bias                  (n_out,)

数组按批次优先 / Arrays are batch-major: a sequence x has shape (batch, timesteps, input_dim).

检查 / Check your work:  coursekit check ex1   (加 --verbose 查看数组 / add --verbose to see arrays)
"""

import numpy as np  # noqa: F401  (你会用到 numpy / you will need it)


def rnn_cell_forward(x_t, s_prev, U, W, b):
    """一个时间步 / One timestep of the simple RNN.

    课上 / lesson:   s_t = tanh(U x_t + W s_{t-1} + b)
    Keras:           s_t = tanh(x_t @ kernel + s_prev @ recurrent_kernel + bias)
    本函数 / here:   s_t = tanh(x_t @ U + s_prev @ W + b)      (U = kernel, W = recurrent_kernel, b = bias)

    参数 / Arguments:
        x_t     (batch, input_dim)   当前输入 / this step's input
        s_prev  (batch, units)       上一步的状态 s_{t-1} / the previous state
        U       (input_dim, units)   kernel
        W       (units, units)       recurrent_kernel
        b       (units,)             bias
    返回 / Returns:
        s_t     (batch, units)

    例 / Example:
        x_t = [[1, 2]], s_prev = [[0.5, -0.5]], U = [[0.1, 0.2], [0.3, 0.4]], W = I (2x2), b = [0, 0.1]
        x_t @ U + s_prev @ W + b = [[1.2, 0.6]]  ->  s_t = tanh(...) ≈ [[0.8337, 0.5370]]
    """
    raise NotImplementedError("请实现 rnn_cell_forward / implement rnn_cell_forward")


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    """整个序列 / The whole sequence: run rnn_cell_forward for t = 0, 1, ..., timesteps - 1.

    课上 / lesson:   s_t = tanh(U x_t + W s_{t-1} + b),  t = 1 ... T,  s_0 given or 0
    Keras:           SimpleRNN: s_t = tanh(x[:, t] @ kernel + s_{t-1} @ recurrent_kernel + bias)

    参数 / Arguments:
        x   (batch, timesteps, input_dim)
        U, W, b  同上 / as in rnn_cell_forward
        s0  (batch, units) 初始状态；为 None 时用全零 / the initial state; zeros when None
        return_sequences  为 True 时返回每一步的状态 / True: return every state
    返回 / Returns:
        return_sequences=False: 最后一步的状态 / the last state s_T, shape (batch, units)
        return_sequences=True:  所有状态 / every state, shape (batch, timesteps, units), in time order

    等价于 / Equals: keras.layers.SimpleRNN(units, return_sequences=...) with
    layer.set_weights([U, W, b]) called as layer(x, initial_state=[s0]).

    例 / Example: x = [[[1, 2], [0, 1]]] (batch 1, 2 timesteps, input_dim 2), the U, W, b of
    rnn_cell_forward's example, s0=None:
        s_1 = tanh([1, 2] @ U + [0, 0] @ W + b)   = tanh([0.7, 1.1])       ≈ [0.6044, 0.8005]
        s_2 = tanh([0, 1] @ U + s_1 @ W + b)      = tanh([0.9044, 1.3005]) ≈ [0.7184, 0.8619]
        return_sequences=False -> [[0.7184, 0.8619]], shape (1, 2)
        return_sequences=True  -> [[[0.6044, 0.8005], [0.7184, 0.8619]]], shape (1, 2, 2)
    """
    raise NotImplementedError("请实现 rnn_forward / implement rnn_forward")


def rnn_output(s, V, c):
    """输出层：o = softmax(s @ V + c)，softmax 作用在最后一个轴。
    The output layer: o = softmax(s @ V + c), the softmax over the last axis.

    课上 / lesson:   o_t = softmax(V s_t + c)
    Keras:           Dense(n_out, activation="softmax"): o = softmax(s @ kernel + bias)
                     (V = kernel, c = bias)

    参数 / Arguments:
        s  (..., units)   一个或多个状态 / one state per row, e.g. (batch, units) or (batch, timesteps, units)
        V  (units, n_out) Dense 的 kernel / the Dense layer's kernel
        c  (n_out,)       Dense 的 bias / its bias
    返回 / Returns:
        o  (..., n_out)   每一行之和为 1 / each row sums to 1

    提示 / Tip: 先减去最大值再取 exp，避免溢出 / subtract the row maximum before exp to avoid overflow.
    等价于 / Equals: keras.layers.Dense(n_out, activation="softmax") with set_weights([V, c]).

    例 / Example: s = [[0.8337, 0.5370]], V = [[1, -1], [0, 2]], c = [0, 0]
        s @ V + c = [[0.8337, 0.2403]]  ->  o ≈ [[0.6441, 0.3559]]
    """
    raise NotImplementedError("请实现 rnn_output / implement rnn_output")
