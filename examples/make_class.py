"""Write examples/class/: a small synthetic class for an instructor's first ``coursekit grade``.

    python examples/make_class.py

Every student starts from the reference solutions; a mistake is a wrong definition appended to a file,
which replaces the right one when the module is imported, so the class stays in step with the
solutions. ``tests/test_examples.py`` checks that the committed class is what this script writes.

- ada: every exercise right.
- ben: partly right: ex1's softmax over the wrong axis, ex4's GRU still the stub, no ex5 file.
- chen: common mistakes: ex1 leaves out the bias, ex2 forgets the recurrent weights,
  ex3 stacks layers that do not return sequences.
- dana: common mistakes: ex1 uses ReLU, ex4 takes the LSTM gates in the order i, f, o, g.
- eve: code that crashes: a syntax error in ex1, an exception in ex4, sys.exit in ex5.
- gao: the IMDB half: ex6 pads at the end by default; ex7 returns a model it never fitted with a
  history written by hand, and draws its figures without a legend.
- finn.zip: ex1 and ex4 right, zipped inside a folder.
- hong: the DNC's memory (ex10): the retention a sum over the read heads, and the read modes taken in
  deepmind/dnc's order (backward, forward, content) instead of the paper's.
- hana: the forecasting exercise: ex11 normalises with statistics over every row (a leak from the
  validation and test rows) and forecasts with a Dense on the flattened window, no recurrent layer.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE.parent / "solutions"
CLASS = HERE / "class"

MISTAKES: dict[str, dict[str, str]] = {
    "ben": {
        "ex1_rnn_forward.py": '''
def rnn_output(s, V, c):
    logits = np.asarray(s) @ V + c
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
''',
        "ex4_lstm_gru.py": '''
def gru_cell_forward(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after=True):
    raise NotImplementedError("GRU: not done yet")


def gru_forward(x, kernel, recurrent_kernel, bias, h0=None, return_sequences=False, reset_after=True):
    raise NotImplementedError("GRU: not done yet")
''',
        "ex5_bidirectional.py": None,
    },
    "chen": {
        "ex1_rnn_forward.py": '''
def rnn_cell_forward(x_t, s_prev, U, W, b):
    return np.tanh(np.asarray(x_t) @ U + np.asarray(s_prev) @ W)
''',
        "ex2_param_count.py": '''
def simple_rnn_params(input_dim, units, use_bias=True):
    return input_dim * units + (units if use_bias else 0)
''',
        "ex3_stacked_rnn.py": '''
def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(max_features, embed_dim)])
    for _ in range(depth):
        model.add(layers.SimpleRNN(units))
    return model
''',
    },
    "dana": {
        "ex1_rnn_forward.py": '''
def rnn_cell_forward(x_t, s_prev, U, W, b):
    return np.maximum(np.asarray(x_t) @ U + np.asarray(s_prev) @ W + b, 0.0)
''',
        "ex4_lstm_gru.py": '''
def lstm_cell_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = np.asarray(x_t) @ kernel + np.asarray(h_prev) @ recurrent_kernel
    if bias is not None:
        z = z + bias
    z_i, z_f, z_o, z_c = np.split(z, 4, axis=-1)
    i, f, o = _sigmoid(z_i), _sigmoid(z_f), _sigmoid(z_o)
    c_t = f * c_prev + i * np.tanh(z_c)
    return o * np.tanh(c_t), c_t
''',
    },
    "eve": {
        "ex1_rnn_forward.py": '''
def rnn_cell_forward(x_t, s_prev, U, W, b)
    return np.tanh(x_t @ U + s_prev @ W + b)
''',
        "ex4_lstm_gru.py": '''
def lstm_forward(x, kernel, recurrent_kernel, bias, initial_state=None, return_sequences=False):
    states = {}
    return states["h_last"]
''',
        "ex5_bidirectional.py": '''
def bidirectional_forward(x, forward_weights, backward_weights, cell="simple_rnn",
                          merge_mode="concat", return_sequences=False):
    import sys
    sys.exit("giving up")
''',
    },
    "gao": {
        "ex6_sequences.py": '''
def pad_sequences(sequences, maxlen=None, padding="post", truncating="pre", value=0):
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    out = np.full((len(sequences), maxlen), value, dtype="int32")
    for row, s in enumerate(sequences):
        kept = list(s[-maxlen:] if truncating == "pre" else s[:maxlen]) if maxlen else []
        if kept:
            if padding == "pre":
                out[row, -len(kept):] = kept
            else:
                out[row, :len(kept)] = kept
    return out
''',
        "ex7_imdb_training.py": '''
def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(max_features, embed_dim), layers.SimpleRNN(units),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    history = {"acc": [0.62, 0.84, 0.89], "val_acc": [0.78, 0.77, 0.81],
               "loss": [0.65, 0.40, 0.27], "val_loss": [0.53, 0.48, 0.49]}
    return model, {key: values[:epochs] for key, values in history.items()}


def plot_history(history):
    figures = []
    for train, validation, title in (("acc", "val_acc", "Training and validation accuracy"),
                                     ("loss", "val_loss", "Training and validation loss")):
        figures.append(plt.figure())
        epochs = range(len(history[train]))
        plt.plot(epochs, history[train], "bo", label="Training")
        plt.plot(epochs, history[validation], "b", label="Validation")
        plt.title(title)
    return figures[0], figures[1]
''',
    },
    "hong": {
        "ex10_dnc.py": '''
def usage(prev_usage, prev_write_weights, free_gates, prev_read_weights):
    u, w = np.asarray(prev_usage), np.asarray(prev_write_weights)
    freed = np.asarray(free_gates)[:, :, None] * np.asarray(prev_read_weights)
    return (u + w - u * w) * np.sum(1.0 - freed, axis=1)


def read_weighting(backward, content, forward, read_modes):
    pi = np.asarray(read_modes)
    return pi[:, :, 0:1] * backward + pi[:, :, 1:2] * forward + pi[:, :, 2:3] * content
''',
    },
}
MISTAKES["hana"] = {
    "ex11_forecast.py": '''
def normalize(data, num_train):
    mean, std = data.mean(axis=0), data.std(axis=0)
    return (data - mean) / std, mean, std


def train_forecaster(x_train, y_train, x_val, y_val, epochs=5, batch_size=64, units=16):
    model = keras.Sequential([keras.Input(shape=x_train.shape[1:]), layers.Flatten(),
                              layers.Dense(units, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_data=(x_val, y_val), verbose=0)
    return model, history.history
''',
}
ZIPPED = {"finn": ("ex1_rnn_forward.py", "ex4_lstm_gru.py")}


def solution_files() -> list[Path]:
    return sorted(SOLUTIONS.glob("ex*_*.py"))


def write_student(folder: Path, mistakes: dict[str, str | None]) -> None:
    folder.mkdir(parents=True)
    for path in solution_files():
        if path.name in mistakes and mistakes[path.name] is None:
            continue
        text = path.read_text(encoding="utf-8")
        wrong = mistakes.get(path.name)
        if wrong:
            text += "\n\n# --- the student's own version, which replaces the one above ---\n" + wrong
        (folder / path.name).write_text(text, encoding="utf-8")


def write_class(dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    write_student(dest / "ada", {})
    for student, mistakes in MISTAKES.items():
        write_student(dest / student, mistakes)
    for student, names in ZIPPED.items():
        with zipfile.ZipFile(dest / f"{student}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for name in names:
                info = zipfile.ZipInfo(f"{student}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
                info.external_attr = 0o100644 << 16
                zf.writestr(info, (SOLUTIONS / name).read_text(encoding="utf-8"))


def main() -> None:
    write_class(CLASS)
    print(f"wrote {CLASS}")


if __name__ == "__main__":
    main()
