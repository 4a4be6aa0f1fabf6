"""How a page becomes one notebook output that draws everywhere.

attnviz's page is a whole HTML document (its data, script and styles inlined, a Content-Security-Policy that
allows only its own script). A notebook output gets it as the srcdoc of an <iframe sandbox="allow-scripts">:
nothing to load (no require.js, no CDN, no font), no script of the notebook's own page involved, so it draws
the same in JupyterLab 4, Notebook 7, VS Code (outputs in a webview) and Colab (outputs in sandboxed frames),
and two views in one notebook never share state.
"""
import html as _html


class HTML:
    """IPython.display.HTML's stand-in where IPython is not installed: .data is the markup."""

    def __init__(self, data):
        self.data = data

    def _repr_html_(self):
        return self.data


def html_object(markup):
    try:
        from IPython.display import HTML as IPythonHTML
    except ImportError:
        return HTML(markup)
    return IPythonHTML(markup)


def iframe(page, height):
    """One output holding the page: an iframe whose srcdoc is the page, escaped."""
    return (f'<div class="attnviz-output"><iframe srcdoc="{_html.escape(page, quote=True)}" '
            f'sandbox="allow-scripts allow-downloads" style="width:100%;height:{int(height)}px;border:0" '
            f'title="attnviz attention view"></iframe></div>')


def show(markup):
    """Displays markup as the cell's output (IPython), or prints where there is no notebook."""
    try:
        from IPython.display import display
    except ImportError:
        raise RuntimeError("showing a view needs IPython (a notebook); use html_action='return' "
                           "or attnviz.page(...) to get the HTML instead") from None
    display(html_object(markup))
