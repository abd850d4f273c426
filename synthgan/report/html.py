"""Self-contained HTML: figures embedded as base64 PNG, one caption each, plain tables."""

from __future__ import annotations

import base64
import html
import io

import pandas as pd

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border:1px solid #ddd;padding:.25em .55em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#555;margin-top:.3em}.note{color:#666;font-size:.9em}
"""


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (reports run headless)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_to_png(fig) -> str:
    """A matplotlib figure as a base64 PNG string; closes the figure."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


class Report:
    """Collects sections, tables and figures, then renders one HTML page."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title, self.subtitle = title, subtitle
        self.parts: list[str] = []

    def section(self, title: str, text: str = "") -> None:
        """Start a section, with an optional paragraph."""
        self.parts.append(f"<h2>{html.escape(title)}</h2>")
        if text:
            self.parts.append(f"<p class='note'>{html.escape(text)}</p>")

    def table(self, frame: pd.DataFrame, caption: str = "", fmt: str = "{:.4g}") -> None:
        """A DataFrame as an HTML table, numbers formatted with ``fmt``."""
        body = frame.to_html(
            float_format=lambda v: fmt.format(v), border=0, escape=True, na_rep="–"
        )
        cap = f"<p class='note'>{html.escape(caption)}</p>" if caption else ""
        self.parts.append(body + cap)

    def figure(self, fig, caption: str) -> None:
        """Embed a matplotlib figure with its one-line caption (what good looks like)."""
        data = figure_to_png(fig)
        self.parts.append(
            f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def render(self) -> str:
        """The whole page."""
        sub = f"<p class='note'>{html.escape(self.subtitle)}</p>" if self.subtitle else ""
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>{sub}{''.join(self.parts)}</body></html>\n"
        )
