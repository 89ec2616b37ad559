"""练习 3 · Exercise 3 — 堆叠循环层与 return_sequences · stacked recurrent layers and return_sequences

用 Keras 搭出课上的模型。每个函数返回一个 keras.Model（keras.Sequential 即可），输入是形状为
(batch, timesteps) 的整数词编号，timesteps 任意。
Build the lesson's models with Keras. Each function returns a keras.Model (a keras.Sequential is fine)
whose input is int token ids of shape (batch, timesteps), any number of timesteps.

return_sequences 决定循环层输出什么 / return_sequences decides what a recurrent layer outputs:
    False（默认 / default）: 只有最后一步的状态 / only the last state s_T       -> (None, units)
    True:                  每一步的状态 / the state at every timestep s_1..s_T -> (None, None, units)
一个循环层需要序列作为输入 (batch, timesteps, features)，所以堆叠时，除最后一层外每层都要
return_sequences=True。A recurrent layer reads a sequence (batch, timesteps, features): in a stack, every
SimpleRNN but the last must return_sequences=True, or Keras stops with "expected ndim=3, found ndim=2".

参数个数 / Parameters (see exercise 2): Embedding input_dim * output_dim;
SimpleRNN(units) on d inputs: d*units + units*units + units.

课上的三张表 / The lesson's three tables (max_features=10000, embed_dim=32, units=32):
    build_single_rnn:    Embedding (None, None, 32) 320,000 · SimpleRNN (None, 32)       2,080 · total 322,080
    build_sequence_rnn:  Embedding (None, None, 32) 320,000 · SimpleRNN (None, None, 32) 2,080 · total 322,080
    build_stacked_rnn:   Embedding 320,000 · 3 × SimpleRNN (None, None, 32) 2,080 · SimpleRNN (None, 32) 2,080
                         total 328,320

提示 / Tips:
    - 以 keras.Input(shape=(None,), dtype="int32") 开头，model.summary() 才会显示输出形状；没有它也能
      通过评分（评分器按 (None, None) 构建模型）。
    - Start with keras.Input(shape=(None,), dtype="int32") and model.summary() shows the output shapes;
      a model without it is accepted too (the grader builds it for (None, None)).
    - 层的名字随意 / Layer names do not matter; the functional API (keras.Model(inputs, outputs)) is fine.
    - 请使用函数的参数，不要写死 10000、32 / use the arguments, not fixed numbers: the grader also calls
      these functions with other sizes.

检查 / Check your work:  coursekit check ex3   (加 --verbose 并排显示两张表 / add --verbose for tables)
"""

import keras  # noqa: F401  (你会用到 / you will need it)
from keras import layers  # noqa: F401


def build_single_rnn(max_features=10000, embed_dim=32, units=32):
    """Embedding(max_features, embed_dim)，再接一个只返回最后输出的 SimpleRNN(units)。
    Embedding(max_features, embed_dim) then SimpleRNN(units) that returns only its last output.

    默认参数下是课上的第一张表 / With the defaults, the lesson's first table:
        Embedding (None, None, 32) 320,000 · SimpleRNN (None, 32) 2,080 · total 322,080

    例 / Example: build_single_rnn(500, 8, 6) 的表 / has the table
        Embedding (None, None, 8) 4,000 · SimpleRNN (None, 6) 8*6 + 6*6 + 6 = 90 · total 4,090
    """
    raise NotImplementedError("请实现 build_single_rnn / implement build_single_rnn")


def build_sequence_rnn(max_features=10000, embed_dim=32, units=32):
    """同 build_single_rnn，但 SimpleRNN 返回完整序列 / As build_single_rnn, but the SimpleRNN returns
    the full sequence (return_sequences=True).

    默认参数 / Defaults: Embedding (None, None, 32) 320,000 · SimpleRNN (None, None, 32) 2,080 · total 322,080
    参数个数不变，只有输出形状变了 / Same parameters; only the output shape changes.
    """
    raise NotImplementedError("请实现 build_sequence_rnn / implement build_sequence_rnn")


def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    """Embedding 之后堆叠 depth 个 SimpleRNN(units)；除最后一层外都返回完整序列。
    Embedding then `depth` SimpleRNN(units) layers; all but the last return full sequences.

    默认参数下是课上的第三张表 / With the defaults, the lesson's third table:
        Embedding (None, None, 32) 320,000
        SimpleRNN (None, None, 32)   2,080   ×3  (return_sequences=True)
        SimpleRNN (None, 32)         2,080       (the last one)
        Total params: 320,000 + 4 * 2,080 = 328,320
    第一层 SimpleRNN 的输入维度是 embed_dim，之后各层是 units。
    The first SimpleRNN reads embed_dim features, the next ones read units features.

    例 / Example: build_stacked_rnn(100, 4, 3, depth=2):
        Embedding (None, None, 4) 400 · SimpleRNN (None, None, 3) 4*3 + 3*3 + 3 = 24 · SimpleRNN (None, 3)
        3*3 + 3*3 + 3 = 21 · total 445
    """
    raise NotImplementedError("请实现 build_stacked_rnn / implement build_stacked_rnn")


def build_imdb_classifier(max_features=10000, embed_dim=32, units=32):
    """课上的 IMDB 模型 / The lesson's IMDB model: Embedding, SimpleRNN(units),
    Dense(1, activation="sigmoid"), compiled with
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    评分器检查这三项设置 / the grader checks these three settings ("acc", not "accuracy").

    默认参数 / Defaults: Embedding 320,000 · SimpleRNN (None, 32) 2,080 · Dense (None, 1) 33 · total 322,113
    sigmoid 把输出变成"正面评价"的概率 / the sigmoid turns the output into the probability that a review
    is positive.
    """
    raise NotImplementedError("请实现 build_imdb_classifier / implement build_imdb_classifier")
