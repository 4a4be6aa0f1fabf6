#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace attnviz::tokenize {

// A hash table of indices into an array its owner keeps (open addressing, linear probing): one
// allocation for hundreds of thousands of entries where a std::unordered_map makes one per entry,
// which is most of the time a large vocabulary takes to load.
class IndexTable {
 public:
  // The index whose entry `is_match(index)` is, among those inserted with `hash`; -1 if none.
  template <typename IsMatch>
  std::int32_t find(std::uint32_t hash, IsMatch is_match) const {
    if (slots_.empty()) return -1;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.index < 0) return -1;
      if (slot.hash == hash && is_match(slot.index)) return slot.index;
    }
  }
  // Adds an index that find() does not yet give for its entry.
  void insert(std::uint32_t hash, std::int32_t index) {
    if (2 * (used_ + 1) > slots_.size()) grow(2 * (used_ + 1));
    place(hash, index);
    ++used_;
  }
  // Room for `count` entries without growing.
  void reserve(std::size_t count) {
    if (2 * count > slots_.size()) grow(2 * count);
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::int32_t index = -1;
  };
  void place(std::uint32_t hash, std::int32_t index) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i].index >= 0) i = (i + 1) & mask;
    slots_[i] = {hash, index};
  }
  void grow(std::size_t at_least) {
    std::size_t size = 16;
    while (size < at_least) size *= 2;
    std::vector<Slot> old(size);
    old.swap(slots_);
    for (const Slot& slot : old)
      if (slot.index >= 0) place(slot.hash, slot.index);
  }

  std::vector<Slot> slots_;  // a power of two in size, at most half full
  std::size_t used_ = 0;
};

// A 64-bit key spread over 32 bits (MurmurHash3's finalizer), so that linear probing on its low
// bits finds few neighbours.
inline std::uint32_t hash_mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return static_cast<std::uint32_t>(x);
}

// FNV-1a, mixed: cheap for the short strings of a vocabulary.
inline std::uint32_t hash_text(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return hash_mix(h);
}

}  // namespace attnviz::tokenize
