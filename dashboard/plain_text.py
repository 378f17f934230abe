"""Text from users (file names, messages that quote them) shown as text, never as Markdown or HTML.

Streamlit renders the message boxes as Markdown, so a file called `![x](x.png) a.png` would make the browser
fetch x.png and `**b**.png` would show bold. Every character Markdown gives a meaning is escaped.
"""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=])")


def plain(text: str) -> str:
    """`text` escaped so that Markdown shows it exactly as written."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", " ")
