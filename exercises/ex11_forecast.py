"""练习 11 · Exercise 11 — 预测天气序列 · forecasting a weather series

课上的"循环网络的应用——用于序列建模预测问题"，按 Chollet《Python 深度学习》预测 Jena 气温的做法：
读入气象记录，归一化，切成窗口，先算出常识基线（"明天和现在一样"），再训练一个带循环层的模型，
它必须比基线好。
The lesson's application "sequence modelling and prediction", as Chollet's Deep Learning with Python
forecasts the Jena temperature: read the weather record, normalise it, cut it into windows, compute the
common-sense baseline ("the temperature stays what it is now"), then train a model with a recurrent layer
that must beat it.

数据 / The data: Jena 气候记录的 CSV 格式，每 10 分钟一行 / the Jena climate CSV, one line per 10 minutes:
    "Date Time","p (mbar)","T (degC)","rh (%)","wv (m/s)"
    15.07.2014 00:10:00,1003.52,14.81,79.20,2.31
    ...
评分时不会下载数据：评分器自己写一份这种格式的序列（有日变化、年变化和天气的起伏），你的
load_climate 读的就是它；train_forecaster 的模型还要在你从没见过的另一段序列上胜过基线。
Nothing is downloaded while grading: the grader writes a series in this format itself (daily and yearly
cycles, weather that comes and goes), which your load_climate reads; train_forecaster's model must also
beat the baseline on another series it has never seen.

小例子 / A small worked example (sequence_length=3, sampling_rate=2, delay=5, target_col=0):
    data 的行数 / rows of data: 10 (timesteps 0..9)
    窗口个数 / windows: 10 - 5 - (3 - 1) * 2 = 1
    窗口 0 / window 0: rows 0, 2, 4   ->   目标 / target: data[0 + 5, 0] = data[5, 0]
    归一化后基线预测 / the baseline predicts row 4's value, turned back into degrees:
        samples[0, -1, 0] * std[0] + mean[0]

术语 / Terms: 时间步 timestep，序列 sequence，循环层 recurrent layer，门控循环单元（GRU），
全连接层 Dense，训练集 / 验证集 training / validation set，轮次（epoch），损失 loss，
平均绝对误差 mean absolute error (MAE)，均方误差 mean squared error (MSE)，常识基线 common-sense baseline。

本练习可以使用 keras 和 numpy。/ keras and numpy are allowed here.
检查 / Check your work:  coursekit check ex11   (训练需要一些时间 / training takes a little while)
"""

import keras  # noqa: F401  (你会用到 / you will need it)
import numpy as np  # noqa: F401
from keras import layers  # noqa: F401


def load_climate(path):
    """读入 Jena 格式的 CSV · Read a CSV in the Jena climate format.

    第一行是表头（列名带引号），之后每行一条记录，第一列是日期 "dd.mm.yyyy HH:MM:SS"。
    The first line is the header (names in quotes), then one record per line, the date first.

    返回 / Returns:
        (names, data)：names 是去掉 "Date Time" 的列名列表（不带引号），
        data 是 float32 数组，形状 (n, features)，不含日期列。
        the column names without "Date Time" (no quotes), and a float32 array (n, features) of the values,
        without the date.

    例 / Example: 上面两行 / the two lines above ->
        (["p (mbar)", "T (degC)", "rh (%)", "wv (m/s)"], array([[1003.52, 14.81, 79.2, 2.31]], float32))
    """
    raise NotImplementedError("请实现 load_climate / implement load_climate")


def normalize(data, num_train):
    """归一化 · Normalise each column.

        mean = data[:num_train] 每列的均值 / each column's mean over the first num_train rows
        std  = data[:num_train] 每列的标准差（numpy 的 std，ddof=0）/ its standard deviation (numpy's, ddof 0)
        normalized = (data - mean) / std          （所有行 / every row）

    统计量只能来自训练部分（前 num_train 行），否则验证集和测试集的信息会漏进训练。
    The statistics come from the training rows only: otherwise the validation and test rows leak into
    training.

    返回 / Returns: (normalized, mean, std)，形状 / shapes (n, features), (features,), (features,)
    例 / Example: data = [[1.], [3.], [10.]], num_train=2
        -> mean [2.], std [1.], normalized [[-1.], [1.], [8.]]
    """
    raise NotImplementedError("请实现 normalize / implement normalize")


