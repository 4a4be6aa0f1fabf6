#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "attnviz/error.hpp"

namespace attnviz::model {

// Typed reads of a JSON object's fields (config.json, a TorchScript manifest); each error names the
// file and the key, and ends with `advice` (say "; export the model again with ...") where given.
class JsonFields {
 public:
  JsonFields(const nlohmann::json& json, std::string file, std::string advice = {})
      : json_(json), file_(std::move(file)), advice_(std::move(advice)) {}

  int positive_int(const char* key) const {
    const auto& value = at(key);
    if (!value.is_number_integer() || value.get<long long>() <= 0 ||
        value.get<long long>() > (1 << 30)) {
      fail(": '" + std::string(key) + "' must be a positive whole number");
    }
    return value.get<int>();
  }
  double positive_number(const char* key) const {
    const auto& value = at(key);
    if (!value.is_number() || value.get<double>() <= 0)
      fail(": '" + std::string(key) + "' must be positive");
    return value.get<double>();
  }
  std::string text(const char* key) const {
    const auto& value = at(key);
    if (!value.is_string()) fail(": '" + std::string(key) + "' must be a string");
    return value.get<std::string>();
  }
  bool has(const char* key) const { return json_.contains(key) && !json_[key].is_null(); }
  bool flag(const char* key) const {
    const auto& value = at(key);
    if (!value.is_boolean()) fail(": '" + std::string(key) + "' must be true or false");
    return value.get<bool>();
  }
  bool flag(const char* key, bool fallback) const { return has(key) ? flag(key) : fallback; }

 private:
  const nlohmann::json& at(const char* key) const {
    if (!has(key)) fail(" has no '" + std::string(key) + "'");
    return json_[key];
  }
  [[noreturn]] void fail(const std::string& what) const { throw Error(file_ + what + advice_); }

  const nlohmann::json& json_;
  std::string file_;
  std::string advice_;
};

}  // namespace attnviz::model
