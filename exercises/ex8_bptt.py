"""练习 8 · Exercise 8 — 随时间反向传播（BPTT）与梯度消失 · backpropagation through time, vanishing gradients

课上讲过简单循环网络的问题：序列一长，前面时间步的输入对最后的隐藏状态几乎没有影响（梯度消失），
或者梯度大得失控（梯度爆炸）。这正是 LSTM 和 GRU 出现的原因。本练习里你亲手算出这些梯度，
用自己的数字看到梯度消失，再实现梯度爆炸的补救办法：按全局范数做梯度裁剪。请只用 numpy。

The lesson names the simple RNN's problem: on a long sequence the early inputs hardly reach the last
state (the vanishing gradient), or the gradient grows out of control (the exploding gradient); this is
why LSTM and GRU exist. Here you compute those gradients by hand, see the vanishing gradient in your own
numbers, and write the remedy for exploding gradients: clipping by the global norm. Use numpy only
(importing keras, tensorflow, torch or jax scores 0 for this exercise).

前向计算与练习 1 相同 / The forward pass is ex1's (Keras's row-vector convention):

    z_t = x_t @ U + s_{t-1} @ W + b,     s_t = tanh(z_t),     t = 1 ... T,  s_0 = s0

    U = SimpleRNN.kernel (input_dim, units) · W = recurrent_kernel (units, units) · b = bias (units,)
    x (batch, timesteps, input_dim) · 状态 / states (batch, timesteps, units)

你可以在这里重写前向循环，也可以导入自己的练习 1（from ex1_rnn_forward import rnn_forward）。
You may write the forward loop again here, or import your ex1 (from ex1_rnn_forward import rnn_forward).

检查 / Check your work:  coursekit check ex8   (加 --verbose 查看数组 / add --verbose to see arrays)
"""

import numpy as np  # noqa: F401  (你会用到 numpy / you will need it)


def rnn_backward(x, U, W, b, s0, d_states):
    """随时间反向传播 / Backpropagation through time for the simple RNN.

    要求导的标量是 L = sum(states * d_states)：d_states[:, t] 就是 dL/ds_t 中"直接"来自第 t 步输出的部分。
    The scalar is L = sum(states * d_states): d_states[:, t] is the part of dL/ds_t that comes directly
    from step t's output (what the layers above would send back).

    课上 / lesson:   s_t = f(U x_t + W s_{t-1}),  f = tanh
    Keras:           SimpleRNN(return_sequences=True) with weights [kernel, recurrent_kernel, bias],
                     called with initial_state=[s0]; the same numbers as tf.GradientTape gives.

    从最后一个时间步往回走 / Walk back from the last timestep, t = T ... 1:
        ds_t  = d_states[:, t] + ds_next          本步的梯度加上 t+1 步经 W 传回来的梯度
                                                  (this step's own, plus what step t+1 sent back)
        dz_t  = ds_t * (1 - s_t**2)               tanh'(z) = 1 - tanh(z)**2 = 1 - s_t**2（用状态，不是 z）
        dU   += x_t.T @ dz_t                      (input_dim, units)
        dW   += s_{t-1}.T @ dz_t                  上一步的状态 / the PREVIOUS state (s0 at the first step)
        db   += dz_t.sum(axis=0)                  对批次求和 / summed over the batch: (units,)
        dx_t  = dz_t @ U.T                        (batch, input_dim)
        ds_next = dz_t @ W.T                      传给 t-1 步 / sent back to step t-1
    最后 / at the end: ds0 = ds_next

    参数 / Arguments:
        x         (batch, timesteps, input_dim)
        U, W, b   kernel (input_dim, units), recurrent_kernel (units, units), bias (units,)
        s0        (batch, units) 初始状态 / the initial state
        d_states  (batch, timesteps, units)
    返回 / Returns:
        一个字典 / a dict {"dU", "dW", "db", "dx", "ds0"}, 每个的形状与对应变量相同 / each shaped like
        its variable: dU (input_dim, units), dW (units, units), db (units,), dx (batch, timesteps,
        input_dim), ds0 (batch, units)

    例 / Example: batch 1, 2 timesteps, input_dim 1, units 1:
        x = [[[1.0], [0.5]]], U = [[0.5]], W = [[0.8]], b = [0.0], s0 = [[0.5]], d_states = [[[1.0], [1.0]]]
        forward:  s_1 = tanh(0.5 + 0.4) = 0.71630,   s_2 = tanh(0.25 + 0.8 * 0.71630) = 0.67672
        t = 2:    dz_2 = 1.0 * (1 - 0.67672**2) = 0.54205,   ds_next = 0.54205 * 0.8 = 0.43364
        t = 1:    dz_1 = (1.0 + 0.43364) * (1 - 0.71630**2) = 0.69806
        -> dU = [[1.0 * 0.69806 + 0.5 * 0.54205]] = [[0.96909]]
           dW = [[0.5 * 0.69806 + 0.71630 * 0.54205]] = [[0.73730]]
           db = [0.69806 + 0.54205] = [1.24011]
           dx = [[[0.69806 * 0.5], [0.54205 * 0.5]]] = [[[0.34903], [0.27102]]]
           ds0 = [[0.69806 * 0.8]] = [[0.55845]]
    """
    raise NotImplementedError("请实现 rnn_backward / implement rnn_backward")


