#include "options.hpp"

#include <fstream>
#include <sstream>

#include "attnviz/error.hpp"

namespace attnviz::cli {

void add_pair_option(CLI::App& command, std::optional<std::string>& pair) {
  command.add_option("--pair", pair,
                     "A second sentence, run as a sentence pair (BERT: [CLS] A [SEP] B [SEP]); "
                     "e.g. --pair \"It was tired.\"");
}

std::string text_argument(const std::string& argument) {
  if (argument.empty() || argument[0] != '@') return argument;
  const std::string path = argument.substr(1);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("cannot read " + path + " (the text of " + argument + "): no such file?");
  std::ostringstream text;
  text << file.rdbuf();
  std::string contents = text.str();
  while (!contents.empty() && (contents.back() == '\n' || contents.back() == '\r'))
    contents.pop_back();  // the file's last line end is not part of the text
  if (contents.empty()) throw Error(path + " is empty: give a file with some text to look at");
  return contents;
}

}  // namespace attnviz::cli
