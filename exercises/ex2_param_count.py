"""练习 2 · Exercise 2 — 数参数 · counting parameters

model.summary() 的 "Param #" 一栏是怎么来的？本练习用纯 Python 亲手算出来，结果要和 Keras 的
count_params() 完全一致。每个函数都返回整数 int（numpy 整数也算，但不能是 float）。
Where does the "Param #" column of model.summary() come from? Work it out by hand, in plain Python: every
function returns an int (a numpy integer counts as one too; not a float) equal to Keras's count_params()
for the same layer. Importing keras, tensorflow, torch or jax scores 0 for this exercise.

课上的公式 / The lesson's equation, one gate:   s_t = f(U x_t + W s_{t-1} + b)

    U = kernel            (input_dim, units)    输入权重 / input weights
    W = recurrent_kernel  (units, units)        循环权重，乘 s_{t-1} / recurrent weights, times s_{t-1}
    b = bias              (units,)              偏置 / bias

一个门的参数 / one gate:  input_dim * units + units * units + units
    SimpleRNN: 1 个门 / one gate       (f = tanh)
    LSTM:      4 个门 / four gates i, f, c, o   Keras: kernel (input_dim, 4*units), bias (4*units,)
    GRU:       3 个门 / three gates z, r, h     Keras: kernel (input_dim, 3*units);
               reset_after=True（默认 / the default）: bias 有两行 / the bias has two rows, (2, 3*units):
               输入偏置与循环偏置 / an input bias and a recurrent bias; reset_after=False: (3*units,)
    use_bias=False: 没有 bias / no bias at all.
    Bidirectional: 两份独立的层（正向、反向）/ two independent copies (forward, backward): 2 × the count.
    Embedding(input_dim, output_dim): 每个词一行向量 / one row per token id: input_dim * output_dim.
    Dense(units) on input_dim inputs: input_dim * units + units.

课上的表 / The lesson's tables (Embedding(10000, 32) then SimpleRNN(32)):
    Embedding   (None, None, 32)   320,000     = 10000 * 32
    SimpleRNN   (None, 32)           2,080     = 32*32 + 32*32 + 32
    Total params: 322,080
    四层堆叠的 SimpleRNN(32) / four stacked SimpleRNN(32): 320,000 + 4 * 2,080 = 328,320

检查 / Check your work:  coursekit check ex2   (加 --verbose 并排显示两张表 / add --verbose to see tables)
"""


def embedding_params(input_dim, output_dim):
    """Embedding 层的参数个数 / The parameters of Embedding(input_dim, output_dim).

    一张查找表：每个词编号 (0 .. input_dim-1) 对应一个 output_dim 维的向量，没有偏置。
    A lookup table: one vector of output_dim numbers per token id, no bias. Keras weight: embeddings
    (input_dim, output_dim).

    例 / Example: embedding_params(10000, 32) == 320000
    """
    raise NotImplementedError("请实现 embedding_params / implement embedding_params")


def dense_params(input_dim, units, use_bias=True):
    """Dense(units) 接在 input_dim 个输入上 / Dense(units) on input_dim inputs.

    kernel (input_dim, units) + bias (units,)（use_bias=False 时没有 / none when use_bias=False）.

    例 / Example: dense_params(32, 1) == 33 (课上 IMDB 模型的输出层 / the IMDB model's output layer)
    """
    raise NotImplementedError("请实现 dense_params / implement dense_params")


def simple_rnn_params(input_dim, units, use_bias=True):
    """SimpleRNN(units) 的参数 / The parameters of SimpleRNN(units) on input_dim features.

    U (input_dim, units) + W (units, units) + b (units,).

    例 / Example: simple_rnn_params(32, 32) == 32*32 + 32*32 + 32 == 2080
    """
    raise NotImplementedError("请实现 simple_rnn_params / implement simple_rnn_params")


