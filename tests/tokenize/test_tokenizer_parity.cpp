// attnviz's tokenizers against Hugging Face's own: every string of tests/data/tokenize/corpus.jsonl
// must give the ids, tokens, type ids, special-token flags and byte spans that HF's tokenizers gave
// (scripts/tokenizer_reference/make_reference.py), loading from tokenizer.json and from the older
// files.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "attnviz/error.hpp"
#include "attnviz/tokenizer.hpp"
#include "reference_compare.hpp"

namespace {

namespace fs = std::filesystem;
using attnviz::TokenizerFiles;
using attnviz::testing::count_differences;
using attnviz::testing::read_jsonl;
using attnviz::testing::require_shared;
using attnviz::testing::TokenizerCase;
const fs::path& kShared = attnviz::testing::kSharedTokenizers;
const fs::path& kData = attnviz::testing::kTokenizeData;

class Parity : public ::testing::TestWithParam<TokenizerCase> {};

TEST_P(Parity, MatchesHuggingFaceOnWholeCorpus) {
  const TokenizerCase& c = GetParam();
  const fs::path dir = kShared / c.folder;
  require_shared(dir);
  const auto tokenizer = attnviz::load_tokenizer(dir, c.files);
  const auto corpus = read_jsonl(kData / "corpus.jsonl");
  fs::path reference_path = kData / (std::string("reference_") + c.folder + ".jsonl");
  if (!fs::exists(reference_path)) reference_path += ".gz";
  const auto reference = read_jsonl(reference_path);
  ASSERT_EQ(corpus.size(), reference.size())
      << "corpus and reference differ in length: regenerate the reference";
  ASSERT_GE(corpus.size(), 2000u);
  const std::size_t failures = count_differences(*tokenizer, corpus, reference, corpus.size());
  EXPECT_EQ(failures, 0u) << failures << " of " << corpus.size()
                          << " strings differ from Hugging Face";
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizers, Parity,
    ::testing::Values(
        TokenizerCase{"bert-base-uncased", TokenizerFiles::tokenizer_json, "BertJson"},
        TokenizerCase{"bert-base-uncased", TokenizerFiles::vocab_files, "BertVocabTxt"},
        TokenizerCase{"gpt2", TokenizerFiles::tokenizer_json, "Gpt2Json"},
        TokenizerCase{"gpt2", TokenizerFiles::vocab_files, "Gpt2VocabMerges"},
        TokenizerCase{"smollm2", TokenizerFiles::tokenizer_json, "SmolLM2"},
        TokenizerCase{"mistral-7b", TokenizerFiles::tokenizer_json, "Mistral7B"},
        TokenizerCase{"llama3", TokenizerFiles::tokenizer_json, "Llama3"},
        TokenizerCase{"qwen3", TokenizerFiles::tokenizer_json, "Qwen3"},
        TokenizerCase{"gemma3", TokenizerFiles::tokenizer_json, "Gemma3"}),
    [](const auto& info) { return std::string(info.param.label); });

// The strings of corpus_extra.jsonl, aimed at the newer parts (byte fallback, digits, newlines,
// <0x..> look-alikes, Metaspace at the start of a pair), with every tokenizer.json.
class ParityExtra : public ::testing::TestWithParam<const char*> {};

TEST_P(ParityExtra, MatchesHuggingFace) {
  const fs::path dir = kShared / GetParam();
  require_shared(dir);
  const auto tokenizer = attnviz::load_tokenizer(dir, TokenizerFiles::tokenizer_json);
  const auto corpus = read_jsonl(kData / "corpus_extra.jsonl");
  const auto reference =
      read_jsonl(kData / (std::string("reference_extra_") + GetParam() + ".jsonl.gz"));
  ASSERT_EQ(corpus.size(), reference.size()) << "regenerate the reference";
  ASSERT_GE(corpus.size(), 150u);
  const std::size_t failures = count_differences(*tokenizer, corpus, reference, corpus.size());
  EXPECT_EQ(failures, 0u) << failures << " of " << corpus.size()
                          << " strings differ from Hugging Face";
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, ParityExtra,
                         ::testing::Values("bert-base-uncased", "gpt2", "smollm2", "mistral-7b",
                                           "llama3", "qwen3", "gemma3"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// Other tokenizer.json pipelines, made by patching a real file
// (tests/data/tokenize/json_variants/NAME: the top-level keys of patch.json replace those of the
// base folder's tokenizer.json, as make_reference.py does).
class JsonVariant : public ::testing::TestWithParam<const char*> {};

TEST_P(JsonVariant, MatchesHuggingFaceOnWholeCorpus) {
  const fs::path variant = kData / "json_variants" / GetParam();
  std::string base;
  std::ifstream(variant / "base") >> base;
  require_shared(kShared / base);
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(kShared / base / "tokenizer.json"));
  doc.update(nlohmann::json::parse(std::ifstream(variant / "patch.json")));
  const fs::path dir =
      fs::temp_directory_path() / (std::string("attnviz_json_variant_") + GetParam());
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "tokenizer.json") << doc.dump();
  const auto tokenizer = attnviz::load_tokenizer(dir);
  fs::remove_all(dir);
  const auto corpus = read_jsonl(kData / "corpus.jsonl");
  fs::path reference_path = kData / (std::string("reference_json_") + GetParam() + ".jsonl");
  if (!fs::exists(reference_path)) reference_path += ".gz";
  const auto reference = read_jsonl(reference_path);
  ASSERT_EQ(corpus.size(), reference.size());
  const std::size_t failures = count_differences(*tokenizer, corpus, reference, corpus.size());
  EXPECT_EQ(failures, 0u) << failures << " of " << corpus.size()
                          << " strings differ from Hugging Face";
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, JsonVariant,
                         ::testing::Values("roberta_like", "metaspace_first", "metaspace_split",
                                           "digits_punctuation"));

// Small tokenizer.json files made by HF itself for the parts no shared file uses
// (tests/data/tokenize/hf_made, scripts/tokenizer_reference/make_hf_made_fixtures.py): a
// SentencePiece unigram model converted by transformers (Precompiled, NFKD, Metaspace, Unigram), a
// trained Unigram with byte fallback behind WhitespaceSplit + Metaspace, a Precompiled charsmap of
// custom rules that expand and remove characters, a trained WordLevel.
class HfMade : public ::testing::TestWithParam<const char*> {
 protected:
  static void expect_parity(const char* corpus_file, const std::string& reference_file,
                            std::size_t min_rows) {
    const auto tokenizer = attnviz::testing::load_hf_made(GetParam());
    const auto corpus = read_jsonl(kData / corpus_file);
    const auto reference = read_jsonl(kData / reference_file);
    ASSERT_EQ(corpus.size(), reference.size()) << "regenerate the reference";
    ASSERT_GE(corpus.size(), min_rows);
    const std::size_t failures = count_differences(*tokenizer, corpus, reference, corpus.size());
    EXPECT_EQ(failures, 0u) << failures << " of " << corpus.size()
                            << " strings differ from Hugging Face";
  }
};

TEST_P(HfMade, MatchesHuggingFaceOnWholeCorpus) {
  expect_parity("corpus.jsonl", std::string("reference_hf_") + GetParam() + ".jsonl.gz", 2000);
}

TEST_P(HfMade, MatchesHuggingFaceOnExtraCorpus) {
  expect_parity("corpus_extra.jsonl", std::string("reference_extra_hf_") + GetParam() + ".jsonl.gz",
                150);
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, HfMade,
                         ::testing::Values("unigram_albert", "unigram_bytes", "unigram_rules",
                                           "wordlevel"));

// The example of HF's Unigram::encode documentation (models/unigram/model.rs): the best path, and a
// run of unknown characters fused into one piece named by its text; with byte_fallback, that run
// as <0xNN> pieces when every byte has one, else still the unknown piece. Ids, tokens and spans
// from HF's tokenizers 0.20.3.
TEST(UnigramSpotCheck, HfDocumentationExample) {
  const fs::path dir = fs::temp_directory_path() / "attnviz_unigram_spot_check";
  fs::create_directories(dir);
  auto load = [&](bool byte_fallback) {
    nlohmann::json model = {{"type", "Unigram"}, {"unk_id", 0}, {"byte_fallback", byte_fallback}};
    model["vocab"] = nlohmann::json::parse(
        R"([["<unk>", 0.0], ["a", 0.0], ["b", 0.0], ["c", 0.0], ["d", 0.0], ["cd", 1.0],
            ["ab", 2.0], ["abc", 5.0], ["abcd", 10.0], ["<0x78>", 0.0]])");
    std::ofstream(dir / "tokenizer.json") << nlohmann::json({{"model", model}}).dump();
    return attnviz::load_tokenizer(dir);
  };
  const auto plain = load(false)->encode("abcdacdxx");
  EXPECT_EQ(plain.ids, (std::vector<std::int64_t>{8, 1, 5, 0}));
  EXPECT_EQ(plain.tokens, (std::vector<std::string>{"abcd", "a", "cd", "xx"}));
  EXPECT_EQ(plain.spans[3].begin, 7u);
  EXPECT_EQ(plain.spans[3].end, 9u);
  const auto tokenizer = load(true);
  const auto bytes = tokenizer->encode("abcdacdxx");
  EXPECT_EQ(bytes.ids, (std::vector<std::int64_t>{8, 1, 5, 9, 9}));
  for (std::size_t i = 3; i < 5; ++i) {
    EXPECT_EQ(bytes.spans[i].begin, 7u);
    EXPECT_EQ(bytes.spans[i].end, 9u);
  }
  const auto missing_byte = tokenizer->encode("abcdacdxx\xC3\xA9");  // no <0xC3>: unknown
  EXPECT_EQ(missing_byte.ids, (std::vector<std::int64_t>{8, 1, 5, 0}));
  EXPECT_EQ(missing_byte.tokens.back(), "xx\xC3\xA9");
  fs::remove_all(dir);
}

