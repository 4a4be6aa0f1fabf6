"""The lab's notebook in JupyterLab 4, as a user runs it: a local JupyterLab started here, driven in headless
chromium (lab.mjs, playwright-core as tests/web's tests): the notebook opened, all its cells run, each view
drawn on the screen (its canvas screenshotted, coloured pixels counted: attention is drawn in colour, text
and background are grey), no request to anything but the local server, no console error. Then the same
outputs inside an <iframe sandbox="allow-scripts">, as VS Code and Colab show them, measured the same way.

The notebook runs in a copy (JupyterLab saves what it runs) next to a link to tests/data, so its relative
model paths hold.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
CHROMIUM = Path(os.environ.get("ATTNVIZ_CHROMIUM", "/usr/bin/chromium"))
NOTEBOOK = "lab_attention.ipynb"
# The views of lab_attention.ipynb, in order: BERT's model view and head view, GPT-2's head view.
VIEWS = ["model", "head", "head"]
# A drawn view covers thousands of pixels in colour; one that drew nothing shows none (its canvas is its
# background, its text grey).
MIN_COLOURED = 2000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab 4 server on a free local port, serving a folder with a copy of the notebook."""
    root = tmp_path_factory.mktemp("lab")
    (root / "notebook").mkdir()
    shutil.copy(HERE / NOTEBOOK, root / "notebook" / NOTEBOOK)
    (root / "data").symlink_to(DATA)
    port, token = free_port(), secrets.token_hex(16)
    home = root / "home"  # Jupyter's settings, workspaces and runtime files of this run only
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    command = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(root / "jupyterlab.log", "wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{origin}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start: " + (root / "jupyterlab.log").read_text()[-2000:])
            time.sleep(0.2)
    yield origin, token, root
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    log.close()


@pytest.fixture(scope="module")
def shown(lab):
    origin, token, root = lab
    if shutil.which("node") is None or not CHROMIUM.exists():
        pytest.fail("the JupyterLab test needs node and chromium (scripts/setup_browser_tests.sh)")
    run = subprocess.run(["node", str(HERE / "lab.mjs"), origin, f"/lab/tree/notebook/{NOTEBOOK}", token,
                          str(root)], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr + (root / "jupyterlab.log").read_text()[-2000:]
    print(run.stdout)  # what was measured, shown with pytest -rA
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_every_cell_runs_without_error(shown):
    assert shown["errors"] == []
    assert shown["cells"] and all(count is not None for count in shown["cells"]), shown["cells"]


@pytest.mark.parametrize("where", ["lab", "sandbox"])
def test_each_view_draws(shown, where):
    assert [v["view"] for v in shown[where]] == VIEWS, shown[where]
    for view in shown[where]:
        assert view["ready"] and view["coloured"] > MIN_COLOURED, view


def test_nothing_from_outside_and_no_console_error(shown):
    assert shown["refused"] == []
    assert shown["console_errors"] == []
