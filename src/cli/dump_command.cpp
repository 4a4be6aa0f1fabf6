// `attnviz dump`: the raw attentions as a NumPy .npy [layers, heads, n, n] with a JSON sidecar.
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "attnviz/error.hpp"
#include "attnviz/output_file.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "session.hpp"
#include "view.hpp"

namespace attnviz::cli {
namespace {

struct DumpFlags {
  ModelFlags model;
  std::string sentence;
  std::optional<std::string> pair;
  std::string ids;
  ExtentOptions extent;
  std::string output = "attention.npy";
};

// NumPy format 1.0: magic, header length, a Python dict literal padded so the data starts
// 64-aligned.
void write_npy(const std::string& path, const Attention& attention) {
  std::ostringstream shape;
  shape << "(" << attention.layers << ", " << attention.heads << ", " << attention.n << ", "
        << attention.n << ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape.str() + ", }";
  const std::size_t unpadded = 10 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + '\n';
  const auto length = static_cast<std::uint16_t>(header.size());
  const char preamble[10] = {'\x93',
                             'N',
                             'U',
                             'M',
                             'P',
                             'Y',
                             '\x01',
                             '\x00',
                             static_cast<char>(length & 0xFF),
                             static_cast<char>(length >> 8)};
  write_output_file(path, "attentions (.npy)",
                    {{preamble, sizeof preamble},
                     header,
                     {reinterpret_cast<const char*>(attention.weights.data()),
                      attention.weights.size() * sizeof(float)}});
}

void run_dump(const DumpFlags& flags) {
  if (flags.sentence.empty() == flags.ids.empty())
    throw Error("give either a sentence or --ids, not both");
  const Session session = open_session(flags.model);
  const std::string text = flags.ids.empty() ? text_argument(flags.sentence) : "";
  const Encoding encoding = flags.ids.empty()
                                ? session.encode(text, flags.pair)
                                : encoding_of_ids(flags.ids, *session.tokenizer, "--ids");
  AttendOptions attend;
  attend.keep = extent_keep(flags.extent, static_cast<int>(encoding.size()));
  const Attention attention = session.attend({encoding}, attend).at(0);
  session.warn_unknown_tokens();
  write_npy(flags.output, attention);

  const std::string sidecar =
      std::filesystem::path(flags.output).replace_extension(".json").string();
  nlohmann::json meta;
  meta["model"] = session.name;
  meta["architecture"] = session.model->info().architecture;
  meta["layers"] = attention.layers;
  meta["heads"] = attention.heads;
  meta["n"] = attention.n;
  meta["shape"] = {attention.layers, attention.heads, attention.n, attention.n};
  meta["axes"] = {"layer", "head", "query", "key"};
  meta["tokens"] = encoding.tokens;
  meta["display"] = attention.tokens;
  meta["ids"] = encoding.ids;
  meta["type_ids"] = encoding.type_ids;
  meta["special"] = attention.special;
  nlohmann::json spans = nlohmann::json::array();
  for (const ByteSpan& span : encoding.spans) spans.push_back({span.begin, span.end});
  meta["spans"] = spans;  // byte ranges into text (sentence B's tokens: into pair)
  if (flags.ids.empty()) meta["text"] = text;
  if (flags.pair) meta["pair"] = *flags.pair;
  meta["causal"] = attention.causal;
  if (attention.reduced()) {  // display labels each stored row; tokens, ids, spans each position
    meta["first"] = attention.first;
    meta["block"] = attention.block;
    meta["pooling"] = attention.pooling == Pooling::mean ? "mean" : "max";
    meta["positions"] = attention.input_length();
  }
  meta["npy"] = std::filesystem::path(flags.output).filename().string();
  write_output_file(sidecar, "token sidecar (.json)", {meta.dump(2) + '\n'});
  std::cout << "wrote " << flags.output << " [" << attention.layers << ", " << attention.heads
            << ", " << attention.n << ", " << attention.n << "] and " << sidecar << '\n';
}

}  // namespace

void add_dump_command(CLI::App& app) {
  auto flags = std::make_shared<DumpFlags>();
  CLI::App* command = app.add_subcommand("dump",
                                         "Write every layer's and head's attention as a NumPy .npy "
                                         "[layers, heads, n, n] plus a JSON sidecar\n"
                                         "  e.g. attnviz dump --model bert \"The cat sat.\" -o "
                                         "cat.npy   (then numpy.load(\"cat.npy\"))");
  add_model_flags(*command, flags->model);
  command->add_option("sentence", flags->sentence, "The text to run");
  add_pair_option(*command, flags->pair);
  command->add_option("--ids", flags->ids,
                      "Token ids instead of text, comma-separated; e.g. --ids 101,7592,102");
  flags->extent.blocks = 0;  // every cell unless --blocks is given
  add_extent_options(*command, flags->extent);
  command
      ->add_option("-o,--output", flags->output,
                   "The .npy file; the sidecar gets the same name with .json; e.g. -o it.npy")
      ->capture_default_str();
  command->callback([flags] { run_dump(*flags); });
}

}  // namespace attnviz::cli
