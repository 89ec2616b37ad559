"""练习 7 · Exercise 7 — 在 IMDB 上训练并画出训练历史 · training on IMDB and plotting its history

课上的 IMDB 例子 / The lesson's IMDB listings:
    1. imdb.load_data(num_words=10000) 读入影评，pad_sequences(x, maxlen=500) 填充 / 截断；
       load the reviews, then pad / truncate them to 500 ids;
    2. Embedding(10000, 32) -> SimpleRNN(32) -> Dense(1, activation="sigmoid")，
       compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])，
       fit(epochs=10, batch_size=128, validation_split=0.2)；
    3. 画出训练集与验证集的精度和损失两张图 / plot training and validation accuracy and loss.

本练习可以使用 keras 和 matplotlib。/ keras and matplotlib are allowed here.

评分时不会下载数据：评分器生成一个与 imdb.npz 格式相同的小数据文件，你调用的
keras.datasets.imdb.load_data 读的就是它；它也用小的参数调用 train_imdb（几秒钟就能训练完），
再用模型没见过的影评检查它学到了什么。
Nothing is downloaded while grading: the grader makes a small file in imdb.npz's format, and the
keras.datasets.imdb.load_data you call reads it; it calls train_imdb with small arguments (a few seconds
of training) and checks what the model learnt on reviews it has never seen.

检查 / Check your work:  coursekit check ex7   (训练需要一些时间 / training takes a little while)
"""

import keras  # noqa: F401  (你会用到 / you will need it)
import matplotlib.pyplot as plt  # noqa: F401
from keras import layers  # noqa: F401
from keras.datasets import imdb  # noqa: F401


def load_imdb(num_words=10000, maxlen=500):
    """读入 IMDB 并填充 · Load IMDB and pad it.

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=num_words)，然后用 Keras 的
    pad_sequences 默认参数把每个 x 填充 / 截断到 maxlen。
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=num_words), then pad / truncate each
    x to maxlen with Keras's pad_sequences defaults.

    注意 / Note: maxlen 只交给 pad_sequences，不要交给 load_data（load_data 的 maxlen 会直接丢掉更长的
    影评）。maxlen goes to pad_sequences only: load_data's own maxlen drops the longer reviews.

    返回 / Returns:
        (x_train, y_train), (x_test, y_test)：x 是 (n, maxlen) 的整数数组，y 是 0/1 的整数数组
        x arrays of int ids of shape (n, maxlen), y int arrays of 0/1 labels

    例 / Example: 课上 / in the lesson, input_train.shape == (25000, 500)
    """
    raise NotImplementedError("请实现 load_imdb / implement load_imdb")


def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    """搭建、编译并训练课上的模型 · Build, compile and fit the lesson's model.

    模型 / Model:  Embedding(max_features, embed_dim) -> SimpleRNN(units) -> Dense(1, activation="sigmoid")
    编译 / Compile: optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"]
    训练 / Fit:     model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                              validation_split=validation_split)
    请使用这些参数（评分器会传入别的值）/ use the arguments (the grader passes other values).
    可以加 verbose=0，让输出安静一些 / verbose=0 keeps the output quiet.

    返回 / Returns:
        (model, history)：训练好的模型，以及 history = model.fit(...).history，
        即键为 "acc"、"val_acc"、"loss"、"val_loss"、每个轮次（epoch）一个值的字典。
        the fitted model, and history.history: a dict with the keys "acc", "val_acc", "loss",
        "val_loss", one value per epoch.

    评分器看的是训练真正留下的东西：模型的结构和权重、优化器走过的步数（epochs × 每轮的批次数，
    由 batch_size 和 validation_split 决定）、history 的最后一个 val_loss / val_acc 是否就是这个模型
    在验证集（最后 20% 的样本）上的结果，以及模型在新影评上的精度。
    The grader reads what training left behind: the model's layers and weights, how many steps its
    optimiser took (epochs x batches per epoch, which batch_size and validation_split decide), whether the
    history's last val_loss / val_acc are this model's on the validation rows (the last 20%), and the
    model's accuracy on new reviews.
    """
    raise NotImplementedError("请实现 train_imdb / implement train_imdb")


def plot_history(history):
    """课上的两张图 · The lesson's two figures.

    acc, val_acc = history["acc"], history["val_acc"]; loss, val_loss = history["loss"], history["val_loss"]
    epochs = range(len(acc))        # 从 1 开始的 range(1, len(acc) + 1) 也可以 / starting at 1 is fine too

    fig_acc = plt.figure()：训练精度画成蓝色圆点 "bo"（label="Training acc"），验证精度画成蓝色实线 "b"
    （label="Validation acc"），标题 "Training and validation accuracy"，再加图例 plt.legend()。
    fig_acc = plt.figure(): training accuracy as blue dots "bo" (label="Training acc"), validation accuracy
    as a blue line "b" (label="Validation acc"), title "Training and validation accuracy", and plt.legend().

    fig_loss = plt.figure()：损失同样画 / the same for the loss, title "Training and validation loss".

    返回 / Returns: (fig_acc, fig_loss)。不需要 plt.show() / no need for plt.show().
    """
    raise NotImplementedError("请实现 plot_history / implement plot_history")


# 选择题：读课上打印出的训练过程（10 个轮次，每行是一个轮次的 loss、acc、val_loss、val_acc），
# 每题填一个字母。
# Multiple choice on the lesson's printed run (10 epochs; each line gives loss, acc, val_loss and
# val_acc for one epoch); answer each with one letter.
#
# q1. 验证损失 val_loss 在第几个轮次最低？ / At which epoch is the validation loss lowest?
#     A. 第 1 轮 / epoch 1      B. 第 4 轮 / epoch 4      C. 第 9 轮 / epoch 9      D. 第 10 轮 / epoch 10
#
# q2. 为什么验证精度停在 85% 左右，低于第 3 章基准模型的 88%？
#     Why does validation accuracy end near 85%, below the 88% of the chapter 3 baseline?
#     A. 训练轮次太少，训练精度还很低 / too few epochs: training accuracy is still low
#     B. rmsprop 的学习率太大 / rmsprop's learning rate is too high
#     C. 每条影评只保留了 500 个词，RNN 得到的信息比基准模型少；而且 SimpleRNN 不擅长处理文本这样的
#        长序列 / each review keeps only 500 words, so the RNN sees less than the baseline did; and a
#        SimpleRNN handles long sequences such as text poorly
#     D. 验证集比训练集大 / the validation set is larger than the training set
#
# q3. 训练精度升到 99%，验证精度却在 74%–85% 之间徘徊，两者的差距越来越大，这说明什么？
#     Training accuracy climbs to 99% while validation accuracy wanders between 74% and 85%: what does
#     the growing gap mean?
#     A. 过拟合：模型记住了训练集的影评，泛化变差；再多训练几轮也没有帮助
#        overfitting: the model memorises the training reviews and generalises worse; more epochs do not help
#     B. 欠拟合：模型太小，需要更多的单元 / underfitting: the model is too small and needs more units
#     C. 验证集的标签是错的 / the validation labels are wrong
#     D. 精度的计算有错误 / accuracy is computed wrongly
ANSWERS = {"q1": "?", "q2": "?", "q3": "?"}