def lstm_params(input_dim, units, use_bias=True):
    """LSTM(units) 的参数 / The parameters of LSTM(units): four gates i, f, c, o.

    Keras: kernel (input_dim, 4*units), recurrent_kernel (units, 4*units), bias (4*units,).

    例 / Example: lstm_params(32, 32) == 4 * (32*32 + 32*32 + 32) == 8320
    """
    raise NotImplementedError("请实现 lstm_params / implement lstm_params")


def gru_params(input_dim, units, use_bias=True, reset_after=True):
    """GRU(units) 的参数 / The parameters of GRU(units): three gates z, r, h.

    Keras: kernel (input_dim, 3*units), recurrent_kernel (units, 3*units), bias (2, 3*units) when
    reset_after=True (the default: an input bias row and a recurrent bias row), (3*units,) when False.

    例 / Example: gru_params(32, 32) == 3 * (32*32 + 32*32 + 2*32) == 6336;
                  gru_params(32, 32, reset_after=False) == 3 * (32*32 + 32*32 + 32) == 6240
    """
    raise NotImplementedError("请实现 gru_params / implement gru_params")


def bidirectional_params(layer, input_dim, units, **layer_kwargs):
    """Bidirectional(<layer>(units, **layer_kwargs)) 的参数 / The parameters of a Bidirectional layer.

    layer 是 "SimpleRNN"、"LSTM" 或 "GRU"；layer_kwargs 是该层的 use_bias、reset_after。
    layer is "SimpleRNN", "LSTM" or "GRU"; layer_kwargs are that layer's (use_bias, reset_after).
    正向、反向各一份权重 / a forward and a backward copy, each with its own weights.

    例 / Example: bidirectional_params("LSTM", 32, 16) == 2 * 4 * (32*16 + 16*16 + 16) == 6272
    """
    raise NotImplementedError("请实现 bidirectional_params / implement bidirectional_params")


def summary_table(layers, input_shape=(None,)):
    """model.summary() 的每一行 / The rows of model.summary() for
    keras.Sequential([keras.Input(input_shape), *layers]).

    layers: (class_name, kwargs) 的列表 / a list of (class_name, kwargs) pairs, class_name one of
        Embedding, SimpleRNN, LSTM, GRU, Dense, Bidirectional; kwargs as the Keras constructor takes them:
            [("Embedding", {"input_dim": 10000, "output_dim": 32}),
             ("SimpleRNN", {"units": 32, "return_sequences": True}),
             ("Bidirectional", {"layer": ("LSTM", {"units": 16}), "merge_mode": "concat"}),
             ("Dense", {"units": 1, "activation": "sigmoid"})]
    input_shape: 不含批次轴的输入形状 / the input's shape without the batch axis: (None,) for token ids
        of any length, (500,) for fixed-length ones, (None, 8) for sequences of 8 features.

    返回 / Returns: 每层一行 (class_name, output_shape, params) / one row per layer, output_shape a tuple
        with None for the batch axis and for unknown lengths.
    输出形状 / Output shapes:
        Embedding: 在最后加一维 output_dim / appends output_dim: (None, T) -> (None, T, output_dim)
        SimpleRNN/LSTM/GRU: return_sequences=True -> (None, T, units)，否则 / else (None, units)
        Bidirectional: merge_mode="concat"（默认 / default）宽度 2*units；"sum"、"ave"、"mul" 宽度 units
        Dense: 只改变最后一维 / changes the last axis only: (..., units)
        每层的 input_dim 是上一层输出的最后一维 / each layer's input_dim is the previous output's last axis.

    例 / Example (课上的第一张表 / the lesson's first table):
        summary_table([("Embedding", {"input_dim": 10000, "output_dim": 32}), ("SimpleRNN", {"units": 32})])
        == [("Embedding", (None, None, 32), 320000), ("SimpleRNN", (None, 32), 2080)]
    """
    raise NotImplementedError("请实现 summary_table / implement summary_table")