def windows(data, target_col, sequence_length, sampling_rate, delay):
    """把序列切成窗口 · Cut the series into windows.

    窗口 i 取第 i、i + sampling_rate、……、i + (sequence_length - 1) * sampling_rate 行，
    它的目标是 data[i + delay, target_col]；放得下的窗口都要（i = 0, 1, ...,
    k - 1，k = len(data) - delay - (sequence_length - 1) * sampling_rate）。
    Window i holds rows i, i + sampling_rate, ..., i + (sequence_length - 1) * sampling_rate, and its
    target is data[i + delay, target_col]; every window that fits (i = 0 ... k - 1, with
    k = len(data) - delay - (sequence_length - 1) * sampling_rate).

    这与收集 keras.utils.timeseries_dataset_from_array(data[:-delay], targets=data[delay:, target_col],
    sequence_length=sequence_length, sampling_rate=sampling_rate, shuffle=False) 的所有批次相同。
    It equals collecting every batch of that Keras call.

    返回 / Returns: (samples, targets)，形状 / shapes (k, sequence_length, features) 和 / and (k,)
    例 / Example: 见文件开头的小例子 / see the worked example at the top.
    """
    raise NotImplementedError("请实现 windows / implement windows")


def naive_mae(samples, targets, target_col, mean, std):
    """常识基线的平均绝对误差 · The common-sense baseline's mean absolute error.

    预测 / prediction = samples[:, -1, target_col] * std[target_col] + mean[target_col]
        （每个窗口最后一个时间步的值，换回原来的单位 / each window's last value, back in the original units）
    MAE = mean(|prediction - targets|)，targets 是原来的单位（摄氏度）/ targets are in the original units

    返回 / Returns: 一个 float / one float
    例 / Example: samples[:, -1, 0] = [0.5, -1.0], std[0] = 2, mean[0] = 10, targets = [12., 7.]
        -> predictions [11., 8.] -> MAE = (1 + 1) / 2 = 1.0
    """
    raise NotImplementedError("请实现 naive_mae / implement naive_mae")


def train_forecaster(x_train, y_train, x_val, y_val, epochs=5, batch_size=64, units=16):
    """训练一个带循环层的预测模型 · Train a forecaster with a recurrent layer.

    模型 / Model:   keras.Input(shape=(sequence_length, features)) -> layers.GRU(units) -> layers.Dense(1)
                    （x_train 的形状是 / x_train is (k, sequence_length, features)）
    编译 / Compile: loss="mse", metrics=["mae"]
                    （优化器自选，Chollet 用 "rmsprop" / any optimiser; Chollet uses rmsprop）
    训练 / Fit:     history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                                        validation_data=(x_val, y_val))   只调用一次 / once
    可以加 verbose=0 / verbose=0 keeps the output quiet.

    评分器传入的窗口和目标都已归一化。它看的是训练真正做了什么：fit 每轮跑的批次数、history 是否就是
    fit 记录的、每个轮次的权重在验证集上是否给出 history 里的 val_loss / val_mae、训练开始时模型
    是否还什么都不会；然后在一段新序列上，模型的 MAE 必须小于常识基线的 MAE。
    The grader's windows and targets are normalised. It reads what training did: the batches each epoch
    ran, whether the history is the one fit logged, whether each epoch's weights give the history's
    val_loss / val_mae, whether the model knew nothing when training began; then, on a new series, the
    model's MAE must be under the common-sense baseline's.

    返回 / Returns: (model, history.history)，history 的键为 "loss"、"mae"、"val_loss"、"val_mae"，
        每个轮次一个值 / keys "loss", "mae", "val_loss", "val_mae", one value per epoch.
    """
    raise NotImplementedError("请实现 train_forecaster / implement train_forecaster")
