"""The handout's README: install, check and submit, in Chinese and in English."""

from __future__ import annotations

from collections.abc import Sequence

from coursekit.exercise import Exercise
from coursekit.handout import KERAS_INSTALL

ZH = """## 中文

这是第 13 课（循环神经网络）的练习包。`exercises/` 里每个练习都有两种形式：`exN_*.py` 和 Jupyter
笔记本 `exN_*.ipynb`，任选一种完成即可。

### 安装

需要 Python 3.11 或更新版本。在本文件夹中运行：

```bash
python3 -m venv .venv && .venv/bin/pip install .
```

这只会安装 numpy、typer 和 rich。{keras_exercises}（搭建、训练 Keras 模型并画图）还需要 Keras 和
matplotlib；没有安装时，`coursekit check` 会给出这条命令：

```bash
.venv/bin/{keras}      # 或 / or: .venv/bin/pip install ".[keras]"
```

在 Jupyter 里做练习时，还需要读取笔记本的 nbformat：`.venv/bin/pip install ".[notebook]"`。

### 自测

```bash
.venv/bin/coursekit list                 # 所有练习、文件和分值
.venv/bin/coursekit check {first}            # 测试 exercises/{first_file}（先找 ./，再找 ./exercises/）
.venv/bin/coursekit check {first} --verbose  # 同时显示未通过测试的数组
.venv/bin/coursekit check {first} exercises/{first_module}.ipynb   # 测试笔记本（先保存！）
```

反馈的语言：中文系统默认显示中文；也可以用 `--lang zh`（或 `zh_CN`、`zh-CN`、`zh_TW`）指定，或者设置环境
变量 `COURSEKIT_LANG=zh`（例如 `export COURSEKIT_LANG=zh`，Windows 上用 `set COURSEKIT_LANG=zh`），之后
每次 check 都用中文。要看英文反馈，就用 `--lang en`。

刚拿到时每个练习都是 0 分：函数还在抛出 `NotImplementedError`。每个测试单独计分；没通过时会告诉你
期望值、实际值、出错的位置，认出常见错误时还会提示“看起来像是：……”。每个笔记本的最后
都有一个运行 `coursekit check` 的单元格。同一个文件夹里同时有 `.py` 和 `.ipynb` 时，只测 `.py`；
如果你改过 notebook，check 会提醒你，要测试 notebook 就写明它的文件名。

自测只用公开测试用例；老师评分时还会用隐藏测试用例（每位同学的输入都不同），所以请实现通用的
算法，不要针对公开用例写死答案。

### 提交

按老师的要求提交你的 `exN_*.py`（或 `exN_*.ipynb`）文件：一个文件夹，或一个 zip，文件放在 zip 的
最上层，例如 `cd exercises && zip ../我的作业.zip ex*_*.py`。

### 练习

{exercises}
"""

EN = """## English

The exercises of lesson 13 (recurrent networks). Each exercise in `exercises/` comes twice: as
`exN_*.py` and as a Jupyter notebook `exN_*.ipynb`; do it in whichever you prefer.

### Install

You need Python 3.11 or newer. In this folder:

```bash
python3 -m venv .venv && .venv/bin/pip install .
```

That installs numpy, typer and rich and nothing else. {keras_exercises} (building and training Keras
models, plotting) also need Keras and matplotlib; without them, `coursekit check` names this command:

```bash
.venv/bin/{keras}      # or: .venv/bin/pip install ".[keras]"
```

To check notebooks, add nbformat, which reads them: `.venv/bin/pip install ".[notebook]"`.

### Check your work

```bash
.venv/bin/coursekit list                 # the exercises, their files and points
.venv/bin/coursekit check {first}            # tests exercises/{first_file} (looks in ./, then ./exercises/)
.venv/bin/coursekit check {first} --verbose  # also shows the arrays of every failed test
.venv/bin/coursekit check {first} exercises/{first_module}.ipynb   # tests the notebook (save it first!)
```

The feedback's language: Chinese on a Chinese system, else English. For Chinese feedback anywhere, add
`--lang zh` (`zh_CN`, `zh-CN` and `zh_TW` work too), or set `COURSEKIT_LANG=zh` once (`export
COURSEKIT_LANG=zh`; on Windows `set COURSEKIT_LANG=zh`) for every check after it; `--lang en` for English.

At first every exercise scores 0: its functions still raise `NotImplementedError`. Each test has its own
points; a failed one says what was expected, what your code returned and where, and names the common
mistake it recognises ("Looks like: ..."). Every notebook ends with a cell that runs `coursekit check` on
it. In a folder holding both an exercise's `.py` and its `.ipynb`, the `.py` is checked; when you
have changed the notebook, check says so: name the notebook to check it.

The check runs the public cases only. Your instructor also grades hidden cases, with inputs of your own:
write the general computation, not answers for the public cases.

### Submit

Hand in your `exN_*.py` files (or `exN_*.ipynb` notebooks) as your instructor asks: a folder, or a zip
with the files at its top, e.g. `cd exercises && zip ../my_work.zip ex*_*.py`.

### The exercises

{exercises}
"""


def readme(exercises: Sequence[Exercise], first: str) -> str:
    """The README, the chosen language first."""
    rows = "\n".join(f"- `{e.id}` · `{e.filename}` · {e.title}" for e in exercises)
    keras = [e.id for e in exercises if e.requires]
    one = exercises[0]
    example = {"first": one.id, "first_file": one.filename, "first_module": one.module}
    zh_keras = "练习 " + "、".join(keras)
    en_keras = ("Exercises " if len(keras) > 1 else "Exercise ") + ", ".join(keras)
    parts = [ZH.format(exercises=rows, keras=KERAS_INSTALL, keras_exercises=zh_keras, **example),
             EN.format(exercises=rows, keras=KERAS_INSTALL, keras_exercises=en_keras, **example)]
    if first == "en":
        parts.reverse()
    return "# 第 13 课练习 · Lesson 13 exercises\n\n" + "\n".join(parts)
