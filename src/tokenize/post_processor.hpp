#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "attnviz/encoding.hpp"

#include <nlohmann/json_fwd.hpp>

namespace attnviz::tokenize {

// One item of a template: a sequence (A or B) or special tokens inserted around them.
struct TemplateItem {
  int sequence = -1;  // 0 for A, 1 for B; -1 for special tokens
  std::vector<std::int32_t> ids;
  std::vector<std::string> tokens;
  std::int64_t type_id = 0;
};

// HF's post_processor: the template for one sentence and for a pair, and the byte-level offset
// trimming.
struct PostProcessorSpec {
  std::vector<TemplateItem> single{TemplateItem{0, {}, {}, 0}};
  std::vector<TemplateItem> pair{TemplateItem{0, {}, {}, 0}, TemplateItem{1, {}, {}, 1}};
  bool trim_offsets = false;  // ByteLevel: spans leave out the leading/trailing spaces of a token
  bool trim_keeps_prefix_space =
      false;  // ... except the one space add_prefix_space put before the first
};

// A "[CLS] A [SEP]" / "[CLS] A [SEP] B [SEP]" template (BertProcessing and BERT's older files).
PostProcessorSpec bert_template(std::int32_t cls_id, const std::string& cls, std::int32_t sep_id,
                                const std::string& sep);
PostProcessorSpec post_processor_from_json(const nlohmann::json& json);

// A token of one sequence before the template is applied; span in that sequence's own text.
struct SequenceToken {
  std::int32_t id;
  std::uint32_t begin;
  std::uint32_t end;
  bool continuation;  // not the first piece of its word
  // The token string when it is not the vocabulary's: an added token matched together with the
  // whitespace its lstrip/rstrip swallows, which HF reports as the token (" <mask>").
  std::string text = {};
};

// Lays out sequences A (and B) and the template's special tokens into an Encoding. A special
// token's span is empty, at the end of the sequence before it (0 if none).
Encoding apply_template(const std::vector<TemplateItem>& items,
                        const std::vector<SequenceToken>* const sequences[2],
                        const std::size_t text_sizes[2],
                        const std::function<std::string(std::int32_t)>& token_of,
                        const std::function<std::string(const std::string&, bool)>& display);

}  // namespace attnviz::tokenize
