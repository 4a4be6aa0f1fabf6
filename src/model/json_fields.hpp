#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

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
  int positive_int(const char* key, int fallback) const {
    return has(key) ? positive_int(key) : fallback;
  }
  double positive_number(const char* key, double fallback) const {
    return has(key) ? positive_number(key) : fallback;
  }
  double number(const char* key) const {
    const auto& value = at(key);
    if (!value.is_number()) fail(": '" + std::string(key) + "' must be a number");
    return value.get<double>();
  }
  double number(const char* key, double fallback) const {
    return has(key) ? number(key) : fallback;
  }
  std::string text(const char* key, const std::string& fallback) const {
    return has(key) ? text(key) : fallback;
  }
  std::vector<double> numbers(const char* key) const {
    const auto& value = at(key);
    if (!value.is_array()) fail(": '" + std::string(key) + "' must be a list of numbers");
    std::vector<double> out;
    for (const auto& item : value) {
      if (!item.is_number()) fail(": '" + std::string(key) + "' must be a list of numbers");
      out.push_back(item.get<double>());
    }
    return out;
  }
  // The object under `key` (say rope_scaling), read with the same checks; errors name both.
  JsonFields object(const char* key) const {
    const auto& value = at(key);
    if (!value.is_object()) fail(": '" + std::string(key) + "' must be an object");
    return JsonFields(value, file_ + ": " + key, advice_);
  }
  const nlohmann::json& raw(const char* key) const { return at(key); }
  const std::string& file() const { return file_; }
  [[noreturn]] void fail(const std::string& what) const { throw Error(file_ + what + advice_); }

 private:
  const nlohmann::json& at(const char* key) const {
    if (!has(key)) fail(" has no '" + std::string(key) + "'");
    return json_[key];
  }

  const nlohmann::json& json_;
  std::string file_;
  std::string advice_;
};

}  // namespace attnviz::model
