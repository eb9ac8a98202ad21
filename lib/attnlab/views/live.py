"""What every live widget shares: a static picture left in the notebook, and small controls.

Displayed in a notebook, a widget is one output holding two forms of itself: the live widget's view
and a picture of its starting state (a PNG, or Markdown for the study guide). JupyterLab with a kernel
draws the live widget in its place (the widget's renderer outranks the picture), so nothing is shown
twice; a reader without a kernel — the site, GitHub, nbviewer — gets the picture, as the generator
stores only it (the view's model ids are random, and nbval skips both)."""

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
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.display import display

        picture, metadata = InteractiveShell.instance().display_formatter.format(self.static())
        live = self._repr_mimebundle_()  # text/plain (this widget's __repr__) and the widget's view
        display({**picture, **live}, metadata=metadata, raw=True)

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

