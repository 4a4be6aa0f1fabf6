#include <cmath>
#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

#include "winograd_summary_io.hpp"

#include "selection.hpp"

namespace attnviz::cli {

namespace {

// An undefined value is an empty CSV field.
void write_number(std::ostream& out, double value) {
  if (!std::isnan(value)) out << value;
}

nlohmann::json json_number(double value) {
  return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
}

}  // namespace

void write_summary_csv(std::ostream& out, const WinogradSummary& s) {
  const auto old_precision = out.precision(6);
  out << "layer,head,sentences,correct,wrong,ties,share_correct,pairs,pairs_both_correct,"
         "mean_margin\n";
  for (int layer = 0; layer < s.layers; ++layer) {
    for (int head = 0; head < s.heads; ++head) {
      const auto i = s.index(layer, head);
      out << one_based(layer) << ',' << one_based(head) << ',' << s.sentences << ',' << s.correct[i]
          << ',' << s.wrong(layer, head) << ',' << s.ties[i] << ',';
      write_number(out, s.share_correct(layer, head));
      out << ',' << s.pairs << ',' << s.pairs_both[i] << ',';
      write_number(out, s.mean_margin(layer, head));
      out << '\n';
    }
  }
  out.precision(old_precision);
}

void write_summary_json(std::ostream& out, const WinogradSummary& s) {
  nlohmann::json shares = nlohmann::json::array();
  nlohmann::json detail = nlohmann::json::array();
  for (int layer = 0; layer < s.layers; ++layer) {
    nlohmann::json row = nlohmann::json::array();
    for (int head = 0; head < s.heads; ++head) {
      const auto i = s.index(layer, head);
      row.push_back(json_number(s.share_correct(layer, head)));
      detail.push_back({{"layer", one_based(layer)},
                        {"head", one_based(head)},
                        {"sentences", s.sentences},
                        {"correct", s.correct[i]},
                        {"wrong", s.wrong(layer, head)},
                        {"ties", s.ties[i]},
                        {"share_correct", json_number(s.share_correct(layer, head))},
                        {"pairs", s.pairs},
                        {"pairs_both_correct", s.pairs_both[i]},
                        {"mean_margin", json_number(s.mean_margin(layer, head))}});
    }
    shares.push_back(row);
  }
  const nlohmann::json doc = {{"model", s.model},      {"layers", s.layers},
                              {"heads", s.heads},      {"sentences", s.sentences},
                              {"pairs", s.pairs},      {"share_correct", shares},
                              {"heads_detail", detail}};
  out << doc.dump(2) << '\n';
}

}  // namespace attnviz::cli
