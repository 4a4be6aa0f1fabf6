#pragma once

#include <string>
#include <vector>

#include "attnviz/attention.hpp"

namespace attnviz {

// One attention set shown in the page. A page with several (two sentences to compare) gets an input
// switch; each input keeps its own tokens, shape and causal flag.
struct HtmlInput {
  const Attention* attention = nullptr;
  std::string label;  // shown in the input switch, e.g. "A: ... too tired"
  // First token of sentence B when the input is a BERT sentence pair (the first type_id 1); 0 for
  // one sentence. The head view then filters lines A->A, B->B, A->B, B->A as bertviz does.
  int sentence_b_start = 0;
  // The attention is attention_rollout's: layer l holds the rollout through layers 0..l as its one
  // head, and the views name it so.
  bool rollout = false;
};

struct HtmlOptions {
  std::string title;       // page title and heading
  std::string model_name;  // shown next to the heading; leave empty where the title names it
  // Store queries/keys for the neuron view when the Attention carries them. They cost about
  // layers * heads * n * head_dim * 2 bytes before compression.
  bool include_vectors = true;
  // Inline DejaVu Sans (about 1 MB of base64) so text looks the same everywhere; without it the
  // page falls back to the browser's sans-serif.
  bool embed_font = true;
  // Bits per stored weight, 4 to 8. Each bit less shrinks the weight data by roughly a fifth and
  // doubles the error bound (row max / (2 * (2^bits - 1))); 7 keeps GPT-2 at 1,024 tokens under 50
  // MB.
  int weight_bits = 8;
  // zlib's level for the data blocks: 6 by default; 1 writes a page several times faster and about
  // a tenth larger (a notebook's output, made while the reader waits).
  int deflate_level = 6;
  // How the page opens (a notebook's head_view/model_view): the view ("head", "model", "heatmap",
  // "neuron"), the input and layer (0-based, of those given), the heads the head view shows
  // (0-based; empty: all) and the theme ("light", "dark"; empty: the reader's system setting). A
  // #view=... in the page's address overrides them.
  std::string view = "head";
  int input = 0;
  int layer = 0;
  std::vector<int> heads;
  std::string theme;
  // What the page's input switch chooses between: "Input" (sentences), or "Attention" for an
  // encoder-decoder's page, whose inputs are its "Encoder", "Decoder" and "Cross" attentions.
  std::string input_label = "Input";
};

// Cross attention (Attention::cross(): an encoder-decoder's decoder tokens attending to its
// encoder's) is drawn with the queries on the left and the keys on the right, rectangular in the
// model view and heatmap; it has no neuron view. An encoder-decoder's page: inputs "Encoder",
// "Decoder", "Cross", which the page's input switch offers as bertviz's attention dropdown does.
// Writes one self-contained HTML page (data, script, styles and font inlined; no network, no
// server) with the head view, model view, heatmap and neuron view. Weights are stored with
// weight_bits each, linear in the row's maximum (8 bits: w = row_max * code/255, error at most
// row_max/510), deflated and base64-encoded, one block per layer, encoded on all cores; causal
// inputs store only keys <= query. Throws attnviz::Error when an input is inconsistent (sizes,
// non-finite or negative weights, weights after the query in a causal input), too large for one
// page, or weight_bits is out of range.
std::string html_view(const std::vector<HtmlInput>& inputs, const HtmlOptions& options);
std::string html_view(const Attention& attention, const HtmlOptions& options);

}  // namespace attnviz
