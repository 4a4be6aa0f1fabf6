#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "attnviz/error.hpp"

namespace attnviz::tokenize {

// Ids index tables: each must be a whole number below kIdLimit, far above any real vocabulary, so
// that a fraction, a negative or a huge id is an error rather than undefined behaviour (nlohmann
// converts a number to int with a plain cast) or gigabytes of table (both found by tests/fuzz).
constexpr std::int64_t kIdLimit = std::int64_t{1} << 24;

inline bool is_id(const nlohmann::json& value) {
  return value.is_number_integer() && value.get<std::int64_t>() >= 0 &&
         value.get<std::int64_t>() < kIdLimit;
}

// `value` as an id (token ids, type ids); anything else is an Error that begins with `what`.
inline std::int32_t id_of(const nlohmann::json& value, const std::string& what) {
  if (!is_id(value)) {
    throw Error(what + " " + value.dump() + " is not an id (a whole number from 0 to " +
                std::to_string(kIdLimit - 1) + ")");
  }
  return static_cast<std::int32_t>(value.get<std::int64_t>());
}

}  // namespace attnviz::tokenize
