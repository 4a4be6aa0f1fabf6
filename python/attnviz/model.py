"""Native models from Python: ``attnviz.Model("bert")``.

What runs where: the model runs in a separate process, ``attnviz serve`` (the attnviz command
line, with attnviz's own libtorch), started once per ``Model`` and kept alive between calls, so
the model loads once and a second sentence costs only its forward pass. Nothing of libtorch is
loaded into the Python process: a notebook that imported another torch (PyPI's torch 2.x, as
Colab has) keeps working, because the two never meet in one process. The process reads requests
on its stdin and answers on its stdout (the framing is in README.md, "A model kept loaded"), and
it ends when the ``Model`` is closed or garbage collected, or when Python exits.

Which ``attnviz`` binary is run, first found of:

1. the ``binary=`` argument, or the environment variable ``ATTNVIZ_BINARY``;
2. ``attnviz/bin/attnviz`` inside this package (where a wheel installs it);
3. ``build/attnviz`` of the source tree this package was imported from (a checkout);
4. ``attnviz`` on ``PATH``.

Layers and heads are numbered from 1, as in "Layer 10, Head 5" (transformers'
``attentions[9][0, 4]``), in every argument and attribute here.

Errors are :class:`attnviz.Error` with the command line's own messages (a missing model, a layer
that does not exist). A server that died is reported as :class:`ModelServerDied` (an
``attnviz.Error``) and started again on the next call.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np

from . import figures
from ._core import Error


__all__ = ["Model", "ModelAttention", "Tokens", "ModelServerDied", "find_binary"]

PROTOCOL = 1
_STDERR_LINES = 40  # the last lines of the server's stderr kept, for reporting its death

Numbers = Union[None, int, Iterable[int]]


class ModelServerDied(Error):
    """The model's process ended while it was needed; the next call starts it again."""


def find_binary(binary: Optional[Union[str, os.PathLike]] = None) -> Path:
    """The ``attnviz`` executable :class:`Model` runs (see the module's docstring for the order)."""
    explicit = binary if binary is not None else os.environ.get("ATTNVIZ_BINARY")
    if explicit:
        path = Path(explicit)
        if not (path.is_file() and os.access(path, os.X_OK)):
            source = "binary=" if binary is not None else "ATTNVIZ_BINARY"
            raise Error(f"{source} names {path}, which is not an executable attnviz: point it at "
                        "the attnviz binary (build/attnviz of a build)")
        return path
    here = Path(__file__).resolve().parent
    candidates = [here / "bin" / "attnviz", here.parent.parent / "build" / "attnviz"]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    on_path = shutil.which("attnviz")
    if on_path:
        return Path(on_path)
    raise Error("cannot find the attnviz binary, which runs the models: set ATTNVIZ_BINARY to it "
                "(e.g. build/attnviz of a build), or put attnviz on PATH; looked in " +
                ", ".join(str(c) for c in candidates) + " and PATH")


