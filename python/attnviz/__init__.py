"""attnviz for notebooks: exact attention, drawn offline.

- head_view, model_view: bertviz 1.4.1's functions as a drop-in (same arguments, 0-based as bertviz's), drawn by
  attnviz's self-contained page: one output that needs no network and draws in JupyterLab, Notebook 7, VS Code
  and Colab.
- heatmap, mean, grid, compare, rollout, words, heads: the CLI's figures (layers and heads numbered from 1, as
  "Layer 10, Head 5"), as Figure objects that show themselves inline and save to .png/.svg.
Errors in what is given are ValueErrors; attnviz.Error (a ValueError) carries the CLI's message.
"""
from ._core import Error
from .bertviz import head_view, model_view
from .figures import Figure, HeadTable, attention, compare, grid, heads, heatmap, mean, rollout, words
from .model import Model, ModelAttention, ModelServerDied

__all__ = ["Error", "Figure", "HeadTable", "Model", "ModelAttention", "ModelServerDied", "attention", "compare",
           "grid", "head_view", "heads", "heatmap", "mean", "model_view", "rollout", "words"]
