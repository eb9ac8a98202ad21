"""What every live widget shares: a static picture left in the notebook, and small controls.

Displayed in a notebook, a widget first leaves a picture of its starting state (a PNG, or Markdown
for the study guide), so a reader without a kernel — GitHub, nbviewer — still sees it; then the live
widget, whose view nbval skips (its model ids are random)."""

from __future__ import annotations

import io

import ipywidgets as W
from matplotlib.figure import Figure


def static_png(fig: Figure):
    from IPython.display import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return Image(data=buffer.getvalue(), format="png")


class Live(W.VBox):
    """A widget that, when displayed, first leaves a static picture of itself in the notebook."""

    name = "widget"

    def static(self):
        """What a reader without a kernel sees: an IPython displayable (PNG image or Markdown)."""
        raise NotImplementedError

    def _ipython_display_(self, **kwargs):
        from IPython.display import display

        display(self.static())
        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self) -> str:
        return f"[{self.name}: a live widget — run the notebook in JupyterLab to use it]"


def dropdown(description: str, options, value=None, **kw) -> W.Dropdown:
    options = list(options)
    return W.Dropdown(description=description, options=options,
                      value=value if value is not None else (options[0][1] if isinstance(
                          options[0], tuple) else options[0]), **kw)


def button(description: str, action, css: str) -> W.Button:
    button = W.Button(description=description, layout=W.Layout(width="auto"))
    button.add_class(css)
    button.on_click(lambda _: action())
    return button