// unigram_rules' charsmap expands fullwidth A to "AA" and removes U+200B, which the corpus does not
// show together; spans as HF's tokenizers 0.20.3 gives them (an expansion spans its character).
TEST(UnigramSpotCheck, PrecompiledExpandsAndRemoves) {
  const auto tokenizer = attnviz::testing::load_hf_made("unigram_rules");
  const auto enc = tokenizer->encode("cab\uFF21\uFF21dab \u200B\uFF21");
  EXPECT_EQ(enc.ids, (std::vector<std::int64_t>{7, 0, 11, 9, 0}));
  EXPECT_EQ(enc.tokens, (std::vector<std::string>{"\u2581cab", "AAAA", "dab", "\u2581", "AA"}));
  const std::vector<std::pair<std::size_t, std::size_t>> spans = {
      {0, 3}, {3, 9}, {9, 12}, {12, 13}, {16, 19}};
  for (std::size_t i = 0; i < spans.size(); ++i) {
    EXPECT_EQ(enc.spans[i].begin, spans[i].first) << i;
    EXPECT_EQ(enc.spans[i].end, spans[i].second) << i;
  }
}

// Figures that cannot drift (from the tokenizers README and HF).
class TokenizeSpotCheck : public ::testing::Test {
 protected:
  static std::unique_ptr<attnviz::Tokenizer> load(const char* model, TokenizerFiles files) {
    return attnviz::load_tokenizer(kShared / model, files);
  }
  void SetUp() override { require_shared(kShared); }
};

