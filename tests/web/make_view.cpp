// Test and benchmark helper: writes an HTML view of a synthetic attention.
//   make_view OUT.html [--layers L] [--heads H] [--n N] [--head-dim D] [--causal] [--xss] [--pair]
//                      [--rollout] [--pair-n M] (B of the pair has M tokens: A's first M - 1 and
//                      [SEP])
//                      [--no-font] [--seed S] [--title T] [--dump WEIGHTS.json]
// --dump also writes the exact float weights of the (first) input, for the browser test to check
// the page against.
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "attnviz/error.hpp"
#include "attnviz/html_view.hpp"
#include "attnviz/output_file.hpp"
#include "synthetic_attention.hpp"

namespace {

attnviz::Attention read_bin(const std::string& path, const attnviz::testing::SyntheticSpec& spec) {
  attnviz::Attention a;
  a.layers = spec.layers;
  a.heads = spec.heads;
  a.n = spec.n;
  a.causal = spec.causal;
  a.weights.resize(static_cast<std::size_t>(a.layers) * a.heads * a.n * a.n);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(a.weights.data()),
          static_cast<std::streamsize>(a.weights.size() * sizeof(float)));
  if (!in)
    throw attnviz::Error("cannot read " + std::to_string(a.weights.size()) + " floats from " +
                         path);
  std::ifstream tokens(path + ".tokens.json");
  a.tokens = nlohmann::json::parse(tokens).get<std::vector<std::string>>();
  a.special.assign(a.n, false);
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  using attnviz::testing::SyntheticSpec;
  if (argc < 2) {
    std::cerr << "usage: make_view OUT.html [--layers L] [--heads H] [--n N] [--head-dim D] "
                 "[--causal] [--xss] [--pair] [--pair-n M] [--rollout] [--no-font] [--no-vectors] "
                 "[--weight-bits B] [--sentence-b I] [--cross M] [--seed S] [--title T] "
                 "[--dump WEIGHTS.json] "
                 "[--dump-bin WEIGHTS.f32]\n";
    return 2;
  }
  SyntheticSpec spec;
  attnviz::HtmlOptions options;
  options.title = "synthetic attention";
  options.model_name = "test model";
  bool pair = false;
  bool rollout = false;  // the page names the input's layers as rollouts
  std::string dump;
  std::string dump_bin;
  std::string from_bin;
  int sentence_b = 0;
  int pair_n = 0;  // 0: B as long as A
  int cross = 0;   // > 0: an encoder-decoder's page, this many decoder tokens
  try {
    for (int i = 2; i < argc; ++i) {
      const std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw attnviz::Error(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--layers")
        spec.layers = std::stoi(value());
      else if (arg == "--heads")
        spec.heads = std::stoi(value());
      else if (arg == "--n")
        spec.n = std::stoi(value());
      else if (arg == "--head-dim")
        spec.head_dim = std::stoi(value());
      else if (arg == "--seed")
        spec.seed = static_cast<std::uint32_t>(std::stoul(value()));
      else if (arg == "--title")
        options.title = value();
      else if (arg == "--dump")
        dump = value();
      else if (arg == "--dump-bin")
        dump_bin = value();
      else if (arg == "--from-bin")
        from_bin = value();
      else if (arg == "--sentence-b")
        sentence_b = std::stoi(value());
      else if (arg == "--weight-bits")
        options.weight_bits = std::stoi(value());
      else if (arg == "--no-vectors")
        options.include_vectors = false;
      else if (arg == "--causal")
        spec.causal = true;
      else if (arg == "--xss")
        spec.xss = true;
      else if (arg == "--pair")
        pair = true;
      else if (arg == "--rollout")
        rollout = true;
      else if (arg == "--pair-n")
        pair_n = std::stoi(value());
      else if (arg == "--cross")
        cross = std::stoi(value());
      else if (arg == "--no-font")
        options.embed_font = false;
      else
        throw attnviz::Error("unknown option " + arg);
    }
    attnviz::Attention a =
        from_bin.empty() ? attnviz::testing::synthetic_attention(spec) : read_bin(from_bin, spec);
    // --cross M: `a` becomes the cross attention of M decoder tokens (a's first M rows, each a
    // distribution over a's n tokens as keys); the page shows Encoder, Decoder, Cross.
    attnviz::Attention encoder, decoder;
    if (cross > 0) {
      if (cross > a.n) throw attnviz::Error("--cross must be at most --n");
      encoder = a;
      encoder.queries.clear();
      encoder.keys.clear();
      encoder.head_dim = 0;
      SyntheticSpec d = spec;
      d.n = cross;
      d.causal = true;
      d.seed = spec.seed + 7;
      d.head_dim = 0;
      decoder = attnviz::testing::synthetic_attention(d);
      attnviz::Attention c = encoder;
      c.n = cross;
      c.key_count = a.n;
      c.key_tokens = a.tokens;
      c.key_special = a.special;
      c.tokens = decoder.tokens;
      c.special = decoder.special;
      c.weights.clear();
      for (int m = 0; m < a.layers * a.heads; ++m)
        c.weights.insert(c.weights.end(), a.weights.begin() + std::size_t(m) * a.n * a.n,
                         a.weights.begin() + std::size_t(m) * a.n * a.n + std::size_t(cross) * a.n);
      a = std::move(c);
    }
    if (!dump.empty()) {
      std::ofstream out(dump);
      out << nlohmann::json{{"layers", a.layers},     {"heads", a.heads},   {"n", a.n},
                            {"columns", a.columns()}, {"tokens", a.tokens}, {"weights", a.weights}}
                 .dump();
      if (!out) throw attnviz::Error("cannot write " + dump);
    }
    if (!dump_bin.empty()) {
      std::ofstream out(dump_bin, std::ios::binary);
      out.write(reinterpret_cast<const char*>(a.weights.data()),
                static_cast<std::streamsize>(a.weights.size() * sizeof(float)));
      std::ofstream(dump_bin + ".tokens.json") << nlohmann::json(a.tokens).dump();
      if (!out) throw attnviz::Error("cannot write " + dump_bin);
    }
    if (cross > 0) {
      options.input_label = "Attention";  // as attnviz html --from labels an encoder-decoder's
      attnviz::write_output_file(
          argv[1], "HTML page",
          {attnviz::html_view({{&encoder, "Encoder"}, {&decoder, "Decoder"}, {&a, "Cross"}},
                              options)});
      return 0;
    }
    if (!pair) {
      const auto start = std::chrono::steady_clock::now();
      const std::string page = attnviz::html_view({{&a, "", sentence_b, rollout}}, options);
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      std::cerr << "html_view_ms " << took.count() << "\n";
      attnviz::write_output_file(argv[1], "HTML page", {page});
      return 0;
    }
    SyntheticSpec other = spec;
    other.seed = spec.seed + 1;
    if (pair_n > 0) other.n = pair_n;
    const attnviz::Attention b = attnviz::testing::synthetic_attention(other);
    attnviz::write_output_file(
        argv[1], "HTML page",
        {attnviz::html_view({{&a, "A: first sentence"}, {&b, "B: second sentence"}}, options)});
  } catch (const std::exception& e) {
    std::cerr << "make_view: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
