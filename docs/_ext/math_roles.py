r"""Griffe extension: the reStructuredText roles of neural_net's docstrings, as Markdown.

The docstrings are written for both ``help()`` and the documentation site: maths as
``:math:`a = f(z)``` and ``.. math::`` blocks, cross references as ``:class:`~x.Y```. The
site's Markdown (arithmatex, rendered by the locally served MathJax) reads ``$...$`` and
``$$...$$``; a cross reference becomes inline code, its last dotted part with ``~``.

Example:
    >>> to_markdown(":math:`Δ \\odot f'(z)` and :class:`~neural_net.layers.Dense`")
    "$Δ \\odot f'(z)$ and `Dense`"
    >>> print(to_markdown(".. math::\n    x^2\n\nnext"))
    $$
    x^2
    $$
    <BLANKLINE>
    next
"""
from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

#: Griffe reads ``Examples:`` as the examples section, ``Example:`` as an admonition.
EXAMPLE_HEADER = re.compile(r"^([ \t]*)Example:[ \t]*$", re.MULTILINE)
MATH_ROLE = re.compile(r":math:`([^`]+)`")
XREF_ROLE = re.compile(r":(?:class|func|meth|attr|mod|obj|data|exc|const):`(~?)([^`]+)`")
#: ``.. math:: first line`` then the indented lines that follow it.
MATH_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)\n(?P<body>(?:(?:(?P=indent)[ \t]+.*)?\n)*)",
                        re.MULTILINE)


def _math_block(match: re.Match) -> str:
    indent = match["indent"]
    body = textwrap.dedent(match["body"]).strip("\n")
    lines = [line for line in (match["first"].strip(), body) if line]
    inner = "\n".join(lines)
    return f"{indent}$$\n" + textwrap.indent(inner, indent) + f"\n{indent}$$\n\n"


def _xref(match: re.Match) -> str:
    target = match[2].strip()
    return f"`{target.rsplit('.', 1)[-1] if match[1] else target}`"


def to_markdown(text: str) -> str:
    """The docstring ``text`` with its maths and cross-reference roles written as Markdown."""
    text = MATH_BLOCK.sub(_math_block, text if text.endswith("\n") else text + "\n").rstrip("\n")
    text = MATH_ROLE.sub(lambda m: f"${m[1]}$", text)
    text = EXAMPLE_HEADER.sub(r"\1Examples:", text)
    return XREF_ROLE.sub(_xref, text)


class MathRoles(griffe.Extension):
    """Rewrite every docstring with ``to_markdown`` as Griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
