// Random input, seeded: valid UTF-8 never throws and always yields a well-formed Encoding; invalid
// UTF-8 always gives attnviz::Error. Run under ASan/UBSan this also hunts memory errors in every
// tokenizer path.
#include <gtest/gtest.h>

#include <algorithm>

#include <random>
#include <string>

#include "attnviz/error.hpp"
#include "attnviz/tokenizer.hpp"
#include "reference_compare.hpp"
#include "unicode.hpp"  // src/tokenize: append_utf8

namespace {

namespace fs = std::filesystem;
using attnviz::testing::kSharedTokenizers;
using attnviz::testing::kTokenizeData;

// Mostly ASCII, spaces and specials, with code points from every plane (surrogates excluded).
std::string random_text(std::mt19937& rng) {
  static const char* const pieces[] = {
      " ", "  ", "\n",  "\t", "'s", "[MASK]",   "<|endoftext|>", "##",
      "Ġ", "▁",  "1,0", "``", "''", "\xC2\xA0", "\xE3\x80\x80",  "\xE2\x80\x8B"};
  std::string text;
  const int n = std::uniform_int_distribution<int>(0, 40)(rng);
  for (int i = 0; i < n; ++i) {
    const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
    if (kind < 4) {
      text += static_cast<char>(std::uniform_int_distribution<int>(0x20, 0x7E)(rng));
    } else if (kind < 6) {
      text += pieces[std::uniform_int_distribution<std::size_t>(0, std::size(pieces) - 1)(rng)];
    } else {
      char32_t c;
      do {
        c = std::uniform_int_distribution<char32_t>(0, kind < 9 ? 0xFFFF : 0x10FFFF)(rng);
      } while (c >= 0xD800 && c <= 0xDFFF);
      attnviz::tokenize::append_utf8(c, text);
    }
  }
  return text;
}

// The first a_tokens tokens from the text are sentence A's, the rest B's (with XLM-R's template
// both have type id 0).
void expect_well_formed(const attnviz::Encoding& enc, std::size_t size_a, std::size_t size_b,
                        std::size_t a_tokens, const attnviz::Tokenizer& tokenizer,
                        const std::string& text) {
  const std::size_t n = enc.ids.size();
  ASSERT_TRUE(enc.type_ids.size() == n && enc.tokens.size() == n && enc.display.size() == n &&
              enc.spans.size() == n && enc.special.size() == n)
      << text;
  for (std::size_t i = 0, text_tokens = 0; i < n; ++i) {
    // B's spans are into B; a template's special token sits, empty, at the end of the sequence
    // before it, whatever its type id (Llama's "<s> A <s> B" gives the second <s> type id 1).
    const std::size_t size = enc.special[i]             ? std::max(size_a, size_b)
                             : text_tokens++ < a_tokens ? size_a
                                                        : size_b;
    EXPECT_LE(enc.spans[i].begin, enc.spans[i].end) << text;
    if (enc.special[i]) {
      EXPECT_EQ(enc.spans[i].begin, enc.spans[i].end) << text;
    }
    EXPECT_LE(enc.spans[i].end, size) << text;
    EXPECT_FALSE(enc.display[i].empty()) << text;
    EXPECT_FALSE(tokenizer.id_to_token(enc.ids[i]).empty())
        << "id " << enc.ids[i] << " in " << text;
  }
}

class Fuzz : public ::testing::TestWithParam<const char*> {};

TEST_P(Fuzz, RandomTextGivesWellFormedEncodingsOrErrors) {
  const std::string name = GetParam();
  const bool hf_made = fs::exists(kTokenizeData / "hf_made" / name);
  const fs::path dir = name == "albert_like" ? kTokenizeData / name : kSharedTokenizers / name;
  ASSERT_TRUE(hf_made || fs::exists(dir)) << "tokenizer files not found at " << dir;
  const auto tokenizer =
      hf_made ? attnviz::testing::load_hf_made(name) : attnviz::load_tokenizer(dir);
  std::mt19937 rng(20241122);
  for (int round = 0; round < 1500; ++round) {
    const std::string a = random_text(rng);
    const std::string b = random_text(rng);
    const attnviz::Encoding single = tokenizer->encode(a);
    const auto a_tokens =
        static_cast<std::size_t>(std::count(single.special.begin(), single.special.end(), false));
    expect_well_formed(single, a.size(), 0, a_tokens, *tokenizer, a);
    expect_well_formed(tokenizer->encode_pair(a, b), a.size(), b.size(), a_tokens, *tokenizer,
                       a + " | " + b);
    // Break the UTF-8: a stray continuation byte, a truncated sequence or an impossible byte.
    std::string bad = a;  // anywhere, even inside a character: the result is invalid either way
    const char* breakers[] = {"\x80", "\xE3\x80", "\xFF", "\xC0\xAF", "\xED\xA0\x80"};
    bad.insert(std::uniform_int_distribution<std::size_t>(0, a.size())(rng),
               breakers[round % std::size(breakers)]);
    EXPECT_THROW(tokenizer->encode(bad), attnviz::Error) << bad;
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, Fuzz,
                         ::testing::Values("bert-base-uncased", "gpt2", "albert_like", "smollm2",
                                           "mistral-7b", "llama3", "qwen3", "gemma3",
                                           "unigram_albert", "unigram_bytes", "unigram_rules",
                                           "wordlevel"));

}  // namespace
