"""The handout's README: install, check and submit, in Chinese and in English."""

from __future__ import annotations

from collections.abc import Sequence

from coursekit.exercise import Exercise

ZH = """## 中文

这是第 13 课（循环神经网络）的练习包。`exercises/` 里每个练习都有两种形式：`exN_*.py` 和 Jupyter
笔记本 `exN_*.ipynb`，任选一种完成即可。

### 安装

需要 Python 3.11（3.12、3.13 也可以；{keras_exercises_zh} 要用的 TensorFlow 还没有 3.14 的版本）。
下面每个平台各一节：安装 Python、在本文件夹中创建虚拟环境、激活它、安装、自测、用 Jupyter 打开笔记本。
激活之后，`python` 和 `coursekit` 都是这个环境里的；每次打开新的终端都要重新激活。

{platforms_zh}
`pip install .` 只会安装 numpy、typer 和 rich。{keras_exercises_zh}（搭建、训练 Keras 模型并画图）还需要
Keras、TensorFlow 和 matplotlib：`python -m pip install ".[keras]"`（按你的平台选择 TensorFlow 的版本；
没有安装时，`coursekit check` 会给出适用于你这台电脑和这个环境的安装命令）。
Intel 芯片的 Mac：TensorFlow 为它发布的最后一个版本是 2.16，会连同 numpy 1.26 一起安装。

### 自测

在激活了环境的终端里（任何平台都一样）：

```bash
coursekit list                 # 所有练习、文件和分值
coursekit check {first}            # 测试 exercises/{first_file}（先找 ./，再找 ./exercises/）
coursekit check {first} --verbose  # 同时显示未通过测试的数组
coursekit check {first} exercises/{first_module}.ipynb   # 测试笔记本（先保存！）
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
最上层，例如 `cd exercises && zip ../我的作业.zip ex*_*.py`（Windows 的 PowerShell：
`Compress-Archive exercises\\ex*_*.py 我的作业.zip`）。

### 练习

{exercises}
"""

EN = """## English

The exercises of lesson 13 (recurrent networks). Each exercise in `exercises/` comes twice: as
`exN_*.py` and as a Jupyter notebook `exN_*.ipynb`; do it in whichever you prefer.

### Install

You need Python 3.11 (3.12 and 3.13 work too; TensorFlow, which {keras_exercises_en_lower} need, has no wheels
for 3.14 yet). One section per platform below: install Python, create a virtual environment in this
folder, activate it, install, check, open the notebooks in Jupyter. Once it is activated, `python` and
`coursekit` are the environment's own; activate it again in every new terminal.

{platforms_en}
`pip install .` installs numpy, typer and rich and nothing else. {keras_exercises_en} (building and
training Keras models, plotting) also need Keras, TensorFlow and matplotlib:
`python -m pip install ".[keras]"` (it picks the TensorFlow build for your platform; without it,
`coursekit check` names the command that adds them to this environment on this computer). Intel Macs:
TensorFlow's last release for them is 2.16, installed with numpy 1.26.

### Check your work

In a terminal where the environment is activated (the same on every platform):

```bash
coursekit list                 # the exercises, their files and points
coursekit check {first}            # tests exercises/{first_file} (looks in ./, then ./exercises/)
coursekit check {first} --verbose  # also shows the arrays of every failed test
coursekit check {first} exercises/{first_module}.ipynb   # tests the notebook (save it first!)
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
with the files at its top, e.g. `cd exercises && zip ../my_work.zip ex*_*.py` (Windows PowerShell:
`Compress-Archive exercises\\ex*_*.py my_work.zip`).

### The exercises

{exercises}
"""


# One section per platform. Each activates the environment in each of its shells, then the same commands.
WINDOWS_ZH = """#### Windows 10/11

1. 安装 Python：从 https://www.python.org/downloads/windows/ 下载 Python 3.11 安装程序，安装时勾选
   “Add python.exe to PATH”（或者运行 `winget install Python.Python.3.11`）。
   `py -3.11 --version` 能显示版本即可。
2. 在本文件夹中打开 PowerShell 或 cmd，创建环境：`py -3.11 -m venv .venv`
3. 激活：
   - PowerShell：`.venv\\Scripts\\Activate.ps1`（如果提示“禁止运行脚本”，先运行
     `Set-ExecutionPolicy -Scope CurrentUser RemoteSigned`）
   - cmd：`.venv\\Scripts\\activate.bat`
4. 安装：`python -m pip install .`（{keras_exercises_zh} 再加 `python -m pip install ".[keras]"`）
5. 自测：`coursekit check {first}`
6. Jupyter：`python -m pip install ".[notebook]" jupyterlab`，然后 `jupyter lab`，在浏览器里打开
   `exercises` 中的 `.ipynb`。
"""

