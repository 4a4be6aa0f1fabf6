#include "attnviz/html_view.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attnviz/error.hpp"
#include "attnviz/output_file.hpp"
#include "page_reader.hpp"
#include "synthetic_attention.hpp"

namespace attnviz {
namespace {

using testing::f32_at;
using testing::inflate_block;
using testing::meta_of;
using testing::script_text;
using testing::synthetic_attention;
using testing::SyntheticSpec;

HtmlOptions options() {
  HtmlOptions o;
  o.title = "t";
  o.model_name = "m";
  return o;
}

// Decodes every weight of every layer from the page and checks it against the input within the
// stated bound.
void expect_weights_round_trip(const Attention& a, const std::string& page) {
  const double levels = meta_of(page)["weight_levels"].get<double>();
  const std::size_t n = a.n;
  const std::size_t per_head = a.causal ? n * (n + 1) / 2 : n * n;
  for (int l = 0; l < a.layers; ++l) {
    const std::size_t size = a.heads * (n * 4 + per_head);
    const std::vector<std::uint8_t> bytes =
        inflate_block(page, "av-0-w-" + std::to_string(l), size);
    ASSERT_EQ(bytes.size(), size) << "layer " << l;
    std::size_t code = a.heads * n * 4;
    for (int h = 0; h < a.heads; ++h) {
      for (std::size_t r = 0; r < n; ++r) {
        const float scale = f32_at(bytes, h * n + r);
        const std::size_t len = a.causal ? r + 1 : n;
        for (std::size_t c = 0; c < len; ++c, ++code) {
          const double decoded = scale * bytes[code] / levels;
          ASSERT_NEAR(decoded, a.at(l, h, r, c), scale / (2 * levels) + 1e-7)
              << l << "/" << h << "/" << r << "/" << c;
        }
      }
    }
    EXPECT_EQ(code, size);
  }
}

TEST(HtmlView, WeightsRoundTripWithinTheStatedError) {
  const Attention a = synthetic_attention({2, 3, 9, 0, false, false, 7});
  expect_weights_round_trip(a, html_view(a, options()));
}

TEST(HtmlView, FewerBitsPerWeightKeepTheirStatedError) {
  const Attention a = synthetic_attention({1, 2, 40, 0, false, false, 9});
  HtmlOptions o = options();
  o.weight_bits = 6;
  const std::string page = html_view(a, o);
  const nlohmann::json meta = meta_of(page);
  EXPECT_EQ(meta["weight_levels"], 63);
  EXPECT_NE(meta["storage"].get<std::string>().find("6-bit per row"), std::string::npos);
  expect_weights_round_trip(a, page);
  EXPECT_LT(page.size(), html_view(a, options()).size());
  o.weight_bits = 9;
  EXPECT_THROW(html_view(a, o), Error);
}

TEST(HtmlView, CausalInputStoresOnlyKeysUpToTheQuery) {
  const Attention a = synthetic_attention({2, 2, 11, 0, true, false, 3});
  const std::string page = html_view(a, options());
  expect_weights_round_trip(a, page);
  EXPECT_TRUE(meta_of(page)["inputs"][0]["causal"].get<bool>());
}

TEST(HtmlView, NearZeroWeightsOfAPeakedHeadCostAlmostNothing) {
  // A sink head as in GPT-2: most of each row on token 0, the rest spread thin.
  const int n = 256;
  Attention a = synthetic_attention({1, 1, n, 0, false, false, 1});
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) a.weights[r * n + c] = c == 0 ? 0.9f : 0.1f / (n - 1);
  const std::string page = html_view(a, options());
  EXPECT_LT(script_text(page, "av-0-w-0").size(), 2000u);  // raw: 1 KB scales + 64 KB codes
  expect_weights_round_trip(a, page);
}

TEST(HtmlView, QueriesAndKeysRoundTripForTheNeuronView) {
  const Attention a = synthetic_attention({2, 2, 5, 8, false, false, 5});
  const std::string page = html_view(a, options());
  EXPECT_EQ(meta_of(page)["inputs"][0]["head_dim"], 8);
  const std::size_t n = 5, d = 8;
  const std::vector<std::uint8_t> bytes = inflate_block(page, "av-0-v-1", 2 * 2 * n * (4 + d));
  ASSERT_EQ(bytes.size(), 2 * 2 * n * (4 + d));
  for (int h = 0; h < 2; ++h) {
    for (int which = 0; which < 2; ++which) {
      const std::vector<float>& src = which == 0 ? a.queries : a.keys;
      for (std::size_t r = 0; r < n; ++r) {
        const std::size_t v = (h * 2 + which) * n + r;
        const float scale = f32_at(bytes, v);
        for (std::size_t i = 0; i < d; ++i) {
          const auto code = static_cast<std::int8_t>(bytes[2 * 2 * n * 4 + v * d + i]);
          const float expected = src[((1 * 2 + h) * n + r) * d + i];
          ASSERT_NEAR(scale * code / 127.0, expected, scale / 254.0 + 1e-6);
        }
      }
    }
  }
}

TEST(HtmlView, VectorsCanBeLeftOut) {
  const Attention a = synthetic_attention({1, 2, 5, 8, false, false, 5});
  HtmlOptions o = options();
  o.include_vectors = false;
  const std::string page = html_view(a, o);
  EXPECT_EQ(meta_of(page)["inputs"][0]["head_dim"], 0);
  EXPECT_EQ(page.find("av-0-v-0"), std::string::npos);
  EXPECT_NE(html_view(a, options()).find("av-0-v-0"), std::string::npos);
}

TEST(HtmlView, TokenTextCannotEndTheScriptOrAddMarkup) {
  const Attention a = synthetic_attention({1, 2, 10, 0, false, true, 1});
  HtmlOptions o = options();
  o.title = "</title><script>window.__xss=5</script>";
  const std::string page = html_view(a, o);
  // Only the page's own script elements: the data block, one per layer, the bundle.
  std::size_t scripts = 0;
  for (std::size_t at = page.find("<script"); at != std::string::npos;
       at = page.find("<script", at + 1))
    ++scripts;
  EXPECT_EQ(scripts, 1u + 1u + 1u);
  for (const std::string& t : testing::xss_tokens())
    EXPECT_EQ(page.find(t), std::string::npos) << t;
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_NE(page.find("<title>&lt;/title&gt;&lt;script&gt;"), std::string::npos);
  // The data block still parses back to the exact strings.
  const nlohmann::json meta = meta_of(page);
  EXPECT_EQ(meta["inputs"][0]["tokens"].get<std::vector<std::string>>(), a.tokens);
  EXPECT_EQ(meta["title"], o.title);
}

TEST(HtmlView, InvalidUtf8TokenBecomesReplacementCharacter) {
  Attention a = synthetic_attention({1, 1, 3, 0, false, false, 1});
  a.tokens[1] = "\xe2\x82";  // half of a three-byte character, as a byte-level BPE piece can be
  const nlohmann::json meta = meta_of(html_view(a, options()));
  EXPECT_EQ(meta["inputs"][0]["tokens"][1], "\xef\xbf\xbd");
}

TEST(HtmlView, ScriptsAreLimitedByContentSecurityPolicy) {
  const std::string page = html_view(synthetic_attention({1, 1, 3, 0, false, false, 1}), options());
  const std::size_t csp = page.find("Content-Security-Policy");
  ASSERT_NE(csp, std::string::npos);
  const std::string policy = page.substr(csp, page.find('>', csp) - csp);
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(policy.find("script-src 'sha256-"), std::string::npos);
  EXPECT_EQ(policy.find("script-src 'unsafe"), std::string::npos);
}

TEST(HtmlView, FontIsEmbeddedUnlessTurnedOff) {
  const Attention a = synthetic_attention({1, 1, 3, 0, false, false, 1});
  HtmlOptions o = options();
  EXPECT_NE(html_view(a, o).find(
                "@font-face{font-family:\"DejaVu Sans\";src:url(data:font/ttf;base64,AAEAAA"),
            std::string::npos);
  o.embed_font = false;
  EXPECT_EQ(html_view(a, o).find("@font-face"), std::string::npos);
}

TEST(HtmlView, SeveralInputsKeepTheirOwnData) {
  const Attention a = synthetic_attention({1, 2, 4, 0, false, false, 1});
  const Attention b = synthetic_attention({1, 2, 6, 0, true, false, 2});
  const std::string page = html_view({{&a, "A"}, {&b, "B"}}, options());
  const nlohmann::json meta = meta_of(page);
  ASSERT_EQ(meta["inputs"].size(), 2u);
  EXPECT_EQ(meta["inputs"][1]["label"], "B");
  EXPECT_EQ(meta["inputs"][1]["n"], 6);
  EXPECT_FALSE(script_text(page, "av-1-w-0").empty());
}

TEST(HtmlView, TwoInputsCarryTheirAlignedPositionsForADifference) {
  // Sentences of different lengths: A - B is drawn on these positions, masked where one side has no
  // token (-1), as the PNG/SVG compare draws it.
  Attention a = synthetic_attention({1, 2, 6, 0, false, false, 1});
  Attention b = synthetic_attention({1, 2, 6, 0, false, false, 2});
  a.tokens = {"[CLS]", "the", "animal", "was", "tired", "[SEP]"};
  b.tokens = {"[CLS]", "the", "big", "animal", "was", "[SEP]"};
  const nlohmann::json meta = meta_of(html_view({{&a, "A"}, {&b, "B"}}, options()));
  EXPECT_EQ(meta["alignment"],
            nlohmann::json::parse("[[0,0],[1,1],[-1,2],[2,3],[3,4],[4,-1],[5,5]]"));
  EXPECT_FALSE(meta_of(html_view(a, options())).contains("alignment"));
}

TEST(HtmlView, SentencePairBoundaryIsPassedOnAndChecked) {
  const Attention a = synthetic_attention({1, 1, 6, 0, false, false, 1});
  EXPECT_EQ(meta_of(html_view({{&a, "", 3}}, options()))["inputs"][0]["sentence_b_start"], 3);
  EXPECT_EQ(meta_of(html_view(a, options()))["inputs"][0]["sentence_b_start"], 0);
  EXPECT_THROW(html_view({{&a, "", 6}}, options()), Error);
  EXPECT_THROW(html_view({{&a, "", -1}}, options()), Error);
}

void expect_error(const Attention& a, const std::string& fragment) {
  try {
    html_view(a, options());
    ADD_FAILURE() << "no error for " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(HtmlView, RejectsInconsistentInput) {
  const Attention good = synthetic_attention({2, 2, 4, 4, true, false, 1});
  Attention a = good;
  a.weights.pop_back();
  expect_error(a, "expected layers*heads*queries*keys = 64");
  a = good;
  a.tokens.pop_back();
  expect_error(a, "3 token strings for n = 4");
  a = good;
  a.weights[a.head_offset(1, 0) + 2 * 4 + 1] = std::nanf("");
  expect_error(a, "layer 1, head 0, query 2, key 1 (0-based)");
  a = good;
  a.weights[a.head_offset(0, 1) + 0 * 4 + 3] = 0.25f;
  expect_error(a, "a causal attention must be 0 after the query");
  a = good;
  a.weights[5] = -0.5f;
  expect_error(a, "must be finite and >= 0");
  a = good;
  a.keys.resize(3);
  expect_error(a, "queries/keys hold");
  a = good;
  a.heads = 0;
  expect_error(a, "must be at least 1");
  EXPECT_THROW(html_view(std::vector<HtmlInput>{}, options()), Error);
}

TEST(HtmlView, WriteFailureNamesThePathAndTheMissingFolder) {
  try {
    write_output_file("/nonexistent-dir/view.html", "HTML page",
                      {html_view(synthetic_attention({}), options())});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("cannot write the HTML page to /nonexistent-dir/view.html: "
                                   "the folder /nonexistent-dir does not exist"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace attnviz
