"""Text from users and from files we did not write (file names, messages that quote them, model cards, audit rows)
shown as text, never as Markdown or HTML.

Streamlit renders the message boxes, captions and expander labels as Markdown, so a file called `![x](x.png) a.png`
would make the browser fetch x.png and `**b**.png` would show bold: every character Markdown gives a meaning is
escaped (`plain`). Plotly renders a subset of HTML in titles and labels (links, styles): `plot_text` escapes it.
"""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=])")


def plain(text: str) -> str:
    """`text` escaped so that Markdown shows it exactly as written."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", " ")


def plot_text(text: str) -> str:
    """`text` escaped for a Plotly title, label or hover text (which take <a>, <span style> and entities)."""
    return html.escape(str(text)).replace("\n", " ")
