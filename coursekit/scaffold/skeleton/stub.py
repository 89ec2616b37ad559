"""练习 exN · Exercise exN — 带 tanh 的全连接层 · a dense layer with tanh

请只用 numpy。/ Use numpy only (importing keras, tensorflow, torch or jax scores 0 for this exercise).

    y = tanh(x @ w + b)

检查 / Check your work:  coursekit check exN   (加 --verbose 查看数组 / add --verbose to see arrays)
"""

import numpy as np  # noqa: F401  (你会用到 numpy / you will need it)


def dense_tanh(x, w, b):
    """全连接层加 tanh / A dense layer with tanh: tanh(x @ w + b).

    参数 / Arguments:
        x  (batch, input_dim)
        w  (input_dim, units)   Dense.kernel
        b  (units,)             Dense.bias
    返回 / Returns:
        (batch, units)

    等价于 / Equals: keras.layers.Dense(units, activation="tanh") with set_weights([w, b]).
    """
    raise NotImplementedError("请实现 dense_tanh / implement dense_tanh")
