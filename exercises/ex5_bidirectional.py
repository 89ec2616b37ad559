"""练习 5 · Exercise 5 — 双向 RNN 的前向计算 · bidirectional RNN forward passes

双向 RNN 用两套权重读同一个序列：正向从 x_0 读到 x_{T-1}，反向从 x_{T-1} 读回 x_0，再把两边的输出合并。
A bidirectional RNN reads one sequence with two sets of weights: the forward direction from x_0 to
x_{T-1}, the backward direction from x_{T-1} back to x_0; then it merges the two outputs.

    y     = rnn(x)                 正向 RNN / the forward RNN over x
    y_rev = rnn_rev(x[:, ::-1])    反向 RNN / the backward RNN over x reversed in time
    return_sequences=True:  把 y_rev 沿时间轴翻转回输入顺序 / flip y_rev back to input time order,
                            so that index t of both holds what belongs to input step x_t
    return_sequences=False: y 与 y_rev 都是各自最后一步的输出；反向的最后一步是读完 x_0 之后的状态
                            / y and y_rev are each direction's LAST step; the backward direction's last
                            step is its state after reading all the way back to x_0
    merge_mode: "concat" -> [y, y_rev]（正向在前 / forward first, on the last axis）
                "sum" -> y + y_rev,   "ave" -> (y + y_rev) / 2,   "mul" -> y * y_rev

每个方向的权重 (kernel, recurrent_kernel, bias) 按 Keras 的布局 / each direction's weights in Keras's layout:
    "simple_rnn": kernel (input_dim, units),   recurrent_kernel (units, units),   bias (units,)
    "lstm":       kernel (input_dim, 4*units), recurrent_kernel (units, 4*units), bias (4*units,)
                  块顺序 / blocks i, f, c, o
    "gru":        kernel (input_dim, 3*units), recurrent_kernel (units, 3*units), bias (2, 3*units)
                  块顺序 / blocks z, r, h; reset_after=True (bias 行 / rows: input, recurrent)
每个方向的初始状态都是全零 / each direction starts from zeros.

可以复用你自己的练习 1 和练习 4（把文件放在同一个文件夹里）/ you may reuse your exercises 1 and 4 (keep
the files in the same folder):
    from ex1_rnn_forward import rnn_forward
    from ex4_lstm_gru import lstm_forward, gru_forward
只用 numpy：导入 keras、tensorflow、torch 或 jax（包括在被导入的 ex1/ex4 文件里）本练习记 0 分。
numpy only: importing keras, tensorflow, torch or jax (in an imported ex1/ex4 file too) scores 0 here.

检查 / Check your work:  coursekit check ex5   (加 --verbose 查看数组 / add --verbose to see arrays)
"""

import numpy as np  # noqa: F401  (你会用到 numpy / you will need it)


def bidirectional_forward(x, forward_weights, backward_weights, cell="simple_rnn",
                          merge_mode="concat", return_sequences=False):
    """双向 RNN / A bidirectional RNN, equal to keras.layers.Bidirectional.

    参数 / Arguments:
        x                 (batch, timesteps, input_dim)
        forward_weights   (kernel, recurrent_kernel, bias) 正向 / of the forward direction
        backward_weights  (kernel, recurrent_kernel, bias) 反向 / of the backward direction
        cell              "simple_rnn", "lstm" 或 / or "gru"
        merge_mode        "concat", "sum", "ave" 或 / or "mul"
        return_sequences  True: 每一步的输出 / every step's output
    返回 / Returns:
        merge_mode="concat": (batch, 2*units), or (batch, timesteps, 2*units) with return_sequences
        其他 / otherwise:    (batch, units),   or (batch, timesteps, units)

    等价于 / Equals: keras.layers.Bidirectional(keras.layers.SimpleRNN(units, return_sequences=...),
    merge_mode=...) (or LSTM, or GRU) with layer.set_weights([*forward_weights, *backward_weights]).

    例 / Example: cell="simple_rnn", units 1, x = [[[1.0], [2.0]]] (batch 1, 2 timesteps),
        forward_weights = ([[1.0]], [[0.5]], [0.0]), backward_weights = ([[-1.0]], [[0.5]], [0.0])
        正向 / forward:  s_0 = tanh(1) ≈ 0.7616,   s_1 = tanh(2 + 0.5 * 0.7616) ≈ 0.9830
        反向 / backward: 先读 x_1 / reads x_1 first: b_1 = tanh(-2) ≈ -0.9640,
                         再读 x_0 / then x_0: b_0 = tanh(-1 + 0.5 * -0.9640) ≈ -0.9018
        return_sequences=False: concat [[0.9830, -0.9018]], sum [[0.0812]], ave [[0.0406]], mul [[-0.8866]]
        return_sequences=True, concat: [[[0.7616, -0.9018], [0.9830, -0.9640]]]
            (时间步 0 配 b_0，时间步 1 配 b_1 / step 0 pairs with b_0, step 1 with b_1)
    """
    raise NotImplementedError("请实现 bidirectional_forward / implement bidirectional_forward")
