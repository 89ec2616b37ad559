"""Reference solution of exercise 2: counting the parameters of Keras's recurrent layers, by hand.

Fails: summary_table
"""

GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def embedding_params(input_dim, output_dim):
    """One vector of output_dim numbers per token id."""
    return int(input_dim) * int(output_dim)


def dense_params(input_dim, units, use_bias=True):
    """kernel (input_dim, units) + bias (units,)."""
    return int(input_dim) * int(units) + (int(units) if use_bias else 0)


def _recurrent_params(layer, input_dim, units, use_bias=True, reset_after=True):
    gates = GATES[layer]
    bias_rows = 0
    if use_bias:
        bias_rows = 2 if layer == "GRU" and reset_after else 1
    return gates * (input_dim * units + units * units + bias_rows * units)


def simple_rnn_params(input_dim, units, use_bias=True):
    """U (input_dim, units) + W (units, units) + b (units,)."""
    return _recurrent_params("SimpleRNN", int(input_dim), int(units), use_bias)


def lstm_params(input_dim, units, use_bias=True):
    """Four gates (i, f, c, o), each with its own kernel, recurrent kernel and bias."""
    return _recurrent_params("LSTM", int(input_dim), int(units), use_bias)


def gru_params(input_dim, units, use_bias=True, reset_after=True):
    """Three gates (z, r, h); with reset_after=True the bias has two rows (input and recurrent)."""
    return _recurrent_params("GRU", int(input_dim), int(units), use_bias, reset_after)


def bidirectional_params(layer, input_dim, units, **layer_kwargs):
    """Two copies of the layer, one reading forwards and one backwards."""
    return 2 * _recurrent_params(layer, int(input_dim), int(units), layer_kwargs.get("use_bias", True),
                                 layer_kwargs.get("reset_after", True))


def _recurrent_output(shape, units, return_sequences):
    return (None, shape[1], units) if return_sequences else (None, units)


def summary_table(layers, input_shape=(None,)):
    """The rows of model.summary() for keras.Sequential([keras.Input(input_shape), *layers])."""
    shape = (None, *(None for _ in input_shape[:1]), *input_shape[1:])
    rows = []
    for name, kwargs in layers:
        if name == "Embedding":
            shape = (*shape, kwargs["output_dim"])
            params = embedding_params(kwargs["input_dim"], kwargs["output_dim"])
        elif name == "Dense":
            params = dense_params(shape[-1], kwargs["units"], kwargs.get("use_bias", True))
            shape = (*shape[:-1], kwargs["units"])
        elif name in GATES:
            params = _recurrent_params(name, shape[-1], kwargs["units"], kwargs.get("use_bias", True),
                                       kwargs.get("reset_after", True))
            shape = _recurrent_output(shape, kwargs["units"], kwargs.get("return_sequences", False))
        elif name == "Bidirectional":
            inner, inner_kwargs = kwargs["layer"]
            units = inner_kwargs["units"]
            params = 2 * _recurrent_params(inner, shape[-1], units, inner_kwargs.get("use_bias", True),
                                           inner_kwargs.get("reset_after", True))
            width = 2 * units if kwargs.get("merge_mode", "concat") == "concat" else units
            shape = _recurrent_output(shape, width, inner_kwargs.get("return_sequences", False))
        else:
            raise ValueError(f"unknown layer class {name!r}")
        rows.append((name, shape, params))
    return rows