def input_gradient_norms(x, U, W, b):
    """最后的隐藏状态还能"感觉到"多早的输入？/ How far back does the last state still feel the input?

    从 s0 = 0 出发，对每个时间步 t 计算 d sum(s_T) / d x_t（即 d_states 只在最后一步为 1、其余为 0 时
    rnn_backward 的 dx[:, t]），对每个样本取它的范数 np.linalg.norm(dx[n, t])，再对批次取平均。
    Starting from s0 = 0, for each timestep t take d sum(s_T) / d x_t (rnn_backward's dx[:, t] with
    d_states 1 at the last timestep and 0 elsewhere), its norm per example, np.linalg.norm(dx[n, t]),
    averaged over the batch.

    课上 / lesson:   梯度每往回传一步，就乘一次 W 和 tanh 的导数：W 小则梯度消失，W 大则梯度爆炸。
                     Each step back multiplies by W and by tanh's derivative: small W, the gradient
                     vanishes; large W, it explodes.
    Keras:           the same norms from tf.GradientTape through SimpleRNN (last state only) with
                     weights [U, W, b].

    参数 / Arguments:
        x (batch, timesteps, input_dim), U (input_dim, units), W (units, units), b (units,)
    返回 / Returns:
        norms (timesteps,)  norms[t] 对应 x_t / for x_t; norms[-1] 是最后一步 / is the last timestep

    例 / Example: batch 1, 3 timesteps, input_dim 1, units 1, x = 0, U = [[1.0]], W = [[0.5]], b = [0.0]:
        every s_t = 0, so tanh' = 1 and each step back multiplies by W = 0.5:
        -> norms = [0.25, 0.5, 1.0]
        60 个时间步、W 很小时，norms[0] 可以小到 1e-30 以下：这就是梯度消失。
        With 60 timesteps and a small W, norms[0] can fall below 1e-30: the vanishing gradient.
    """
    raise NotImplementedError("请实现 input_gradient_norms / implement input_gradient_norms")


def clip_by_global_norm(grads, clip_norm):
    """按全局范数做梯度裁剪 / Gradient clipping by the global norm: the remedy for exploding gradients.

    global_norm = sqrt(所有数组所有元素的平方和 / the sum of every squared entry of every array)
    每个数组都乘同一个数 / every array is multiplied by the same number:
        g * clip_norm / max(global_norm, clip_norm)
    全局范数不超过 clip_norm 时梯度不变；全局范数为 0 时也不变（不要除以 0）。
    Under clip_norm the gradients are unchanged; a global norm of 0 leaves them unchanged too (do not
    divide by 0). Clipping each array by its own norm is a different (and wrong) operation.

    Keras / TensorFlow:  tf.clip_by_global_norm(grads, clip_norm)

    参数 / Arguments:
        grads      一个数组的列表 / a list of arrays of any shapes
        clip_norm  正数 / a positive number
    返回 / Returns:
        (裁剪后的数组列表 / the list of clipped arrays, in the same order and shapes,
         裁剪前的全局范数 / the global norm BEFORE clipping, a number)

    例 / Example: grads = [np.array([3.0, 4.0]), np.array([12.0])], clip_norm = 6.5
        global_norm = sqrt(9 + 16 + 144) = 13.0, scale = 6.5 / 13.0 = 0.5
        -> ([array([1.5, 2.0]), array([6.0])], 13.0)
        with clip_norm = 20.0 -> ([array([3.0, 4.0]), array([12.0])], 13.0)   (unchanged)
    """
    raise NotImplementedError("请实现 clip_by_global_norm / implement clip_by_global_norm")
