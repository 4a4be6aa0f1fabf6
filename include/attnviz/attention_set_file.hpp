#pragma once

#include <filesystem>
#include <string>

#include "attnviz/attention.hpp"
#include "attnviz/attention_file.hpp"
#include "attnviz/encoding.hpp"

namespace attnviz {

// One encoder-decoder run as `attnviz dump` saves it and `attnviz render`, `html --from` and
// `heads --from` read it back.
struct AttentionSetFile {
  // Exactly three parts, in this order:
  //   "encoder" [Le][He][n][n]  queries and keys: the source's tokens
  //   "decoder" [Ld][Hd][m][m]  queries and keys: the decoder input's tokens, causal
  //   "cross"   [Ld][Hd][m][n]  queries: the decoder input's tokens; keys: the source's
  AttentionSet attentions;
  std::string model;         // the sidecar's "model", else the file's stem
  std::string architecture;  // e.g. "BartForConditionalGeneration"; may be empty
  std::string source_text;   // empty where the source was given as ids
  std::string target_text;   // empty where given as ids
  bool generated = false;    // the target was generated (greedy), not given
  // The n source tokens and the m tokens the decoder saw (the target shifted right after the
  // decoder start token). Empty where not known; reading fills them where the sidecar has ids,
  // spans, type_ids and special.
  Encoding source, target;
};

// Writes `npz` (arrays "encoder", "decoder", "cross": float32, C order, as np.load reads them)
// and the JSON sidecar next to it (same name, .json) with both token lists. Throws
// attnviz::Error when a part is missing, or the shapes or token lists of the parts disagree.
void write_attention_set_file(const std::filesystem::path& npz, const AttentionSetFile& file);

// Reads what write_attention_set_file wrote. options.tokens names the sidecar where it is not
// next to the file; options.check as for read_attention_file. Throws attnviz::Error naming the
// file and what is wrong: a missing array, a shape that does not fit the others or the tokens,
// a row that is not a distribution (part, layer, head and row 1-based).
AttentionSetFile read_attention_set_file(const std::filesystem::path& npz,
                                         const AttentionFileOptions& options = {});

// Whether `path` is an .npz of several arrays, some named encoder, decoder or cross (false for any
// other file, readable or not): the readers of saved attentions choose by it.
bool holds_attention_set(const std::filesystem::path& path);

// The part of `set` named `name` ("encoder", "decoder", "cross"); throws attnviz::Error listing
// the names it holds otherwise.
const Attention& attention_part(const AttentionSet& set, const std::string& name);

}  // namespace attnviz
