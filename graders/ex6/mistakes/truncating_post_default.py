"""Reference solution of exercise 6: preparing IMDB sequences (padding, decoding), in numpy.

Fails test: pad: maxlen 5, Keras's defaults (padding and truncating 'pre')
Fails test: pad: padding 'post'
Fails test: pad: maxlen shorter than every sequence
"""

import numpy as np


def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0):
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    out = np.full((len(sequences), maxlen), value, dtype="int32")
    for row, s in enumerate(sequences):
        if maxlen == 0 or len(s) == 0:
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if padding == "pre":
            out[row, -len(kept):] = kept
        else:
            out[row, :len(kept)] = kept
    return out


def decode_review(ids, word_index, index_from=3):
    id_to_word = {rank + index_from: word for word, rank in word_index.items()}
    words = []
    for i in ids:
        if i == 0:
            continue
        words.append("?" if i in (1, 2) else id_to_word.get(i, "?"))
    return " ".join(words)

def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0):
    maxlen = max((len(s) for s in sequences), default=0) if maxlen is None else maxlen
    out = np.full((len(sequences), maxlen), value, dtype="int32")
    for row, s in enumerate(sequences):
        if maxlen == 0 or len(s) == 0:
            continue
        kept = s[-maxlen:] if truncating == 'post-is-the-default' else s[:maxlen]
        if padding == 'pre':
            out[row, -len(kept):] = kept
        else:
            out[row, :len(kept)] = kept
    return out
