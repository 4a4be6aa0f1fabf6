#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnviz::tokenize {

// Token string <-> id. Lookups take a string_view, so the models never build a std::string to ask.
class Vocab {
 public:
  // Adds or re-points token -> id (a later add of the same token wins, as in HF's added tokens).
  void add(std::string token, std::int32_t id);
  std::optional<std::int32_t> find(std::string_view token) const {
    const auto it = ids_.find(token);
    return it == ids_.end() ? std::nullopt : std::optional<std::int32_t>(it->second.id);
  }
  // "" for an id with no token.
  const std::string& token(std::int32_t id) const;
  std::size_t size() const { return ids_.size(); }
  std::int32_t id_end() const { return static_cast<std::int32_t>(by_id_.size()); }

 private:
  std::deque<std::string> storage_;  // stable addresses for the string_view keys
  struct Entry {
    std::int32_t id;
    const std::string* token;
  };
  std::unordered_map<std::string_view, Entry> ids_;
  std::vector<const std::string*> by_id_;
};

// The id of the piece <0xNN> for each byte NN (byte fallback), -1 where the vocabulary lacks it.
std::vector<std::int32_t> byte_piece_ids(const Vocab& vocab);

}  // namespace attnviz::tokenize
