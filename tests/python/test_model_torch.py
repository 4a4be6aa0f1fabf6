"""attnviz.Model next to another torch in the same Python process, as in Colab: PyPI's torch 2.x imported (and
transformers run on it) before attnviz, and both still work, because attnviz's own libtorch runs in the model's
process, never in this one. Each check runs in a fresh interpreter, so torch is imported first there.

The interpreters: this one (.venv-test, whose torch is PyPI's, pulled in by sentence-transformers), and
.venv-ref-newer's (PyPI torch 2.5.1, transformers 4.51.3) where it exists.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import attnviz

ROOT = Path(__file__).resolve().parents[2]
BERT = ROOT / "tests" / "data" / "models" / "bert-tiny"

CHECK = r"""
import sys
import numpy as np
import torch                      # PyPI's torch first, as a notebook that already uses it
import transformers

assert torch.__version__.split(".")[0] == "2", torch.__version__
bert_dir, text = sys.argv[1], "The animal didn't cross the street because it was too tired."
tokenizer = transformers.AutoTokenizer.from_pretrained(bert_dir)
hf = transformers.BertModel.from_pretrained(bert_dir, attn_implementation="eager").eval()
with torch.no_grad():
    expected = torch.stack(hf(**tokenizer(text, return_tensors="pt"), output_attentions=True).attentions)[:, 0]

import attnviz                    # then attnviz, in the same process
with attnviz.Model(bert_dir) as model:
    out = model.attention(text)
    again = model.attention(text)
np.testing.assert_allclose(out.attentions, expected.numpy(), atol=1e-5, rtol=0)
np.testing.assert_array_equal(out.attentions, again.attentions)
# torch still works after attnviz ran, and attnviz's arrays go into it
assert torch.from_numpy(out.attentions).sum(-1).allclose(torch.ones(out.attentions.shape[:-1]), atol=1e-5)
page = attnviz.head_view(tuple(expected[:, None]), tokenizer.convert_ids_to_tokens(out.tokens.ids),
                         html_action="return").data
assert "<iframe" in page
# the only libtorch in this process is PyPI torch's own: attnviz's ran in the model's process
import os
mapped = {line.split()[-1] for line in open("/proc/self/maps") if "libtorch" in line or "libc10" in line}
own = os.path.dirname(os.path.realpath(torch.__file__))
assert mapped and all(os.path.realpath(path).startswith(own) for path in mapped), (own, mapped)
print("ok torch", torch.__version__, "transformers", transformers.__version__, "libtorch files mapped:",
      len(mapped), "all under", own)
"""


def run_check(python, extra_path=None):
    env = dict(os.environ)
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join([extra_path] + [p for p in [env.get("PYTHONPATH")] if p])
    result = subprocess.run([python, "-c", CHECK, str(BERT)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok torch 2."), result.stdout
    return result.stdout


def test_pypi_torch_in_this_environment():
    pytest.importorskip("torch", reason="the test environment's torch comes with sentence-transformers")
    pytest.importorskip("transformers")
    print(run_check(sys.executable))


def test_pypi_torch_of_the_newer_reference_environment(tmp_path):
    python = ROOT / ".venv-ref-newer" / "bin" / "python"
    if not python.exists():
        pytest.skip(".venv-ref-newer is made by scripts/setup_newer_reference_env.sh")
    # this attnviz package (nothing else of this environment) on that interpreter's path
    (tmp_path / "attnviz").symlink_to(Path(attnviz.__file__).resolve().parent)
    print(run_check(str(python), str(tmp_path)))