@dataclass
class Tokens:
    """What the model sees for a text: per token its id, vocabulary string, display string, byte
    span into the text (sentence B's tokens: into the pair), sentence (type id) and whether it is
    a template token such as ``[CLS]``."""

    ids: list
    tokens: list  # vocabulary strings, as transformers' convert_ids_to_tokens gives them
    display: list  # as a person reads them ("·ing" for a word's continuation)
    spans: list
    type_ids: list
    special: list

    @classmethod
    def _from_header(cls, header: dict) -> "Tokens":
        return cls(ids=header["ids"], tokens=header["tokens"], display=header["display"],
                   spans=[tuple(s) for s in header["spans"]], type_ids=header["type_ids"],
                   special=header["special"])

    @property
    def sentence_b_start(self) -> Optional[int]:
        """The index of sentence B's first token for a pair, else None (bertviz's argument)."""
        return next((i for i, t in enumerate(self.type_ids) if t == 1), None)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class ModelAttention:
    """A model's attention probabilities for one input.

    ``attentions`` is float32 ``[layers, heads, n, n]`` (row: query, column: key) of the layers
    and heads asked for; ``layers`` and ``heads`` are their 1-based numbers.
    """

    model: str
    tokens: Tokens
    attentions: np.ndarray
    layers: list
    heads: list
    causal: bool
    queries: Optional[np.ndarray] = None  # [layers, heads, n, head_dim] when asked for
    keys: Optional[np.ndarray] = None
    warnings: list = field(default_factory=list)

    def head(self, layer: int, head: int) -> np.ndarray:
        """One head's ``[n, n]`` matrix, by its 1-based layer and head numbers."""
        return self.attentions[self._index(self.layers, layer, "layer"),
                               self._index(self.heads, head, "head")]

    def layer(self, layer: int) -> np.ndarray:
        """One layer's ``[heads, n, n]``, by its 1-based number."""
        return self.attentions[self._index(self.layers, layer, "layer")]

    def as_bertviz(self) -> tuple:
        """transformers' ``outputs.attentions``: a tuple of per-layer ``[1, heads, n, n]`` arrays,
        what bertviz's (and attnviz's) head_view and model_view take."""
        return tuple(self.attentions[i][None] for i in range(self.attentions.shape[0]))

    # -- figures: attnviz.heatmap & co. (python/attnviz/figures.py) of this attention -----------
    def heatmap(self, layer: Union[int, str] = 1, head: Union[int, str] = 1, **options: Any):
        """One head as a heatmap (``head="mean"``: the layer's mean), as ``attnviz.heatmap``."""
        return figures.heatmap(self._held(), None, layer, head, **self._options(options))

    def mean(self, layer: Union[int, str] = 1, **options: Any):
        """The mean of a layer's heads as a heatmap, as ``attnviz.mean``."""
        return figures.mean(self._held(), None, layer, **self._options(options))

    def grid(self, layer: Union[int, str] = 1, head: Union[int, str] = "all", **options: Any):
        """A layer's heads (or with ``layer="all"`` every layer), as ``attnviz.grid``."""
        return figures.grid(self._held(), None, layer, head, **self._options(options))

    def rollout(self, layer: Union[int, str] = "all", **options: Any):
        """Attention rollout through ``layer`` (default: the last), as ``attnviz.rollout``."""
        return figures.rollout(self._held(), None, layer, **self._options(options))

    def words(self, layer: Union[int, str] = 1, head: Union[int, str] = 1, **options: Any):
        """The heatmap at word level (word pieces merged), as ``attnviz.words``."""
        return figures.words(self._held(), None, layer, head, **self._options(options))

    def head_measures(self, **options: Any):
        """The head measures and roles of ``attnviz heads`` with the atlas, as ``attnviz.heads``."""
        return figures.heads(self._held(), None, sentence_b_start=self.tokens.sentence_b_start,
                             **self._options(options))

    def _options(self, options: dict) -> dict:
        options.setdefault("model", self.model)
        return options

    def _held(self):
        """The attention as the figures take it: display tokens, template tokens and causality of the model's."""
        every = (self.layers == list(range(1, len(self.layers) + 1))
                 and self.heads == list(range(1, len(self.heads) + 1)))
        if not every:
            raise Error(f"this attention holds layers {_ranges(self.layers)} and heads {_ranges(self.heads)} "
                        f"of {self.model}; its figures number layers and heads as the model does, so "
                        "ask attention() without layers= and heads= (or for layers and heads from 1 on)")
        return figures.attention(self.attentions, self.tokens.display, special=self.tokens.special,
                                 causal=self.causal, model=self.model)

    def _index(self, numbers: list, number: int, what: str) -> int:
        try:
            return numbers.index(number)
        except ValueError:
            raise Error(f"{what} {number} is not held: this attention holds {what}s "
                        f"{_ranges(numbers)} of {self.model} (numbered from 1, as in "
                        "\"Layer 10, Head 5\")") from None

    def __repr__(self) -> str:
        shape = "×".join(str(d) for d in self.attentions.shape)
        return f"<ModelAttention of {self.model}: {len(self.tokens)} tokens, attentions {shape}>"


def _ranges(numbers: Sequence[int]) -> str:
    if len(numbers) > 1 and list(numbers) == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{numbers[-1]}"
    return ", ".join(str(n) for n in numbers)


