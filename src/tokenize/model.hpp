#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vocab.hpp"

namespace attnviz::tokenize {

// A pre-tokenized word as the model sees it: UTF-8 text and the byte offset at which each character
// starts.
struct Word {
  std::string text;
  std::vector<std::uint32_t> char_starts;  // one per character, plus text.size() at the end
  std::uint32_t char_count() const { return static_cast<std::uint32_t>(char_starts.size()) - 1; }
};

// One token of a word: its id and the characters [char_begin, char_end) of the word it covers.
struct Piece {
  std::int32_t id;
  std::uint32_t char_begin;
  std::uint32_t char_end;
  // The token string is the text it covers rather than its id's (HF's Unigram names an unknown
  // piece by its text).
  bool surface = false;
};

// HF's "model": word -> pieces, over a vocabulary.
class Model {
 public:
  virtual ~Model() = default;
  virtual void tokenize(const Word& word, std::vector<Piece>& out) const = 0;
  const Vocab& vocab() const { return vocab_; }
  virtual std::optional<std::int32_t> unknown_id() const = 0;
  // The marker of a word-continuation piece ("##" for BERT), for display; empty if none.
  const std::string& continuation_prefix() const { return continuation_prefix_; }

 protected:
  Model(Vocab vocab, std::string continuation_prefix)
      : vocab_(std::move(vocab)), continuation_prefix_(std::move(continuation_prefix)) {}

  Vocab vocab_;
  std::string continuation_prefix_;
};

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  std::size_t max_input_chars_per_word = 100;
};

// Greedy longest-match-first WordPiece; a word with any unknown part becomes the unknown token as a
// whole.
class WordPiece : public Model {
 public:
  WordPiece(Vocab vocab, WordPieceOptions options);
  void tokenize(const Word& word, std::vector<Piece>& out) const override;
  std::optional<std::int32_t> unknown_id() const override { return unk_id_; }

 private:
  WordPieceOptions options_;
  std::int32_t unk_id_;
};

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
  bool fuse_unk = false;
  bool ignore_merges = false;
  // A character not in the vocabulary becomes its UTF-8 bytes as <0xNN> tokens, where all exist.
  bool byte_fallback = false;
};

// BPE merges as pairs of token strings, in rank order; the strings they view must outlive the Bpe's
// construction only.
using MergeList = std::vector<std::pair<std::string_view, std::string_view>>;

// Byte-pair encoding: merges applied lowest rank first (leftmost first among equal ranks), as HF's
// word.rs does.
class Bpe : public Model {
 public:
  Bpe(Vocab vocab, const MergeList& merges, BpeOptions options);
  void tokenize(const Word& word, std::vector<Piece>& out) const override;
  std::optional<std::int32_t> unknown_id() const override { return unk_id_; }

 private:
  struct Merge {
    std::uint64_t pair;  // pair_key of the two ids merged
    std::int32_t rank;
    std::int32_t new_id;
  };
  static std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
           static_cast<std::uint32_t>(b);
  }
  const Merge* find_merge(std::int32_t a, std::int32_t b) const {
    const std::uint64_t pair = pair_key(a, b);
    const std::int32_t m = merge_table_.find(hash_mix(pair), [&](std::int32_t i) {
      return merges_[static_cast<std::size_t>(i)].pair == pair;
    });
    return m < 0 ? nullptr : &merges_[static_cast<std::size_t>(m)];
  }
  struct Symbol {
    std::int32_t id;
    std::int32_t prev;
    std::int32_t next;
    std::uint32_t char_begin;
    std::uint32_t char_end;
    bool alive;
  };
  static void push_symbol(std::vector<Symbol>& symbols, std::int32_t id, std::uint32_t char_index);
  bool byte_fallback(std::string_view piece, std::uint32_t char_index,
                     std::vector<Symbol>& symbols) const;
  void merge_word(const Word& word, std::vector<Piece>& out) const;

  std::vector<Merge> merges_;  // the first of each pair, in rank order
  IndexTable merge_table_;     // pair -> index in merges_
  BpeOptions options_;
  std::optional<std::int32_t> unk_id_;
  std::vector<std::int32_t> byte_ids_;  // byte_fallback: the id of <0xNN> per byte, -1 if none
  // Words seen before -> their pieces. Same bounded size as HF's (10,000 words).
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<Piece>> cache_;
};

struct UnigramOptions {
  std::optional<std::int32_t> unk_id;
  // An unknown run of characters becomes its UTF-8 bytes as <0xNN> pieces, where all exist.
  bool byte_fallback = false;
};

// SentencePiece's unigram model as HF's Rust code runs it (models/unigram/model.rs,
// encode_optimized): the segmentation whose pieces' scores sum highest; a character no piece
// starts with is unknown, scored 10 below the lowest piece, and neighbouring unknowns are fused
// into one.
class Unigram : public Model {
 public:
  // pieces: [piece, score] in id order.
  Unigram(const std::vector<std::pair<std::string, double>>& pieces, UnigramOptions options);
  void tokenize(const Word& word, std::vector<Piece>& out) const override;
  std::optional<std::int32_t> unknown_id() const override { return options_.unk_id; }

 private:
  // A byte trie of the pieces, each node's children contiguous and sorted by byte.
  struct TrieNode {
    std::uint32_t first_child = 0;
    std::uint32_t child_count = 0;
    std::int32_t id = -1;  // the piece that ends here, if any
    std::uint8_t label = 0;
  };
  const TrieNode* child(const TrieNode& node, std::uint8_t label) const;
  void build_trie();
  void emit(const Word& word, std::uint32_t begin, std::uint32_t end,
            std::vector<Piece>& out) const;

  UnigramOptions options_;
  std::vector<double> scores_;
  double unk_score_;
  std::vector<TrieNode> trie_;
  std::vector<std::int32_t> byte_ids_;  // byte_fallback: the id of <0xNN> per byte, -1 if none
};

// A whole word is one token, or the unknown token.
class WordLevel : public Model {
 public:
  WordLevel(Vocab vocab, std::string unk_token);
  void tokenize(const Word& word, std::vector<Piece>& out) const override;
  std::optional<std::int32_t> unknown_id() const override { return unk_id_; }

 private:
  std::string unk_token_;
  std::optional<std::int32_t> unk_id_;
};

}  // namespace attnviz::tokenize
