#include <algorithm>
#include <atomic>
#include <queue>
#include <thread>

#include "attnviz/error.hpp"
#include "attnviz/parallel.hpp"
#include "model.hpp"

namespace attnviz::tokenize {
namespace {

constexpr std::size_t kCacheCapacity = 10000;
constexpr std::size_t kMergeChunk = 16384;  // merges looked up per task
constexpr std::uint32_t kMaxCachedWordBytes = 256;

}  // namespace

Bpe::Bpe(Vocab vocab, const MergeList& merges, BpeOptions options)
    : Model(std::move(vocab), options.continuing_subword_prefix), options_(std::move(options)) {
  // The ids of each merge, looked up on several threads in chunks: for the 280,000 to 515,000
  // merges of today's vocabularies these lookups are most of a load.
  merges_.resize(merges.size());
  std::atomic<std::size_t> first_unknown{merges.size()};
  const std::string_view prefix = options_.continuing_subword_prefix;
  const std::size_t chunks = (merges.size() + kMergeChunk - 1) / kMergeChunk;
  const int threads =
      static_cast<int>(std::min(8U, std::max(1U, std::thread::hardware_concurrency())));
  for_each_index_in_parallel(chunks, threads, [&](std::size_t chunk) {
    std::string merged;
    const std::size_t end = std::min(merges.size(), (chunk + 1) * kMergeChunk);
    for (std::size_t rank = chunk * kMergeChunk; rank < end; ++rank) {
      const auto& [a, b] = merges[rank];
      const auto id_a = vocab_.find(a);
      const auto id_b = vocab_.find(b);
      // The merged token drops b's continuation prefix, as HF does.
      merged.assign(a).append(
          !prefix.empty() && b.substr(0, prefix.size()) == prefix ? b.substr(prefix.size()) : b);
      const auto id_merged = vocab_.find(merged);
      if (!id_a || !id_b || !id_merged) {
        for (std::size_t seen = first_unknown; rank < seen;)
          if (first_unknown.compare_exchange_weak(seen, rank)) break;
        continue;
      }
      merges_[rank] = {pair_key(*id_a, *id_b), static_cast<std::int32_t>(rank), *id_merged};
    }
  });
  if (first_unknown < merges.size()) {
    const auto& [a, b] = merges[first_unknown];
    throw Error(
        "BPE merge " + std::to_string(first_unknown + 1) + " ('" + std::string(a) + " " +
        std::string(b) +
        "') uses a token that is not in the vocabulary; the merges and vocab files do not match");
  }
  // A pair given twice keeps its first rank: the table indexes each pair's first merge only.
  merge_table_.reserve(merges_.size());
  std::size_t kept = 0;
  for (const Merge& merge : merges_) {
    const auto a = static_cast<std::int32_t>(merge.pair >> 32);
    const auto b = static_cast<std::int32_t>(merge.pair & 0xFFFFFFFFU);
    if (find_merge(a, b) != nullptr) continue;
    merge_table_.insert(hash_mix(merge.pair), static_cast<std::int32_t>(kept));
    merges_[kept++] = merge;
  }
  merges_.resize(kept);
  if (options_.byte_fallback) byte_ids_ = byte_piece_ids(vocab_);
  if (options_.unk_token) {
    unk_id_ = vocab_.find(*options_.unk_token);
    if (!unk_id_) {
      throw Error("BPE: the unknown token '" + *options_.unk_token + "' is not in the vocabulary");
    }
  }
}

void Bpe::tokenize(const Word& word, std::vector<Piece>& out) const {
  if (options_.ignore_merges) {
    if (const auto id = vocab_.find(word.text)) {
      out.push_back({*id, 0, word.char_count()});
      return;
    }
  }
  const bool cacheable = word.text.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto it = cache_.find(word.text);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const std::size_t first = out.size();
  merge_word(word, out);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() < kCacheCapacity)
      cache_.emplace(word.text, std::vector<Piece>(out.begin() + first, out.end()));
  }
}

void Bpe::push_symbol(std::vector<Symbol>& symbols, std::int32_t id, std::uint32_t char_index) {
  symbols.push_back(
      {id, static_cast<std::int32_t>(symbols.size()) - 1, -1, char_index, char_index + 1, true});
  if (symbols.size() > 1)
    symbols[symbols.size() - 2].next = static_cast<std::int32_t>(symbols.size()) - 1;
}

// HF: each byte of the piece as a <0xNN> token, all spanning the character, if every one exists.
bool Bpe::byte_fallback(std::string_view piece, std::uint32_t char_index,
                        std::vector<Symbol>& symbols) const {
  if (byte_ids_.empty()) return false;
  for (const char b : piece) {
    if (byte_ids_[static_cast<unsigned char>(b)] < 0) return false;
  }
  for (const char b : piece)
    push_symbol(symbols, byte_ids_[static_cast<unsigned char>(b)], char_index);
  return true;
}

void Bpe::merge_word(const Word& word, std::vector<Piece>& out) const {
  std::vector<Symbol> symbols;
  const std::uint32_t n = word.char_count();
  symbols.reserve(n);
  std::string piece;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::string_view ch(word.text.data() + word.char_starts[i],
                              word.char_starts[i + 1] - word.char_starts[i]);
    const bool plain = (i == 0 || options_.continuing_subword_prefix.empty()) &&
                       (i + 1 < n || options_.end_of_word_suffix.empty());
    if (!plain) {
      piece.assign(i > 0 ? options_.continuing_subword_prefix : std::string()).append(ch);
      if (i + 1 == n) piece += options_.end_of_word_suffix;
    }
    const std::string_view looked_up = plain ? ch : std::string_view(piece);
    std::optional<std::int32_t> id = vocab_.find(looked_up);
    if (!id && byte_fallback(looked_up, i, symbols)) continue;
    if (!id) {
      if (!unk_id_)
        continue;  // HF drops a character it cannot represent when there is no unknown token
      if (options_.fuse_unk && !symbols.empty() && symbols.back().id == *unk_id_) {
        symbols.back().char_end = i + 1;
        continue;
      }
      id = unk_id_;
    }
    push_symbol(symbols, *id, i);
  }

  struct Candidate {
    std::int32_t rank;
    std::int32_t pos;
    std::int32_t new_id;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto push_pair = [&](std::int32_t pos) {
    const std::int32_t next = symbols[static_cast<std::size_t>(pos)].next;
    if (next < 0) return;
    if (const Merge* m = find_merge(symbols[static_cast<std::size_t>(pos)].id,
                                    symbols[static_cast<std::size_t>(next)].id)) {
      queue.push({m->rank, pos, m->new_id});
    }
  };
  for (std::int32_t i = 0; i + 1 < static_cast<std::int32_t>(symbols.size()); ++i) push_pair(i);

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<std::size_t>(top.pos)];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[static_cast<std::size_t>(left.next)];
    const Merge* m = find_merge(left.id, right.id);
    if (m == nullptr || m->new_id != top.new_id)
      continue;  // a stale entry: one side has changed since
    left.id = top.new_id;
    left.char_end = right.char_end;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) symbols[static_cast<std::size_t>(left.next)].prev = top.pos;
    if (left.prev >= 0) push_pair(left.prev);
    push_pair(top.pos);
  }
  for (const Symbol& s : symbols) {
    if (s.alive) out.push_back({s.id, s.char_begin, s.char_end});
  }
}

}  // namespace attnviz::tokenize