MACOS_ZH = """#### macOS（Apple 芯片和 Intel）

1. 安装 Python：从 https://www.python.org/downloads/macos/ 下载 Python 3.11 安装程序
   （或 `brew install python@3.11`）。
2. 在本文件夹中打开“终端”，创建环境：`python3.11 -m venv .venv`
3. 激活（zsh 或 bash）：`source .venv/bin/activate`
4. 安装：`python -m pip install .`（{keras_exercises_zh} 再加 `python -m pip install ".[keras]"`）
5. 自测：`coursekit check {first}`
6. Jupyter：`python -m pip install ".[notebook]" jupyterlab`，然后 `jupyter lab`。
"""

LINUX_ZH = """#### Linux

1. 安装 Python 3.11 和 venv：例如 Debian/Ubuntu 上 `sudo apt install python3 python3-venv`（发行版的
   Python 不是 3.11–3.13 时，可以用 pyenv 或 conda 安装 3.11）。
2. 在本文件夹中创建环境：`python3 -m venv .venv`
3. 激活（bash 或 zsh）：`source .venv/bin/activate`
4. 安装：`python -m pip install .`（{keras_exercises_zh} 再加 `python -m pip install ".[keras]"`）
5. 自测：`coursekit check {first}`
6. Jupyter：`python -m pip install ".[notebook]" jupyterlab`，然后 `jupyter lab`。
"""

WINDOWS_EN = """#### Windows 10/11

1. Install Python: the Python 3.11 installer from https://www.python.org/downloads/windows/, with
   "Add python.exe to PATH" ticked (or `winget install Python.Python.3.11`). `py -3.11 --version` shows it.
2. Open PowerShell or cmd in this folder and create the environment: `py -3.11 -m venv .venv`
3. Activate it:
   - PowerShell: `.venv\\Scripts\\Activate.ps1` (if scripts are disabled on this system, first run
     `Set-ExecutionPolicy -Scope CurrentUser RemoteSigned`)
   - cmd: `.venv\\Scripts\\activate.bat`
4. Install: `python -m pip install .` (for {keras_exercises_en_lower} also `python -m pip install ".[keras]"`)
5. Check: `coursekit check {first}`
6. Jupyter: `python -m pip install ".[notebook]" jupyterlab`, then `jupyter lab`, and open the `.ipynb`
   files of `exercises` in the browser.
"""

MACOS_EN = """#### macOS (Apple silicon and Intel)

1. Install Python: the Python 3.11 installer from https://www.python.org/downloads/macos/ (or
   `brew install python@3.11`).
2. Open Terminal in this folder and create the environment: `python3.11 -m venv .venv`
3. Activate it (zsh or bash): `source .venv/bin/activate`
4. Install: `python -m pip install .` (for {keras_exercises_en_lower} also `python -m pip install ".[keras]"`)
5. Check: `coursekit check {first}`
6. Jupyter: `python -m pip install ".[notebook]" jupyterlab`, then `jupyter lab`.
"""

LINUX_EN = """#### Linux

1. Install Python 3.11 with venv: e.g. `sudo apt install python3 python3-venv` on Debian or Ubuntu
   (when the distribution's Python is not 3.11 to 3.13, install 3.11 with pyenv or conda).
2. Create the environment in this folder: `python3 -m venv .venv`
3. Activate it (bash or zsh): `source .venv/bin/activate`
4. Install: `python -m pip install .` (for {keras_exercises_en_lower} also `python -m pip install ".[keras]"`)
5. Check: `coursekit check {first}`
6. Jupyter: `python -m pip install ".[notebook]" jupyterlab`, then `jupyter lab`.
"""


def readme(exercises: Sequence[Exercise], first: str) -> str:
    """The README, the chosen language first."""
    rows = "\n".join(f"- `{e.id}` · `{e.filename}` · {e.title}" for e in exercises)
    keras = [e.id for e in exercises if e.requires]
    one = exercises[0]
    fields = {"first": one.id, "first_file": one.filename, "first_module": one.module,
              "keras_exercises_zh": "练习 " + "、".join(keras),
              "keras_exercises_en": ("Exercises " if len(keras) > 1 else "Exercise ") + ", ".join(keras),
              "keras_exercises_en_lower":
                  ("exercises " if len(keras) > 1 else "exercise ") + ", ".join(keras)}
    platforms_zh = "\n".join(s.format(**fields) for s in (WINDOWS_ZH, MACOS_ZH, LINUX_ZH))
    platforms_en = "\n".join(s.format(**fields) for s in (WINDOWS_EN, MACOS_EN, LINUX_EN))
    parts = [ZH.format(exercises=rows, platforms_zh=platforms_zh, **fields),
             EN.format(exercises=rows, platforms_en=platforms_en, **fields)]
    if first == "en":
        parts.reverse()
    return "# 第 13 课练习 · Lesson 13 exercises\n\n" + "\n".join(parts)
