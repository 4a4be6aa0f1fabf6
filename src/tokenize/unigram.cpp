#include <algorithm>
#include <limits>

#include "attnviz/error.hpp"
#include "model.hpp"

namespace attnviz::tokenize {
namespace {

Vocab vocab_of(const std::vector<std::pair<std::string, double>>& pieces) {
  Vocab vocab;
  for (std::size_t id = 0; id < pieces.size(); ++id)
    vocab.add(pieces[id].first, static_cast<std::int32_t>(id));
  return vocab;
}

constexpr double kUnknownPenalty = 10.0;  // HF's K_UNK_PENALTY

}  // namespace

Unigram::Unigram(const std::vector<std::pair<std::string, double>>& pieces, UnigramOptions options)
    : Model(vocab_of(pieces), ""), options_(options) {
  if (pieces.empty()) {
    throw Error(
        "Unigram model: the vocabulary is empty, but at least the unknown piece is needed; the "
        "tokenizer file is damaged: download or convert it again");
  }
  if (options_.unk_id && (*options_.unk_id < 0 || *options_.unk_id >= vocab_.id_end())) {
    throw Error("Unigram model: unk_id " + std::to_string(*options_.unk_id) +
                " is not the id of a piece (the vocabulary has " + std::to_string(pieces.size()) +
                "); the tokenizer file is damaged: download or convert it again");
  }
  double min_score = std::numeric_limits<double>::infinity();
  for (const auto& [piece, score] : pieces) {
    scores_.push_back(score);
    min_score = std::min(min_score, score);
  }
  unk_score_ = min_score - kUnknownPenalty;
  if (options_.byte_fallback) byte_ids_ = byte_piece_ids(vocab_);
  build_trie();
}

// Breadth first over the sorted pieces, so each node's children are appended side by side.
void Unigram::build_trie() {
  std::vector<std::string_view> keys;  // each piece once, at the id HF looks it up by (its last)
  for (std::int32_t id = 0; id < vocab_.id_end(); ++id) {
    const std::string_view piece = vocab_.token(id);
    if (!piece.empty() && vocab_.find(piece) == id) keys.push_back(piece);
  }
  std::sort(keys.begin(), keys.end());
  struct Pending {
    std::uint32_t node;
    std::size_t lo, hi, depth;  // the keys [lo, hi) share the node's first `depth` bytes
  };
  std::vector<Pending> queue{{0, 0, keys.size(), 0}};
  trie_.assign(1, TrieNode{});
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const Pending p = queue[head];
    std::size_t k = p.lo;
    if (k < p.hi && keys[k].size() == p.depth) trie_[p.node].id = *vocab_.find(keys[k++]);
    trie_[p.node].first_child = static_cast<std::uint32_t>(trie_.size());
    while (k < p.hi) {
      const char label = keys[k][p.depth];
      std::size_t end = k;
      while (end < p.hi && keys[end][p.depth] == label) ++end;
      TrieNode node;
      node.label = static_cast<std::uint8_t>(label);
      queue.push_back({static_cast<std::uint32_t>(trie_.size()), k, end, p.depth + 1});
      trie_.push_back(node);
      k = end;
    }
    trie_[p.node].child_count =
        static_cast<std::uint32_t>(trie_.size()) - trie_[p.node].first_child;
  }
}

const Unigram::TrieNode* Unigram::child(const TrieNode& node, std::uint8_t label) const {
  const TrieNode* first = trie_.data() + node.first_child;
  const TrieNode* last = first + node.child_count;
  const TrieNode* it = std::lower_bound(
      first, last, label, [](const TrieNode& n, std::uint8_t l) { return n.label < l; });
  return it != last && it->label == label ? it : nullptr;
}

void Unigram::tokenize(const Word& word, std::vector<Piece>& out) const {
  struct Best {
    double score = 0.0;
    std::int32_t id = -1;  // -1: not reached yet
    std::uint32_t start = 0;
  };
  const std::uint32_t n = word.char_count();
  std::vector<Best> best(n + 1);
  auto relax = [&](std::uint32_t end, double score, std::uint32_t start, std::int32_t id) {
    if (best[end].id < 0 || score > best[end].score) best[end] = {score, id, start};
  };
  for (std::uint32_t start = 0; start < n; ++start) {
    const double base = best[start].score;
    bool has_single = false;
    const TrieNode* node = trie_.data();
    std::uint32_t end = start;  // the character whose start is the next byte boundary ahead
    for (std::size_t pos = word.char_starts[start]; pos < word.text.size();) {
      node = child(*node, static_cast<std::uint8_t>(word.text[pos++]));
      if (node == nullptr) break;
      while (word.char_starts[end] < pos) ++end;
      if (node->id < 0 || word.char_starts[end] != pos) continue;
      relax(end, base + scores_[static_cast<std::size_t>(node->id)], start, node->id);
      has_single = has_single || end == start + 1;
    }
    if (has_single) continue;
    if (!options_.unk_id) {
      throw Error("Unigram model: no piece covers the character at byte " +
                  std::to_string(word.char_starts[start]) + " of \"" + word.text +
                  "\", and the model has no unk_id for it; the tokenizer file is incomplete");
    }
    relax(start + 1, base + unk_score_, start, *options_.unk_id);
  }
  // Back from the end; a run of unknown pieces is fused into one.
  const std::size_t first = out.size();
  for (std::uint32_t end = n; end > 0;) {
    std::uint32_t start = best[end].start;
    if (best[end].id == options_.unk_id) {
      while (start > 0 && best[start].id == options_.unk_id) start = best[start].start;
      emit(word, start, end, out);
    } else {
      out.push_back({best[end].id, start, end});
    }
    end = start;
  }
  std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

// An unknown run [begin, end): its text if that is a piece, else its bytes (byte_fallback), else
// the unknown piece named by its text, as HF's Unigram::tokenize does. Appended in reverse order.
void Unigram::emit(const Word& word, std::uint32_t begin, std::uint32_t end,
                   std::vector<Piece>& out) const {
  const std::string_view text(word.text.data() + word.char_starts[begin],
                              word.char_starts[end] - word.char_starts[begin]);
  if (const auto id = vocab_.find(text)) {
    out.push_back({*id, begin, end});
    return;
  }
  const bool bytes = !byte_ids_.empty() && std::all_of(text.begin(), text.end(), [&](char b) {
    return byte_ids_[static_cast<unsigned char>(b)] >= 0;
  });
  if (!bytes) {
    out.push_back({*options_.unk_id, begin, end, true});
    return;
  }
  for (auto b = text.rbegin(); b != text.rend(); ++b)
    out.push_back({byte_ids_[static_cast<unsigned char>(*b)], begin, end});
}

}  // namespace attnviz::tokenize
