"""练习 6 · Exercise 6 — 准备序列：填充与解码 · preparing sequences: padding and decoding

课上的 IMDB 数据是一条条长短不一的影评，每条是一串整数（单词编号）。送进 Embedding + SimpleRNN 之前，
要把它们填充 / 截断成同样的长度：课上用 pad_sequences(input_train, maxlen=500)。
The lesson's IMDB reviews are lists of int word ids of different lengths. Before an Embedding + SimpleRNN
reads them they are padded / truncated to one length: the lesson calls pad_sequences(input_train, maxlen=500).

本练习请只用 numpy 实现（导入 keras、tensorflow、torch 或 jax 本练习得 0 分）。
Use numpy only (importing keras, tensorflow, torch or jax scores 0 for this exercise).

检查 / Check your work:  coursekit check ex6   (加 --verbose 查看数组 / add --verbose to see arrays)
"""

import numpy as np  # noqa: F401  (你会用到 numpy / you will need it)


def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0):
    """把每个序列填充 / 截断到 maxlen · Pad or truncate every sequence to maxlen.

    与 keras.utils.pad_sequences(sequences, maxlen, padding=..., truncating=..., value=...) 相同。
    Equals keras.utils.pad_sequences(sequences, maxlen, padding=..., truncating=..., value=...).

    参数 / Arguments:
        sequences   整数列表的列表，长度各不相同，可以有空列表 / a list of lists of int ids (lengths
                    differ, some may be empty)
        maxlen      结果的列数；为 None 时取最长序列的长度（不是"不填充"）/ the number of columns; None
                    means the longest sequence's length (not "no padding")
        padding     "pre"（默认）：在前面填充；"post"：在后面填充 / "pre" (default): pad at the front;
                    "post": pad at the end
        truncating  "pre"（默认）：太长时去掉开头，保留最后 maxlen 个；"post"：去掉结尾
                    / "pre" (default): a long sequence loses its beginning and keeps its last maxlen ids;
                    "post": it loses its end
        value       填充值（默认 0）/ the pad value (default 0)
    返回 / Returns:
        int32 的 ndarray，形状 (len(sequences), maxlen) / an int32 ndarray of shape (len(sequences), maxlen)
        注意：np.zeros / np.full 默认得到 float64，请写 dtype="int32"。
        Note: np.zeros / np.full make float64 by default: pass dtype="int32".

    例 / Example:
        pad_sequences([[1, 2, 3], [4, 5, 6, 7, 8], []], maxlen=4)
        -> [[0, 1, 2, 3],        短的在前面补 0 / the short one is padded at the front
            [5, 6, 7, 8],        长的去掉开头 / the long one loses its beginning
            [0, 0, 0, 0]]        空序列全是填充值 / an empty one is all pad value
        padding="post", truncating="post"  -> [[1, 2, 3, 0], [4, 5, 6, 7], [0, 0, 0, 0]]
    """
    raise NotImplementedError("请实现 pad_sequences / implement pad_sequences")


def decode_review(ids, word_index, index_from=3):
    """把编号还原成影评的文字 · Turn an encoded IMDB review back into its words.

    keras.datasets.imdb 的编码 / How keras.datasets.imdb encodes a review:
        0 = 填充 (解码时跳过) / padding (skipped)
        1 = 开始标记 / the start mark                 -> "?"
        2 = 词表外的词 / an out-of-vocabulary word     -> "?"
        单词索引 word_index 中排名为 r 的词，编号是 r + index_from（默认 3）
        a word whose word_index rank is r has id r + index_from (3 by default)
        找不到对应单词的编号 / any id with no word     -> "?"
    课上的写法 / The lesson's idiom:
        reverse_word_index = dict((value, key) for (key, value) in word_index.items())
        " ".join(reverse_word_index.get(i - 3, "?") for i in ids)
    这里还要跳过 0、用参数 index_from，并把 1 和 2 写成 "?"。
    Here, also skip 0, use the index_from argument, and write 1 and 2 as "?".

    参数 / Arguments:
        ids         整数编号的列表（或一维数组）/ a list (or 1-D array) of int ids
        word_index  {单词: 排名} / {word: rank}, as keras.datasets.imdb.get_word_index() gives it
        index_from  编号相对排名的偏移 / the offset of an id from its word's rank
    返回 / Returns:
        用单个空格连接的单词字符串 / the words joined by single spaces

    例 / Example:
        word_index = {"the": 1, "movie": 17, "great": 84}
        decode_review([0, 0, 1, 4, 20, 87, 2], word_index)  -> "? the movie great ?"
        decode_review([1, 11, 94], word_index, index_from=10) -> "? the great"
    """
    raise NotImplementedError("请实现 decode_review / implement decode_review")
