// Cross-checks the committed reference ids (made with PyPI `tokenizers`) against a second binding of Hugging
// Face's Rust tokenizers, the npm package @anush008/tokenizers, on the same corpus and tokenizer.json files.
// Usage: npm install @anush008/tokenizers (in any folder), then
//   NODE_PATH=<that folder>/node_modules node scripts/tokenizer_reference/crosscheck_node.mjs [SHARED_TOKENIZERS_DIR]
import { createRequire } from "module";
import { readFileSync, readdirSync } from "fs";
import { dirname, join } from "path";
import { fileURLToPath } from "url";

const require = createRequire(import.meta.url);
const { Tokenizer } = require("@anush008/tokenizers");
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const shared = process.argv[2] ?? join(repo, "..", "shared", "tokenizers");
const data = join(repo, "tests", "data", "tokenize");
const lines = (path) => readFileSync(path, "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l));

const corpus = lines(join(data, "corpus.jsonl"));
// The real tokenizer.json files, then the patched ones of json_variants/ (see make_reference.py).
const cases = ["bert-base-uncased", "gpt2"].map((model) => ({
  name: model,
  tokenizer: () => Tokenizer.fromFile(join(shared, model, "tokenizer.json")),
  reference: `reference_${model}.jsonl`,
}));
for (const variant of readdirSync(join(data, "json_variants")).sort()) {
  const dir = join(data, "json_variants", variant);
  const base = readFileSync(join(dir, "base"), "utf8").trim();
  const doc = { ...JSON.parse(readFileSync(join(shared, base, "tokenizer.json"), "utf8")),
                ...JSON.parse(readFileSync(join(dir, "patch.json"), "utf8")) };
  delete doc._comment;
  cases.push({ name: variant, tokenizer: () => Tokenizer.fromString(JSON.stringify(doc)),
               reference: `reference_json_${variant}.jsonl` });
}
let failed = false;
for (const { name: model, tokenizer: make, reference: file } of cases) {
  const tokenizer = make();
  tokenizer.disableTruncation();
  const reference = lines(join(data, file));
  let differ = 0;
  for (let i = 0; i < corpus.length; i++) {
    const enc = await tokenizer.encode(corpus[i].a, corpus[i].b ?? null);
    if (JSON.stringify(enc.getIds()) !== JSON.stringify(reference[i].ids)) {
      if (++differ <= 5) console.log(`${model} line ${i + 1}: ${JSON.stringify(corpus[i])}`);
    }
  }
  console.log(`${model}: ${corpus.length - differ} of ${corpus.length} reference id lists confirmed by @anush008/tokenizers`);
  failed ||= differ > 0;
}
process.exit(failed ? 1 : 0);
