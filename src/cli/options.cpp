#include "options.hpp"

namespace attnviz::cli {

void add_pair_option(CLI::App& command, std::optional<std::string>& pair) {
  command.add_option("--pair", pair,
                     "A second sentence, run as a sentence pair (BERT: [CLS] A [SEP] B [SEP]); "
                     "e.g. --pair \"It was tired.\"");
}

}  // namespace attnviz::cli