def _number_list(value: Numbers, what: str) -> Optional[list]:
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return [int(value)]
    try:
        numbers = list(value)
    except TypeError:
        raise Error(f"{what}s= takes a {what} number (from 1), a list of them or None, "
                    f"not {value!r}") from None
    for n in numbers:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise Error(f"{what}s= holds {n!r}, which is not a {what} number (from 1)")
    return [int(n) for n in numbers]


class _Server:
    """One running ``attnviz serve`` process and its pipes."""

    def __init__(self, command: list, env: dict):
        self.command = command
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            env=env, close_fds=True)
        except OSError as e:
            raise Error(f"cannot start {command[0]} ({e.strerror}): check ATTNVIZ_BINARY or "
                        "rebuild attnviz") from None
        self.stderr_tail = collections.deque(maxlen=_STDERR_LINES)
        self._stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_thread.start()
        try:
            ready = self._read_header(starting=True)
        except BaseException:  # interrupted while the model loads: no process is left behind
            self.process.kill()
            self.close()
            raise
        if not ready.get("ok"):
            self.close()
            raise Error(ready.get("error", "the model server could not start"))
        if ready.get("protocol") != PROTOCOL:
            self.close()
            raise Error(f"{command[0]} speaks protocol {ready.get('protocol')}, this package "
                        f"{PROTOCOL}: use the attnviz binary installed with this package")
        self.info = ready

    def _read_stderr(self) -> None:
        for raw in iter(self.process.stderr.readline, b""):
            for line in raw.decode("utf-8", "replace").replace("\r", "\n").splitlines():
                if line.strip():
                    self.stderr_tail.append(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def death(self, starting: bool = False, idle: bool = False) -> Error:
        """The error that says the process ended, with what it said last."""
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self._stderr_thread.join(timeout=2)
        lines = list(self.stderr_tail)
        errors = [line for line in lines if line.startswith("attnviz: error: ")]
        if starting and errors:  # the command line's own message, e.g. a missing model
            return Error(errors[-1][len("attnviz: error: "):])
        how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
        said = ("; its last words: " + " | ".join(lines[-5:])) if lines else ""
        verb = "could not start" if starting else "had stopped since the last call" if idle else "stopped"
        then = "starting it again" if idle else "the next call starts it again"
        return ModelServerDied(f"the attnviz model process ({' '.join(self.command)}) {verb}: it "
                               f"{how}{said}; {then}")

    def _read_header(self, starting: bool = False) -> dict:
        line = self.process.stdout.readline()
        if not line.endswith(b"\n"):
            raise self.death(starting)
        try:
            header = json.loads(line)
        except ValueError:
            header = None
        if not isinstance(header, dict):
            raise Error(f"{self.command[0]} answered {line[:80]!r}, which is not the attnviz protocol: "
                        "point ATTNVIZ_BINARY at the attnviz binary")
        return header

    def _read_exactly(self, size: int) -> bytearray:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            n = self.process.stdout.readinto(view[got:])
            if not n:
                raise self.death()
            got += n
        return buffer

    def request(self, request: dict) -> tuple:
        """The response's header and its arrays by name."""
        line = (json.dumps(request, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")
        try:
            self.process.stdin.write(line)
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise self.death() from None
        header = self._read_header()
        arrays = {}
        for spec in header.get("arrays", []):
            data = self._read_exactly(int(spec["bytes"]))
            arrays[spec["name"]] = np.frombuffer(data, dtype="<f4").reshape(spec["shape"])
        return header, arrays

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # the server exits when its stdin closes
                self.process.wait(timeout=5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._stderr_thread.join(timeout=2)  # the process ended, so its stderr did too
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


def _close_server(holder: dict) -> None:
    server = holder.pop("server", None)
    if server is not None:
        server.close()


class Model:
    """A model kept loaded in a process of its own (``attnviz serve``), for the notebook.

    ``name`` is anything ``attnviz --model`` takes: an alias (``"bert"``, ``"gpt2"``), a Hugging
    Face id (looked up in the HF cache, downloaded when missing), a folder under ``models/``, or a
    model directory. ``device``, ``threads``, ``dtype`` and ``max_memory`` (GB) are the command
    line's ``--device``, ``--threads``, ``--dtype`` and ``--max-memory``.

    >>> bert = attnviz.Model("bert")
    >>> out = bert.attention("The cat sat on the mat.")
    >>> out.attentions.shape            # [layers, heads, n, n]
    (12, 12, 9, 9)
    >>> bert.head_view("The cat sat on the mat.")
    """

    def __init__(self, name: str = "bert", *, device: str = "cpu", threads: int = 0,
                 dtype: str = "f32", max_memory: Optional[float] = None,
                 binary: Optional[Union[str, os.PathLike]] = None,
                 env: Optional[dict] = None):
        if not isinstance(name, (str, os.PathLike)):
            raise Error(f"Model() takes a model name or directory, not {name!r}")
        self.name = os.fspath(name)
        command = [str(find_binary(binary)), "serve", "--model", self.name, "--device", device,
                   "--threads", str(int(threads)), "--dtype", dtype]
        if max_memory is not None:
            command += ["--max-memory", str(float(max_memory))]
        self._command = command
        self._env = dict(os.environ if env is None else env)
        self._lock = threading.Lock()
        self._holder: dict = {}
        self._finalizer = weakref.finalize(self, _close_server, self._holder)
        self._start()

    # -- the process ------------------------------------------------------------------------
    def _start(self) -> "_Server":
        server = _Server(self._command, self._env)
        self._holder["server"] = server
        self.info = {k: v for k, v in server.info.items() if k not in ("ok", "protocol")}
        return server

    def _server(self) -> "_Server":
        server = self._holder.get("server")
        if server is not None and not server.alive():  # it ended between calls (killed, OOM)
            import warnings

            warnings.warn(str(server.death(idle=True)), stacklevel=4)
            self._holder.pop("server", None)
            server.close()
            server = None
        if server is None:
            server = self._start()
        return server

    def _request(self, request: dict) -> tuple:
        with self._lock:
            server = self._server()
            try:
                header, arrays = server.request(request)
            except BaseException:
                # Killed mid-answer (KeyboardInterrupt) or dead: the pipes may hold half a response,
                # so this process is not used again; the next call starts a fresh one.
                self._holder.pop("server", None)
                server.close()
                raise
        if not header.get("ok"):
            raise Error(header.get("error", "the model server answered with an error"))
        for warning in header.get("warnings", []):
            import warnings

            warnings.warn(warning, stacklevel=3)
        return header, arrays

    def close(self) -> None:
        """Ends the model's process (a later call starts it again)."""
        with self._lock:
            _close_server(self._holder)

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def pid(self) -> Optional[int]:
        """The process id of the model's process, None when none runs."""
        server = self._holder.get("server")
        return server.process.pid if server is not None and server.alive() else None

    @property
    def layers(self) -> int:
        return int(self.info["layers"])

    @property
    def heads(self) -> int:
        return int(self.info["heads"])

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.pid else "not running"
        return (f"<attnviz.Model {self.info.get('model', self.name)} ({self.info.get('architecture')}, "
                f"{self.info.get('layers')} layers × {self.info.get('heads')} heads; {state})>")

    # -- what it answers --------------------------------------------------------------------
    @staticmethod
    def _text_request(op: str, text: str, pair: Optional[str]) -> dict:
        if not isinstance(text, str):
            raise Error(f"the text must be a str, not {type(text).__name__}")
        request = {"op": op, "text": text}
        if pair is not None:
            if not isinstance(pair, str):
                raise Error(f"pair= must be a str (the second sentence), not {type(pair).__name__}")
            request["pair"] = pair
        return request

    def tokenize(self, text: str, pair: Optional[str] = None) -> Tokens:
        """The tokens the model sees for ``text`` (and a second sentence ``pair``)."""
        header, _ = self._request(self._text_request("tokenize", text, pair))
        return Tokens._from_header(header)

    def attention(self, text: str, pair: Optional[str] = None, *, layers: Numbers = None,
                  heads: Numbers = None, queries_keys: bool = False) -> ModelAttention:
        """Every layer's and head's attention for ``text`` (or the 1-based ``layers`` and
        ``heads`` given: a number or a list), with each head's queries and keys when
        ``queries_keys``."""
        request = self._text_request("attention", text, pair)
        layer_list, head_list = _number_list(layers, "layer"), _number_list(heads, "head")
        if layer_list is not None:
            request["layers"] = layer_list
        if head_list is not None:
            request["heads"] = head_list
        if queries_keys:
            request["queries_keys"] = True
        header, arrays = self._request(request)
        return ModelAttention(model=self.info.get("model", self.name),
                              tokens=Tokens._from_header(header), attentions=arrays["attention"],
                              layers=header["layer_numbers"], heads=header["head_numbers"],
                              causal=bool(header["causal"]), queries=arrays.get("queries"),
                              keys=arrays.get("keys"), warnings=header.get("warnings", []))

    # -- figures: the same as ModelAttention's, of one text ---------------------------------------
    def heatmap(self, text: str, layer: Union[int, str] = 1, head: Union[int, str] = 1, *,
                pair: Optional[str] = None, **options: Any):
        """``text``'s heatmap of one head (``head="mean"``: the layer's mean), as ``attnviz.heatmap``:
        ``bert.heatmap("The cat sat.", 10, 5)`` is Layer 10, Head 5."""
        return self.attention(text, pair).heatmap(layer, head, **options)

    def mean(self, text: str, layer: Union[int, str] = 1, *, pair: Optional[str] = None, **options: Any):
        """``text``'s mean of a layer's heads, as ``attnviz.mean``."""
        return self.attention(text, pair).mean(layer, **options)

    def grid(self, text: str, layer: Union[int, str] = 1, head: Union[int, str] = "all", *,
             pair: Optional[str] = None, **options: Any):
        """``text``'s small multiples: a layer's heads, or every layer (``layer="all"``), as ``attnviz.grid``."""
        return self.attention(text, pair).grid(layer, head, **options)

    def rollout(self, text: str, layer: Union[int, str] = "all", *, pair: Optional[str] = None,
                **options: Any):
        """``text``'s attention rollout through ``layer`` (default: the last), as ``attnviz.rollout``."""
        return self.attention(text, pair).rollout(layer, **options)

    def words(self, text: str, layer: Union[int, str] = 1, head: Union[int, str] = 1, *,
              pair: Optional[str] = None, **options: Any):
        """``text``'s heatmap at word level, as ``attnviz.words``."""
        return self.attention(text, pair).words(layer, head, **options)

    def head_measures(self, text: str, *, pair: Optional[str] = None, **options: Any):
        """The head measures and roles on ``text`` (a table and the atlas), as ``attnviz.heads``."""
        return self.attention(text, pair).head_measures(**options)

    def compare(self, text_a: str, text_b: str, layer: Union[int, str] = 1, head: Union[int, str] = 1,
                **options: Any):
        """A, B and A - B of one head (or ``head="mean"``) for two texts, aligned by token, as
        ``attnviz.compare``: e.g. the Winograd pair "...too tired." / "...too wide."."""
        a, b = self.attention(text_a), self.attention(text_b)
        options.setdefault("title_a", f"A: {text_a}")  # as `attnviz render --compare` titles two dumps
        options.setdefault("title_b", f"B: {text_b}")
        options.setdefault("model", a.model)
        return figures.compare(a._held(), None, b._held(), None, layer, head, **options)

    # -- views ------------------------------------------------------------------------------
    def head_view(self, text: str, pair: Optional[str] = None, **options: Any):
        """bertviz's head view of ``text`` (``attnviz.head_view``'s options)."""
        from . import head_view

        out = self.attention(text, pair)
        options.setdefault("sentence_b_start", out.tokens.sentence_b_start)
        return head_view(out.as_bertviz(), out.tokens.tokens, **options)

    def model_view(self, text: str, pair: Optional[str] = None, **options: Any):
        """bertviz's model view of ``text`` (``attnviz.model_view``'s options)."""
        from . import model_view

        out = self.attention(text, pair)
        options.setdefault("sentence_b_start", out.tokens.sentence_b_start)
        return model_view(out.as_bertviz(), out.tokens.tokens, **options)
