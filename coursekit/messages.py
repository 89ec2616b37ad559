"""Messages as data: a catalogue key and its parameters, turned into Chinese or English only at the edge.

A :class:`Message` names an entry of a gettext catalogue (``domain``: ``"coursekit"`` for the engine's
own entries, an exercise id for a grader's) and carries the values of its
placeholders. Values are plain data (str, int, float, bool, None, tuples of them) or other messages,
rendered in the same language. Results keep messages, never text, so a stored grading can be shown in
either language later; ``coursekit.i18n.render`` is the one place that turns them into text.

A :class:`Mistake` is a named common wrong implementation: a stable id (``"bias_missing"``), the output
it would give (to recognise it), and the catalogue entries ``<id>`` (what it is) and ``<id>.try`` (what
to try) in its domain. See docs/messages.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

ENGINE = "coursekit"

Param = Union[str, int, float, bool, None, "Message", tuple["Param", ...]]


@dataclass(frozen=True)
class Message:
    """A catalogue entry of ``domain`` by its ``key``, with the values of its ``{placeholders}``."""

    key: str
    params: tuple[tuple[str, Param], ...] = ()
    domain: str = ENGINE

    def param(self, name: str) -> Param:
        return dict(self.params).get(name)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "domain": self.domain,
                "params": {name: _encode(value) for name, value in self.params}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(str(data["key"]), tuple((str(k), _decode(v)) for k, v in data.get("params", {}).items()),
                   str(data.get("domain", ENGINE)))


def msg(key: str, /, **params: Param) -> Message:
    """An entry of the engine's own catalogue (``coursekit/locale``)."""
    return Message(key, tuple(params.items()))


def in_domain(domain: str, key: str, /, **params: Param) -> Message:
    """An entry of another catalogue, e.g. a grader's (its folder's ``locale/*/LC_MESSAGES/<id>.po``)."""
    return Message(key, tuple(params.items()), domain)


def lines(first: Message, *more: Message) -> Message:
    """Messages on lines of their own, in order."""
    out = first
    for message in more:
        out = msg("two_lines", first=out, second=message)
    return out


def verbatim(text: str) -> Message:
    """Text that is the same in every language: what a student's code printed or raised, a file name."""
    return msg("verbatim", text=text)


@dataclass(frozen=True)
class Mistake:
    """A common wrong implementation, by its stable ``id``, and the ``output`` it would give.

    Its explanation and advice are the entries ``id`` and ``id + ".try"`` of ``domain``, whose
    placeholders ``params`` fill. ``output`` is None for a mistake recognised otherwise (from an
    exception, from a summary table).
    """

    id: str
    output: Any = None
    domain: str = ENGINE
    params: tuple[tuple[str, Param], ...] = ()

    @property
    def what(self) -> Message:
        return Message(self.id, self.params, self.domain)

    @property
    def advice(self) -> Message:
        return Message(f"{self.id}.try", self.params, self.domain)

    @property
    def hint(self) -> Message:
        """"Looks like: <what>. Try: <advice>", the line under a failed test that names the mistake."""
        # Translators: {what} is the mistake's entry (what it looks like), {advice} its ".try" entry.
        return msg("looks_like", what=self.what, advice=self.advice)

    def to_dict(self) -> dict[str, Any]:
        """The mistake without its output, as JSON-able data (the handout stores outputs apart)."""
        return {"id": self.id, "domain": self.domain,
                "params": {name: _encode(value) for name, value in self.params}}

    @classmethod
    def from_dict(cls, data: dict[str, Any], output: Any = None) -> Mistake:
        return cls(str(data["id"]), output, str(data.get("domain", ENGINE)),
                   tuple((str(k), _decode(v)) for k, v in data.get("params", {}).items()))


def _encode(value: Param) -> Any:
    if isinstance(value, Message):
        return {"$message": value.to_dict()}
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Param:
    if isinstance(value, dict) and "$message" in value:
        return Message.from_dict(value["$message"])
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
