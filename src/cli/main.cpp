#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "attnviz/error.hpp"
#include "commands.hpp"

namespace attnviz::cli {
extern const char* const kFamilyNames;  // the model table's model_types, read at configure time
extern const char* const kSeq2SeqFamilyNames;  // the encoder-decoder table's
}  // namespace attnviz::cli

namespace {

// What the help says after the families: numbering, examples, where models come from.
constexpr const char* kUsage =
    R"(Layers and heads are numbered from 1, as in "Layer 10, Head 5" (transformers' attentions[9][0, 4]).

Examples:
  attnviz --model bert --layer 10 --head 5 "The animal didn't cross the street because it was too tired."
  attnviz --model bert --layer 10 --head mean "..."            average of the layer's heads
  attnviz --model bert --layer 10 --head all "..."             grid of the layer's heads
  attnviz --model gpt2 --layer all "..."                       every layer and head (a static model view)
  attnviz --model bert --layer 10 --head 5 --focus it "... too tired." --compare "... too wide."
  attnviz --model bert --layer 10 --head 5 --print "..."       top attended tokens as text
  attnviz --model bert --layer 3 --head 2 --pair "Second sentence." "First sentence."
  attnviz batch examples/winograd_pairs.tsv --model bert -o winograd/
  attnviz html --model bert "..." -o view.html                 interactive offline view
  attnviz heads --model bert -o heads/                         what each head does, over a corpus
  attnviz tokenize --model bert "..."
  attnviz dump --model bert "..." -o attention.npy
  attnviz render attention.npy --layer 10 --head 5 -o it.png   saved attentions, no model

Models: an alias of models/aliases.json (bert, gpt2, smollm2, minilm, ...), any Hugging Face id, a
folder under models/, or a model directory (config.json, model.safetensors or pytorch_model.bin, tokenizer files). Names are looked up
in the Hugging Face cache (HF_HUB_CACHE, HF_HOME) and downloaded from HF_ENDPOINT when missing;
HF_HUB_OFFLINE=1 never touches the network.)";

// `text` with spaces turned into line breaks where a line would pass `width` columns.
std::string wrapped(const std::string& text, std::size_t width) {
  std::string out = text;
  std::size_t line_start = 0;
  std::size_t last_space = std::string::npos;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == ' ') last_space = i;
    if (i - line_start >= width && last_space != std::string::npos) {
      out[last_space] = '\n';
      line_start = last_space + 1;
      last_space = std::string::npos;
    }
  }
  return out;
}

// The help's first screen: what attnviz runs, every family of the model table by name.
std::string description() {
  const std::string runs =
      std::string(
          "Runs a checkpoint of any family in its model table and draws the attention "
          "probabilities of its layers and heads. Families (config.json's model_type): ") +
      attnviz::cli::kFamilyNames +
      "; encoder-decoders (a source and --target): " + attnviz::cli::kSeq2SeqFamilyNames +
      ". What each covers: the README's table under \"Pointing it at a model\". Any other model "
      "runs as a TorchScript export (scripts/export_torchscript.py).";
  return "attnviz: see where a transformer's attention goes.\n\n" + wrapped(runs, 100) + "\n\n" +
         kUsage;
}

// Exit status of a command line that could not be parsed (an unknown option, a value out of range).
constexpr int kUsageError = 2;

// The command line run; its exit status.
int run(int argc, char** argv) {
  CLI::App app(description(), "attnviz");
  app.get_formatter()->column_width(34);
  app.require_subcommand(0, 1);
  attnviz::cli::add_view_options(app);
  attnviz::cli::add_batch_command(app);
  attnviz::cli::add_html_command(app);
  attnviz::cli::add_heads_command(app);
  attnviz::cli::add_tokenize_command(app);
  attnviz::cli::add_dump_command(app);
  attnviz::cli::add_render_command(app);
  attnviz::cli::add_serve_command(app);
  if (argc == 1) {
    std::cout << app.help();
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own exit status (batch: 3 when lines were skipped)
  } catch (const CLI::ExtrasError& e) {
    const auto extras = app.remaining(true);
    const bool unknown_option = std::any_of(
        extras.begin(), extras.end(), [](const std::string& a) { return a.rfind('-', 0) == 0; });
    std::cerr << "attnviz: error: " << e.what()
              << (unknown_option ? "; no such option" : "; put a sentence with spaces in quotes")
              << " (see attnviz --help)\n";
    return kUsageError;
  } catch (const CLI::ParseError& e) {
    std::cerr << "attnviz: error: " << e.what() << " (see attnviz --help)\n";
    return kUsageError;
  } catch (const attnviz::Error& e) {
    std::cerr << "attnviz: error: " << e.what() << '\n';
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // A file a stage could not even look at, such as a symbolic link that leads to itself.
    const bool loop = e.code() == std::errc::too_many_symbolic_link_levels;
    std::cerr << "attnviz: error: " << e.path1().string() << ": " << e.code().message()
              << (loop ? " (a symbolic link loop): replace the link with the file it stands for"
                       : ": check that it exists and is readable")
              << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "attnviz: internal error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int status = run(argc, argv);
#if defined(__SANITIZE_ADDRESS__)
  return status;  // a normal exit, so that LeakSanitizer still checks
#else
  // Every file attnviz writes is closed by now. Skipping static destructors saves ~50 ms a run,
  // most of it libtorch deregistering its operators one by one.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(status);
#endif
}
