"""The lab's notebooks run in a real Jupyter kernel (nbclient, ipykernel), every cell without error, each view one
HTML output that is an attnviz page in a sandboxed iframe and loads nothing from outside.

lab_attention.ipynb is the seed hand-out's code with `from bertviz` changed to `from attnviz` and the repository's
small random checkpoints (transformers loads them); lab_attention_native.ipynb does the same with attnviz.Model.
With ATTNVIZ_NOTEBOOK_OUT=DIR, the executed notebooks are written there too.
"""
import html
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOKS = ["lab_attention.ipynb", "lab_attention_native.ipynb"]
# A view's output: one iframe whose srcdoc is the whole page, sandboxed to scripts.
IFRAME = re.compile(r'<iframe srcdoc="([^"]*)" sandbox="([^"]*)"')


_executed = {}


def execute(name):
    """The notebook run once in a fresh kernel (each test asks for the same run)."""
    if name in _executed:
        return _executed[name]
    notebook = nbformat.read(HERE / name, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(HERE)}}).execute()
    out = os.environ.get("ATTNVIZ_NOTEBOOK_OUT")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, Path(out) / name)
    _executed[name] = notebook
    return notebook


def views(notebook):
    """The (cell source, page) of every output that holds an attnviz view."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            markup = output.get("data", {}).get("text/html", "")
            for srcdoc, sandbox in IFRAME.findall(markup):
                found.append((cell.source, html.unescape(srcdoc), sandbox))
    return found


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_cell_runs_and_each_view_is_one_offline_page(name):
    notebook = execute(name)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", (cell.source, output)
    found = views(notebook)
    view_cells = [c.source for c in notebook.cells if "head_view(" in c.source or "model_view(" in c.source]
    assert [source for source, _, _ in found] == view_cells  # one view per view cell
    for source, page, sandbox in found:
        assert sandbox.split()[0] == "allow-scripts" and "allow-same-origin" not in sandbox, source
        assert page.startswith("<!DOCTYPE html>") or page.startswith("<!doctype html>"), page[:80]
        # nothing from outside: no require.js, no script or style by URL, no CDN
        assert "require.js" not in page and "requirejs" not in page
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page), source


def test_native_notebook_reports_what_runs_where():
    notebook = execute("lab_attention_native.ipynb")
    model_repr = notebook.cells[1].outputs[0]["data"]["text/plain"]
    assert "attnviz.Model bert-tiny" in model_repr and "pid" in model_repr
    assert notebook.cells[2].outputs[0]["data"]["text/plain"] == "(3, 4, 14, 14)"  # bert-tiny's small vocabulary splits words
