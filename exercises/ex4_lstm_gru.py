"""练习 4 · Exercise 4 — LSTM 与 GRU 的前向计算 · LSTM and GRU forward passes

用 numpy 手算 Keras 的 LSTM 和 GRU（导入 keras、tensorflow、torch 或 jax 本练习记 0 分）。
Compute Keras's LSTM and GRU by hand with numpy (importing keras, tensorflow, torch or jax scores 0).

约定 / Conventions (同练习 1 / as in exercise 1): 行向量、批次优先 / row vectors, batch-major.
    x (batch, timesteps, input_dim),  x_t (batch, input_dim),  h, c (batch, units).
    σ = sigmoid(z) = 1 / (1 + exp(-z))  Keras 的 recurrent_activation / Keras's recurrent_activation
    tanh                                Keras 的 activation / Keras's activation

LSTM — 四个门按 Keras 的顺序 i, f, c, o 排列 / four blocks of `units` columns, in Keras's order i, f, c, o:
    kernel            (input_dim, 4*units)   = [W_i | W_f | W_c | W_o]
    recurrent_kernel  (units, 4*units)       = [U_i | U_f | U_c | U_o]
    bias              (4*units,)             = [b_i | b_f | b_c | b_o]
    z   = x_t @ kernel + h_prev @ recurrent_kernel + bias,  切成四块 / split in four: z_i, z_f, z_c, z_o
    i   = σ(z_i)        输入门 / input gate
    f   = σ(z_f)        遗忘门 / forget gate
    g   = tanh(z_c)     候选记忆（Keras 称之为 c）/ candidate memory (Keras's "c" block)
    o   = σ(z_o)        输出门 / output gate
    c_t = f * c_prev + i * g
    h_t = o * tanh(c_t)
    注意：有些教材写成 i, f, o, g 的顺序；Keras 的第三块是候选 g，第四块才是 o。
    Careful: some courses order the blocks i, f, o, g; in Keras the third block is the candidate, the
    fourth the output gate.

GRU — 三块按 z, r, h 排列 / three blocks, in Keras's order z (update), r (reset), h (candidate):
    kernel (input_dim, 3*units) = [W_z | W_r | W_h],  recurrent_kernel (units, 3*units) = [U_z | U_r | U_h]
    z = σ(x_t @ W_z + b_z + h_prev @ U_z (+ b'_z))
    r = σ(x_t @ W_r + b_r + h_prev @ U_r (+ b'_r))
    reset_after=True  (Keras 默认 / the default):
        bias (2, 3*units): 第 0 行是输入偏置 b，第 1 行是循环偏置 b' / row 0 the input bias b, row 1 the
        recurrent bias b'. 重置门乘在矩阵乘法之后，作用在 (h_prev @ U_h + b'_h) 整体上，所以循环部分需要
        自己的偏置，于是偏置有两行。 The reset gate multiplies AFTER the product, on (h_prev @ U_h + b'_h) as
        a whole, so the recurrent side needs a bias of its own: hence two rows (this is cuDNN's GRU).
        candidate = tanh(x_t @ W_h + b_h + r * (h_prev @ U_h + b'_h))
    reset_after=False (原始论文 / the original paper):
        bias (3*units,)，只有一行 / a single row; the reset gate multiplies h_prev BEFORE the product:
        candidate = tanh(x_t @ W_h + b_h + (r * h_prev) @ U_h)
    h_t = z * h_prev + (1 - z) * candidate        (Keras: z 保留旧状态 / z keeps the old state)

bias=None 表示该层用 use_bias=False 构建：不加任何偏置。
bias=None means the layer was built with use_bias=False: add no bias at all.

检查 / Check your work:  coursekit check ex4   (加 --verbose 查看数组 / add --verbose to see arrays)
"""

import numpy as np  # noqa: F401  (你会用到 numpy / you will need it)


def lstm_cell_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """LSTM 的一个时间步 / One LSTM timestep.

    参数 / Arguments:
        x_t               (batch, input_dim)
        h_prev, c_prev    (batch, units)         上一步的隐状态与记忆 / the previous state and memory
        kernel            (input_dim, 4*units)   块顺序 / blocks i, f, c, o
        recurrent_kernel  (units, 4*units)       块顺序 / blocks i, f, c, o
        bias              (4*units,) 或 / or None (use_bias=False)
    返回 / Returns:
        (h_t, c_t)，各为 / each (batch, units)

    例 / Example (input_dim 1, units 1):
        x_t = [[1.0]], h_prev = [[1.0]], c_prev = [[0.5]],
        kernel = [[0.5, 1.0, -0.5, 2.0]], recurrent_kernel = [[0.1, 0.2, 0.3, 0.4]], bias = [0, 1, 0, 0]
        z = [[0.6, 2.2, -0.2, 2.4]]  ->  i = σ(0.6) ≈ 0.6457, f = σ(2.2) ≈ 0.9002,
                                        g = tanh(-0.2) ≈ -0.1974, o = σ(2.4) ≈ 0.9168
        c_t = 0.9002 * 0.5 + 0.6457 * (-0.1974) ≈ 0.3227,   h_t = 0.9168 * tanh(0.3227) ≈ 0.2860
        返回 / returns (array([[0.2860]]), array([[0.3227]]));  bias=None 时 / with bias=None:
        (array([[0.2304]]), array([[0.2568]])).
    """
    raise NotImplementedError("请实现 lstm_cell_forward / implement lstm_cell_forward")