TEST_F(TokenizeSpotCheck, HelloWorld) {
  for (const auto files : {TokenizerFiles::tokenizer_json, TokenizerFiles::vocab_files}) {
    EXPECT_EQ(load("bert-base-uncased", files)->encode("Hello world!").ids,
              (std::vector<std::int64_t>{101, 7592, 2088, 999, 102}));
    EXPECT_EQ(load("gpt2", files)->encode("Hello world!").ids,
              (std::vector<std::int64_t>{15496, 995, 0}));
  }
}

TEST_F(TokenizeSpotCheck, WinogradBert) {
  const auto enc = load("bert-base-uncased", TokenizerFiles::automatic)
                       ->encode("The animal didn't cross the street because it was too tired.");
  EXPECT_EQ(enc.ids, (std::vector<std::int64_t>{101, 1996, 4111, 2134, 1005, 1056, 2892, 1996, 2395,
                                                2138, 2009, 2001, 2205, 5458, 1012, 102}));
}

TEST_F(TokenizeSpotCheck, DisplayAndSpans) {
  const auto bert =
      load("bert-base-uncased", TokenizerFiles::automatic)->encode("Tokenizing [MASK]\n");
  EXPECT_EQ(bert.tokens,
            (std::vector<std::string>{"[CLS]", "token", "##izing", "[MASK]", "[SEP]"}));
  EXPECT_EQ(bert.display,
            (std::vector<std::string>{"[CLS]", "token", "·izing", "[MASK]", "[SEP]"}));
  EXPECT_EQ(bert.special, (std::vector<bool>{true, false, false, false, true}));
  EXPECT_EQ(bert.spans[2].begin, 5u);
  EXPECT_EQ(bert.spans[2].end, 10u);
  EXPECT_EQ(bert.spans[4].begin, 18u);  // [SEP] sits at the end of the text

  const auto gpt2 = load("gpt2", TokenizerFiles::automatic)->encode("Hello world\n\n<|endoftext|>");
  EXPECT_EQ(gpt2.tokens, (std::vector<std::string>{"Hello", "Ġworld", "ĊĊ", "<|endoftext|>"}));
  EXPECT_EQ(gpt2.display, (std::vector<std::string>{"Hello", "world", "↵↵", "<|endoftext|>"}));
  const auto split = load("gpt2", TokenizerFiles::automatic)->encode(" antidisestablishment  ");
  EXPECT_EQ(split.tokens, (std::vector<std::string>{"Ġant", "idis", "establishment", "Ġ", "Ġ"}));
  EXPECT_EQ(split.display, (std::vector<std::string>{"ant", "·idis", "·establishment", "␣", "·␣"}));
  EXPECT_EQ(split.spans[0].begin,
            0u);  // the span keeps the leading space, as HF's offsets do for gpt2
  EXPECT_EQ(split.spans[1].begin, 4u);

  // A byte-level token holding part of a character shows its bytes; both pieces span the whole
  // emoji.
  const auto emoji = load("gpt2", TokenizerFiles::automatic)->encode("\xF0\x9F\x98\x80");
  EXPECT_EQ(emoji.display, (std::vector<std::string>{"\\xF0\\x9F\\x98", "·\\x80"}));
  EXPECT_EQ(emoji.spans[1].begin, 0u);
  EXPECT_EQ(emoji.spans[1].end, 4u);
}

