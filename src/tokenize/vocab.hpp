#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index_table.hpp"

namespace attnviz::tokenize {

// Token string <-> id. Lookups take a string_view, so the models never build a std::string to ask.
// The tokens are kept end to end in one string and found through one flat table, so that a
// vocabulary of 262,144 tokens (Gemma 3) is a few allocations rather than a million.
class Vocab {
 public:
  // Adds or re-points token -> id (a later add of the same token wins, as in HF's added tokens).
  void add(std::string_view token, std::int32_t id);
  // Adds a token not yet in the vocabulary under an id no token has yet; false, adding nothing,
  // otherwise.
  bool insert(std::string_view token, std::int32_t id);
  std::optional<std::int32_t> find(std::string_view token) const {
    const std::int32_t entry = entry_of(token, hash_text(token));
    return entry < 0 ? std::nullopt
                     : std::optional<std::int32_t>(entries_[static_cast<std::size_t>(entry)].id);
  }
  // "" for an id with no token.
  std::string_view token(std::int32_t id) const;
  std::size_t size() const { return entries_.size(); }
  std::int32_t id_end() const { return static_cast<std::int32_t>(by_id_.size()); }

 private:
  std::int32_t entry_of(std::string_view token, std::uint32_t hash) const {
    return table_.find(hash, [&](std::int32_t entry) { return text_of(entry) == token; });
  }
  std::string_view text_of(std::int32_t entry) const {
    const Entry& e = entries_[static_cast<std::size_t>(entry)];
    return std::string_view(text_).substr(e.start, e.size);
  }
  // A new entry for `token`; its index.
  std::int32_t append(std::string_view token, std::uint32_t hash, std::int32_t id);
  void point(std::int32_t id, std::int32_t entry);

  struct Entry {
    std::uint32_t start;  // the token is text_[start, start + size)
    std::uint32_t size;
    std::int32_t id;
  };
  std::string text_;                 // every token, end to end
  std::vector<Entry> entries_;       // one per token
  std::vector<std::int32_t> by_id_;  // the entry of each id, -1 for none
  IndexTable table_;                 // token -> entry
};

// The id of the piece <0xNN> for each byte NN (byte fallback), -1 where the vocabulary lacks it.
std::vector<std::int32_t> byte_piece_ids(const Vocab& vocab);

}  // namespace attnviz::tokenize
