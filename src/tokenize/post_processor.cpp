#include "post_processor.hpp"

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "json_id.hpp"

namespace attnviz::tokenize {
namespace {

void add_to_spec(const nlohmann::json& json, PostProcessorSpec& spec) {
  const std::string type = json.value("type", "");
  if (type == "BertProcessing") {
    const auto& cls = json.at("cls");
    const auto& sep = json.at("sep");
    const PostProcessorSpec before = spec;
    spec = bert_template(id_of(cls.at(1), "BertProcessing's cls id"), cls.at(0).get<std::string>(),
                         id_of(sep.at(1), "BertProcessing's sep id"), sep.at(0).get<std::string>());
    spec.trim_offsets = before.trim_offsets;
    spec.trim_keeps_prefix_space = before.trim_keeps_prefix_space;
  } else if (type == "RobertaProcessing") {
    // <s> A </s> and <s> A </s> </s> B </s>, all with type id 0; offsets trimmed like ByteLevel's.
    const auto& cls = json.at("cls");
    const auto& sep = json.at("sep");
    const TemplateItem c{
        -1, {id_of(cls.at(1), "RobertaProcessing's cls id")}, {cls.at(0).get<std::string>()}, 0};
    const TemplateItem s{
        -1, {id_of(sep.at(1), "RobertaProcessing's sep id")}, {sep.at(0).get<std::string>()}, 0};
    spec.single = {c, TemplateItem{0, {}, {}, 0}, s};
    spec.pair = {c, TemplateItem{0, {}, {}, 0}, s, s, TemplateItem{1, {}, {}, 0}, s};
    spec.trim_offsets = json.value("trim_offsets", true);
    spec.trim_keeps_prefix_space = json.value("add_prefix_space", true);
  } else if (type == "TemplateProcessing") {
    const auto& specials = json.at("special_tokens");
    // A single text has sequence A only; a pair has A and B.
    auto parse = [&](const nlohmann::json& items, const char* which, int sequences) {
      std::vector<TemplateItem> out;
      const std::string type_id =
          "the post_processor's " + std::string(which) + " template: type_id";
      for (const auto& item : items) {
        TemplateItem t;
        if (const auto seq = item.find("Sequence"); seq != item.end()) {
          const std::string id = seq->at("id").get<std::string>();
          t.sequence = id == "A" ? 0 : id == "B" ? 1 : -1;
          if (t.sequence < 0 || t.sequence >= sequences) {
            throw Error("the post_processor's " + std::string(which) + " template uses sequence '" +
                        id + "'; it can use " + (sequences == 1 ? "only A" : "A and B"));
          }
          t.type_id = id_of(seq->value("type_id", nlohmann::json(0)), type_id);
        } else {
          const auto& special = item.at("SpecialToken");
          const std::string name = special.at("id").get<std::string>();
          const auto found = specials.find(name);
          if (found == specials.end()) {
            throw Error("the post_processor template uses special token '" + name +
                        "' that its special_tokens list does not define");
          }
          for (const auto& id : found->at("ids"))
            t.ids.push_back(id_of(id, "the post_processor's special token '" + name + "': id"));
          t.tokens = found->at("tokens").get<std::vector<std::string>>();
          t.type_id = id_of(special.value("type_id", nlohmann::json(0)), type_id);
        }
        out.push_back(std::move(t));
      }
      return out;
    };
    spec.single = parse(json.at("single"), "single", 1);
    spec.pair = parse(json.at("pair"), "pair", 2);
  } else if (type == "ByteLevel") {
    spec.trim_offsets = json.value("trim_offsets", true);
    spec.trim_keeps_prefix_space = json.value("add_prefix_space", true);
  } else if (type == "Sequence") {
    for (const auto& step : json.at("processors")) add_to_spec(step, spec);
  } else {
    throw Error("post_processor type '" + type +
                "' is not known to attnviz (known: TemplateProcessing, BertProcessing, "
                "RobertaProcessing, ByteLevel, Sequence)");
  }
}

}  // namespace

PostProcessorSpec bert_template(std::int32_t cls_id, const std::string& cls, std::int32_t sep_id,
                                const std::string& sep) {
  PostProcessorSpec spec;
  const TemplateItem c{-1, {cls_id}, {cls}, 0};
  const TemplateItem s0{-1, {sep_id}, {sep}, 0};
  const TemplateItem s1{-1, {sep_id}, {sep}, 1};
  spec.single = {c, TemplateItem{0, {}, {}, 0}, s0};
  spec.pair = {c, TemplateItem{0, {}, {}, 0}, s0, TemplateItem{1, {}, {}, 1}, s1};
  return spec;
}

PostProcessorSpec post_processor_from_json(const nlohmann::json& json) {
  PostProcessorSpec spec;
  if (!json.is_null()) add_to_spec(json, spec);
  return spec;
}

Encoding apply_template(const std::vector<TemplateItem>& items,
                        const std::vector<SequenceToken>* const sequences[2],
                        const std::size_t text_sizes[2],
                        const std::function<std::string(std::int32_t)>& token_of,
                        const std::function<std::string(const std::string&, bool)>& display) {
  Encoding enc;
  auto push = [&](std::int64_t id, std::string token, std::string shown, std::int64_t type_id,
                  ByteSpan span, bool special) {
    enc.ids.push_back(id);
    enc.type_ids.push_back(type_id);
    enc.display.push_back(std::move(shown));
    enc.tokens.push_back(std::move(token));
    enc.spans.push_back(span);
    enc.special.push_back(special);
  };
  std::size_t position =
      0;  // where an inserted special token sits: the end of the sequence before it
  for (const TemplateItem& item : items) {
    if (item.sequence < 0) {
      for (std::size_t k = 0; k < item.ids.size(); ++k) {
        push(item.ids[k], item.tokens[k], item.tokens[k], item.type_id, {position, position}, true);
      }
      continue;
    }
    for (const SequenceToken& t : *sequences[item.sequence]) {
      const std::string vocab_token = token_of(t.id);
      push(t.id, t.text.empty() ? vocab_token : t.text, display(vocab_token, t.continuation),
           item.type_id, {t.begin, t.end}, false);
    }
    position = text_sizes[item.sequence];
  }
  return enc;
}

}  // namespace attnviz::tokenize