// The README's reference ids of ../shared/tokenizers.
TEST_F(TokenizeSpotCheck, ReadmeReferenceIds) {
  const std::vector<std::pair<const char*, std::vector<std::int64_t>>> hello = {
      {"smollm2", {1, 19556, 905, 17}},
      {"mistral-7b", {1, 22557, 1526, 28808}},
      {"llama3", {9906, 1917, 0}},
      {"qwen3", {9707, 1879, 0}},
      {"gemma3", {2, 9259, 1902, 236888}}};
  for (const auto& [model, ids] : hello) {
    EXPECT_EQ(load(model, TokenizerFiles::automatic)->encode("Hello world!").ids, ids) << model;
  }
  EXPECT_EQ(load("mistral-7b", TokenizerFiles::automatic)->encode_pair("Hi", "there").ids,
            (std::vector<std::int64_t>{1, 15359, 1, 736}));
  EXPECT_EQ(load("gemma3", TokenizerFiles::automatic)->encode_pair("Hi", "there").ids,
            (std::vector<std::int64_t>{2, 10979, 2, 13534}));
}

// SentencePiece-style BPE: ▁ shown as the word's start, <0xNN> as its byte (a newline as ↵, the
// bytes of a character the vocabulary lacks as \xNN), every byte token spanning its character.
TEST_F(TokenizeSpotCheck, MetaspaceAndByteFallbackDisplay) {
  const auto enc = load("mistral-7b", TokenizerFiles::automatic)
                       ->encode("Hi\n\nthere \xE2\x82\xAC\xF0\x9D\x94\x98");
  EXPECT_EQ(enc.tokens, (std::vector<std::string>{"<s>", "▁Hi", "<0x0A>", "<0x0A>", "there", "▁€",
                                                  "<0xF0>", "<0x9D>", "<0x94>", "<0x98>"}));
  EXPECT_EQ(enc.display, (std::vector<std::string>{"<s>", "Hi", "·↵", "·↵", "·there", "€", "·\\xF0",
                                                   "·\\x9D", "·\\x94", "·\\x98"}));
  for (std::size_t i = 6; i < 10; ++i) {
    EXPECT_EQ(enc.spans[i].begin, 13u);
    EXPECT_EQ(enc.spans[i].end, 17u);
  }
  const auto gemma = load("gemma3", TokenizerFiles::automatic)->encode("Hi\n\nthere \xE2\x82\xAC");
  // Gemma's "\n\n" is an added token, so "there" begins a word of its own.
  EXPECT_EQ(gemma.display, (std::vector<std::string>{"<bos>", "Hi", "↵↵", "there", "€"}));
  const auto llama = load("llama3", TokenizerFiles::automatic)->encode(" Hello 12345");
  EXPECT_EQ(llama.display, (std::vector<std::string>{"Hello", "␣", "123", "45"}));
}

