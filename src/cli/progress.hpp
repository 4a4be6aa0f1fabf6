#pragma once

#include <unistd.h>

#include <iostream>
#include <string>

namespace attnviz::cli {

// A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise (logs).
class Progress {
 public:
  Progress(int total, std::string unit)
      : total_(total), unit_(std::move(unit)), terminal_(isatty(STDERR_FILENO) != 0) {}
  void update(int done) {
    const int tenth = total_ > 0 ? done * 10 / total_ : 10;
    if (!terminal_ && tenth == last_tenth_) return;
    last_tenth_ = tenth;
    const int width = 30;
    const int filled = total_ > 0 ? done * width / total_ : width;
    std::cerr << (terminal_ ? "\r" : "") << "[" << std::string(filled, '#')
              << std::string(width - filled, '.') << "] " << done << "/" << total_ << " " << unit_
              << (terminal_ && done < total_ ? "" : "\n") << std::flush;
  }

 private:
  int total_;
  std::string unit_;
  bool terminal_;
  int last_tenth_ = -1;
};

}  // namespace attnviz::cli
