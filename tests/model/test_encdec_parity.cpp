// Every encoder-decoder family against transformers 4.46.3's own attentions (output_attentions,
// eager) for small random checkpoints transformers made: tests/data/models/encdec/*, references in
// tests/data/reference/encdec/*.json (scripts/make_encdec_checkpoints.py). Each checkpoint
// exercises its family: BART's learned positions (offset 2), mBART's pre-norm and final norms,
// Marian's and Pegasus's sinusoidal positions and embedding scale, M2M100's padding-aware ones,
// T5's relative buckets, RMS norm and tied head, Flan-T5's gated-GELU, untied head and d_kv, mT5;
// encoder and decoder depths differ in most.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"
#include "reference.hpp"

namespace attnviz {
namespace {

const std::filesystem::path kData = ATTNVIZ_TEST_DATA;

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream stream(file);
  if (!stream) throw std::runtime_error("missing reference file " + file.string());
  return nlohmann::json::parse(stream);
}

// Ids as an encoding, each token shown as "#id".
Encoding encoding_of(const std::vector<std::int64_t>& ids) {
  Encoding encoding;
  encoding.ids = ids;
  encoding.type_ids.assign(ids.size(), 0);
  for (const auto id : ids) {
    encoding.tokens.push_back("#" + std::to_string(id));
    encoding.display.push_back(encoding.tokens.back());
  }
  encoding.spans.assign(ids.size(), ByteSpan{});
  encoding.special.assign(ids.size(), false);
  return encoding;
}

// Largest |attnviz - transformers| of one attention, after checking its shape.
float difference(const Attention& attention, const nlohmann::json& reference_case,
                 const std::string& key, int layers, int heads, int rows, int columns) {
  EXPECT_EQ(attention.layers, layers) << key;
  EXPECT_EQ(attention.heads, heads) << key;
  EXPECT_EQ(attention.n, rows) << key;
  EXPECT_EQ(attention.columns(), columns) << key;
  const auto expected = test::floats_from_base64(reference_case.at(key).get<std::string>());
  EXPECT_EQ(attention.weights.size(), expected.size()) << key;
  if (attention.weights.size() != expected.size()) return INFINITY;
  float worst = 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    worst = std::max(worst, std::abs(attention.weights[i] - expected[i]));
  return worst;
}

class EncDecParityTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Seq2SeqModel> model =
      load_seq2seq_model(kData / "models" / "encdec" / GetParam());
  nlohmann::json reference = read_json(kData / "reference" / "encdec" / (GetParam() + ".json"));
};

TEST_P(EncDecParityTest, DecoderInputIsTheLabelsShiftedRight) {
  for (const auto& item : reference.at("cases")) {
    const Encoding labels = encoding_of(item.at("labels").get<std::vector<std::int64_t>>());
    const Encoding input = decoder_input_from_labels(labels, model->info(), "<start>");
    EXPECT_EQ(input.ids, item.at("decoder_ids").get<std::vector<std::int64_t>>());
    EXPECT_TRUE(input.special.front());
    EXPECT_EQ(input.size(), labels.size());
  }
}

TEST_P(EncDecParityTest, AttentionsEqualTransformers) {
  const Seq2SeqInfo& info = model->info();
  EXPECT_EQ(info.encoder_layers, reference.at("encoder_layers").get<int>());
  EXPECT_EQ(info.decoder_layers, reference.at("decoder_layers").get<int>());
  const int heads = reference.at("heads").get<int>();
  for (const auto& item : reference.at("cases")) {
    SCOPED_TRACE(item.at("name").get<std::string>());
    const Encoding source = encoding_of(item.at("source_ids").get<std::vector<std::int64_t>>());
    const Encoding target = encoding_of(item.at("decoder_ids").get<std::vector<std::int64_t>>());
    const Seq2SeqAttentions run = model->attend(source, target);
    const int n = static_cast<int>(source.size()), m = static_cast<int>(target.size());
    EXPECT_LE(difference(run.encoder, item, "encoder_f32", info.encoder_layers, heads, n, n),
              1e-5F);
    EXPECT_LE(difference(run.decoder, item, "decoder_f32", info.decoder_layers, heads, m, m),
              1e-5F);
    EXPECT_LE(difference(run.cross, item, "cross_f32", info.decoder_layers, heads, m, n), 1e-5F);
    EXPECT_EQ(run.cross.key_tokens, source.display);
    EXPECT_EQ(run.cross.tokens, target.display);
    EXPECT_TRUE(run.decoder.causal);
    EXPECT_FALSE(run.encoder.causal || run.cross.causal);
  }
}

TEST_P(EncDecParityTest, GreedyGenerationEqualsTransformers) {
  const int max_new_tokens = reference.at("max_new_tokens").get<int>();
  for (const auto& item : reference.at("cases")) {
    const Encoding source = encoding_of(item.at("source_ids").get<std::vector<std::int64_t>>());
    EXPECT_EQ(model->generate(source, max_new_tokens),
              item.at("generated").get<std::vector<std::int64_t>>());
  }
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, EncDecParityTest,
                         ::testing::Values("bart", "mbart", "marian", "pegasus", "m2m100", "t5",
                                           "flan-t5", "mt5"),
                         test::CheckpointName());

TEST(EncDec, GenerationStopsAtEos) {
  // Generation of the first case for many more steps than the reference asked for: it ends at EOS
  // or at max_new_tokens, and never runs on past EOS.
  const auto model = load_seq2seq_model(kData / "models" / "encdec" / "t5");
  const auto reference = read_json(kData / "reference" / "encdec" / "t5.json");
  const Encoding source =
      encoding_of(reference.at("cases").at(0).at("source_ids").get<std::vector<std::int64_t>>());
  const auto ids = model->generate(source, 40);
  ASSERT_GE(ids.size(), 2U);
  EXPECT_EQ(ids.front(), model->info().decoder_start_token_id);
  const auto eos = std::find(ids.begin(), ids.end(), model->info().eos_token_id);
  EXPECT_TRUE(eos == ids.end() ? ids.size() == 41U : eos + 1 == ids.end());
}

TEST(EncDec, BadInputNamesWhatToDo) {
  const auto model = load_seq2seq_model(kData / "models" / "encdec" / "bart");
  const Encoding ok = encoding_of({5, 6, 7});
  std::vector<std::int64_t> long_ids(33, 5);
  EXPECT_THROW(model->attend(encoding_of(long_ids), ok), Error);  // 32 positions
  EXPECT_THROW(model->attend(ok, encoding_of({5, 64})), Error);   // vocabulary of 64
  EXPECT_THROW(model->attend(encoding_of({}), ok), Error);
  EXPECT_THROW(model->generate(ok, 0), Error);
  try {
    load_model(kData / "models" / "encdec" / "bart");
    ADD_FAILURE() << "load_model ran an encoder-decoder";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder-decoder"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(is_seq2seq_model(kData / "models" / "encdec" / "t5"));
  EXPECT_FALSE(is_seq2seq_model(kData / "models" / "families" / "opt"));
}

}  // namespace
}  // namespace attnviz
