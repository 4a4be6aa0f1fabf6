#include "vocab.hpp"

#include <cstdio>

namespace attnviz::tokenize {

void Vocab::add(std::string token, std::int32_t id) {
  auto it = ids_.find(token);
  if (it == ids_.end()) {
    storage_.push_back(std::move(token));
    it = ids_.emplace(std::string_view(storage_.back()), Entry{id, &storage_.back()}).first;
  }
  it->second.id = id;
  if (id >= id_end()) by_id_.resize(static_cast<std::size_t>(id) + 1, nullptr);
  by_id_[static_cast<std::size_t>(id)] = it->second.token;
}

const std::string& Vocab::token(std::int32_t id) const {
  static const std::string empty;
  if (id < 0 || id >= id_end() || by_id_[static_cast<std::size_t>(id)] == nullptr) return empty;
  return *by_id_[static_cast<std::size_t>(id)];
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