def lstm_forward(x, kernel, recurrent_kernel, bias, initial_state=None, return_sequences=False):
    """整个序列上的 LSTM / The LSTM over a whole sequence: lstm_cell_forward for t = 0, ..., timesteps - 1.

    参数 / Arguments:
        x              (batch, timesteps, input_dim)
        kernel, recurrent_kernel, bias   同上 / as in lstm_cell_forward
        initial_state  None（h 与 c 都从全零开始 / h and c start from zeros）
                       或 / or (h0, c0), each (batch, units)
        return_sequences  True: output 是每一步的 h_t / output holds every h_t
    返回 / Returns a tuple:
        (output, h_last, c_last)
        output  (batch, timesteps, units) if return_sequences else (batch, units) (= h_last)
        h_last, c_last  (batch, units): 最后一步的状态 / the state after the last step

    等价于 / Equals: keras.layers.LSTM(units, return_sequences=..., return_state=True,
    use_bias=bias is not None) with layer.set_weights([kernel, recurrent_kernel, bias]),
    called as layer(x, initial_state=[h0, c0]).

    例 / Example: x = [[[1.0]]] (one timestep) with the weights above and initial_state=([[1.0]], [[0.5]])
        returns (array([[0.2860]]), array([[0.2860]]), array([[0.3227]])).
    """
    raise NotImplementedError("请实现 lstm_forward / implement lstm_forward")


def gru_cell_forward(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after=True):
    """GRU 的一个时间步 / One GRU timestep.

    参数 / Arguments:
        x_t               (batch, input_dim)
        h_prev            (batch, units)
        kernel            (input_dim, 3*units)   块顺序 / blocks z, r, h
        recurrent_kernel  (units, 3*units)       块顺序 / blocks z, r, h
        bias              reset_after=True: (2, 3*units) [输入偏置行, 循环偏置行 / input row, recurrent row];
                          reset_after=False: (3*units,);  None: use_bias=False
        reset_after       见模块说明 / see the module docstring
    返回 / Returns:
        h_t  (batch, units) = z * h_prev + (1 - z) * candidate

    例 / Example (input_dim 1, units 1): x_t = [[1.0]], h_prev = [[0.5]],
        kernel = [[0.5, -1.0, 1.0]], recurrent_kernel = [[0.2, 0.4, -0.6]]
        reset_after=True, bias = [[0, 0, 0.1], [0, 0, 0.2]]:
            z = σ(0.5 + 0.1) ≈ 0.6457,  r = σ(-1.0 + 0.2) ≈ 0.3100
            candidate = tanh(1.0 + 0.1 + 0.3100 * (0.5 * -0.6 + 0.2)) ≈ 0.7891
            h_t = 0.6457 * 0.5 + (1 - 0.6457) * 0.7891 ≈ 0.6024
        reset_after=False, bias = [0, 0, 0.1]:
            candidate = tanh(1.0 + 0.1 + (0.3100 * 0.5) * -0.6) ≈ 0.7645,  h_t ≈ 0.5937
    """
    raise NotImplementedError("请实现 gru_cell_forward / implement gru_cell_forward")


def gru_forward(x, kernel, recurrent_kernel, bias, h0=None, return_sequences=False, reset_after=True):
    """整个序列上的 GRU / The GRU over a whole sequence: gru_cell_forward for t = 0, ..., timesteps - 1.

    参数 / Arguments:
        x    (batch, timesteps, input_dim)
        h0   (batch, units) 初始状态；None 时为全零 / the initial state; zeros when None
        kernel, recurrent_kernel, bias, reset_after  同上 / as in gru_cell_forward
    返回 / Returns:
        output  (batch, timesteps, units) if return_sequences else the last h_t, (batch, units)

    等价于 / Equals: keras.layers.GRU(units, reset_after=..., use_bias=bias is not None,
    return_sequences=...) with layer.set_weights([kernel, recurrent_kernel, bias]), called as
    layer(x, initial_state=[h0]).

    例 / Example: x = [[[1.0]]] with the reset_after=True weights above and h0 = [[0.5]] returns [[0.6024]];
        return_sequences=True returns [[[0.6024]]], shape (1, 1, 1).
    """
    raise NotImplementedError("请实现 gru_forward / implement gru_forward")
