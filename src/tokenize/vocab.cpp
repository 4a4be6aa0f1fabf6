#include "vocab.hpp"

#include <cstdio>

namespace attnviz::tokenize {

void Vocab::point(std::int32_t id, std::int32_t entry) {
  if (id >= id_end()) by_id_.resize(static_cast<std::size_t>(id) + 1, -1);
  by_id_[static_cast<std::size_t>(id)] = entry;
}

std::int32_t Vocab::append(std::string_view token, std::uint32_t hash, std::int32_t id) {
  const auto entry = static_cast<std::int32_t>(entries_.size());
  entries_.push_back(
      {static_cast<std::uint32_t>(text_.size()), static_cast<std::uint32_t>(token.size()), id});
  text_.append(token);
  table_.insert(hash, entry);
  return entry;
}

void Vocab::add(std::string_view token, std::int32_t id) {
  const std::uint32_t hash = hash_text(token);
  std::int32_t entry = entry_of(token, hash);
  if (entry < 0)
    entry = append(token, hash, id);
  else
    entries_[static_cast<std::size_t>(entry)].id = id;
  point(id, entry);
}

bool Vocab::insert(std::string_view token, std::int32_t id) {
  if (id < id_end() && by_id_[static_cast<std::size_t>(id)] >= 0) return false;
  const std::uint32_t hash = hash_text(token);
  if (entry_of(token, hash) >= 0) return false;
  point(id, append(token, hash, id));
  return true;
}

std::string_view Vocab::token(std::int32_t id) const {
  if (id < 0 || id >= id_end() || by_id_[static_cast<std::size_t>(id)] < 0) return {};
  return text_of(by_id_[static_cast<std::size_t>(id)]);
}

std::vector<std::int32_t> byte_piece_ids(const Vocab& vocab) {
  std::vector<std::int32_t> ids(256, -1);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    if (const auto id = vocab.find(name)) ids[static_cast<std::size_t>(b)] = *id;
  }
  return ids;
}

}  // namespace attnviz::tokenize