TEST_F(TokenizeSpotCheck, PairSpansAreIntoEachSentence) {
  const auto enc =
      load("bert-base-uncased", TokenizerFiles::automatic)->encode_pair("Hello", "big world");
  ASSERT_EQ(enc.ids, (std::vector<std::int64_t>{101, 7592, 102, 2502, 2088, 102}));
  EXPECT_EQ(enc.type_ids, (std::vector<std::int64_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(enc.spans[4].begin, 4u);  // "world" in "big world"
  EXPECT_EQ(enc.spans[4].end, 9u);
}

TEST_F(TokenizeSpotCheck, UnknownId) {
  const auto bert = load("bert-base-uncased", TokenizerFiles::automatic);
  ASSERT_EQ(bert->unknown_id(), std::optional<std::int64_t>(100));
  EXPECT_EQ(bert->encode("\xF0\x9F\x98\x80").ids[1], 100);  // an emoji is [UNK] for BERT
  EXPECT_EQ(load("gpt2", TokenizerFiles::vocab_files)->unknown_id(),
            std::nullopt);  // bytes cover everything
}

TEST_F(TokenizeSpotCheck, VocabularyAccess) {
  const auto bert = load("bert-base-uncased", TokenizerFiles::automatic);
  EXPECT_EQ(bert->vocab_size(), 30522u);
  EXPECT_EQ(bert->id_to_token(103), "[MASK]");
  EXPECT_EQ(bert->id_to_token(-1), "");
  const auto gpt2 = load("gpt2", TokenizerFiles::vocab_files);
  EXPECT_EQ(gpt2->vocab_size(), 50257u);
  EXPECT_EQ(gpt2->id_to_token(50256), "<|endoftext|>");
}

}  // namespace
