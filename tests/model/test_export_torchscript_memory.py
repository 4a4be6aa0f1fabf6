"""scripts/export_torchscript.py checks the trace at the model's maximum length only as far as memory allows.

Run with the reference environment (transformers + torch 1.13): .venv-ref/bin/python
tests/model/test_export_torchscript_memory.py (ctest runs it where .venv-ref exists).
"""
import contextlib
import io
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import export_torchscript  # noqa: E402

# SmolLM2-135M's shape: 30 layers of 9 heads, 8,192 positions.
SMOLLM2 = SimpleNamespace(num_hidden_layers=30, num_attention_heads=9)


class LongestCheckable(unittest.TestCase):
    def test_smollm2_attentions_are_72_gb_at_8192_tokens(self):
        one_copy = export_torchscript.check_bytes(SMOLLM2, 8192, batch=1) // export_torchscript.CHECK_COPIES
        self.assertEqual(one_copy, 30 * 9 * 8192 * 8192 * 4)
        self.assertAlmostEqual(one_copy / 1e9, 72.5, places=1)

    def test_the_check_fits_in_half_the_memory(self):
        available = 16 * 2**30
        n = export_torchscript.longest_checkable(SMOLLM2, 8192, available)
        self.assertLess(n, 8192)
        self.assertLessEqual(export_torchscript.check_bytes(SMOLLM2, n), available // 2)
        self.assertGreater(export_torchscript.check_bytes(SMOLLM2, n + 1), available // 2)

    def test_enough_memory_checks_the_full_length_and_unknown_memory_too(self):
        self.assertEqual(export_torchscript.longest_checkable(SMOLLM2, 512, 16 * 2**30), 512)
        self.assertEqual(export_torchscript.longest_checkable(SMOLLM2, 8192, None), 8192)


class ExportOfAModelWith8192Positions(unittest.TestCase):
    """A tiny random GPT-2 with 8,192 positions, exported as if 64 MB were free."""

    def setUp(self):
        import transformers
        self.dir = Path(tempfile.mkdtemp())
        source = self.dir / "gpt2-8192"
        source.mkdir()
        tiny = ROOT / "tests" / "data" / "models" / "gpt2-tiny"
        for name in ("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
                     "special_tokens_map.json"):
            shutil.copy(tiny / name, source / name)
        config = transformers.GPT2Config(n_positions=8192, n_embd=16, n_layer=2, n_head=2,
                                         vocab_size=json.loads((tiny / "config.json").read_text())["vocab_size"])
        transformers.GPT2LMHeadModel(config).save_pretrained(str(source))
        self.source = source
        self.real_available = export_torchscript.available_bytes
        export_torchscript.available_bytes = lambda torch, device: 64 * 2**20

    def tearDown(self):
        export_torchscript.available_bytes = self.real_available
        shutil.rmtree(self.dir)

    def test_checks_what_fits_and_says_so(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            manifest = export_torchscript.export(str(self.source), self.dir / "out")
        # 4 copies x 4 bytes x 2 layers x 2 heads x batch 2 = 128 bytes per n^2; 32 MB of them: n = 512.
        self.assertEqual(manifest["max_positions"], 8192)
        self.assertEqual(manifest["checked_positions"], 512)
        self.assertEqual(json.loads((self.dir / "out" / export_torchscript.MANIFEST).read_text())
                         ["checked_positions"], 512)
        self.assertIn("checked at up to 512 of the model's 8192 positions", err.getvalue())
        self.assertIn("free on cpu", err.getvalue())

    def test_too_little_memory_for_any_long_check_is_an_error(self):
        export_torchscript.available_bytes = lambda torch, device: 2**19
        with self.assertRaises(export_torchscript.ExportError) as caught:
            export_torchscript.export(str(self.source), self.dir / "out")
        self.assertIn("checking the trace at 64 tokens needs", str(caught.exception))
        self.assertFalse((self.dir / "out" / "model.pt").exists())


if __name__ == "__main__":
    unittest.main()
