#include "rotary.hpp"

#include <algorithm>
#include <cmath>

#include "attnviz/error.hpp"

namespace attnviz::model {
namespace {

at::Tensor exponents(std::int64_t dim) {
  return at::arange(0, dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(dim);
}

// 1 / base^(2i / dim), as _compute_default_rope_parameters.
at::Tensor default_inv_freq(std::int64_t dim, double base) {
  return 1.0 / at::pow(base, exponents(dim));
}

// _compute_yarn_parameters: interpolated low frequencies, extrapolated high ones, a linear ramp
// between the correction dimensions.
void yarn(Rotary& rotary, const JsonFields& scaling, double base, std::int64_t max_positions) {
  const double factor = scaling.positive_number("factor");
  rotary.attention_scaling = scaling.number("attention_factor", 0.1 * std::log(factor) + 1.0);
  const double beta_fast = scaling.number("beta_fast", 32);
  const double beta_slow = scaling.number("beta_slow", 1);
  const auto dim = static_cast<double>(rotary.dim);
  const auto correction_dim = [&](double rotations) {
    return dim * std::log(static_cast<double>(max_positions) / (rotations * 2 * M_PI)) /
           (2 * std::log(base));
  };
  const double low = std::max(std::floor(correction_dim(beta_fast)), 0.0);
  double high = std::min(std::ceil(correction_dim(beta_slow)), dim - 1);
  if (low == high) high += 0.001;  // as transformers: no singular ramp
  const at::Tensor pos_freqs = at::pow(base, exponents(rotary.dim));
  const at::Tensor extrapolation = 1.0 / pos_freqs;
  const at::Tensor interpolation = 1.0 / (factor * pos_freqs);
  const at::Tensor ramp =
      at::clamp((at::arange(rotary.dim / 2, at::kFloat) - low) / (high - low), 0, 1);
  const at::Tensor extrapolation_factor = 1 - ramp;
  rotary.inv_freq =
      interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor;
}

// _compute_llama3_parameters: low frequencies divided by factor, high ones kept, a smooth blend
// between.
void llama3(Rotary& rotary, const JsonFields& scaling) {
  const double factor = scaling.positive_number("factor");
  const double low_freq_factor = scaling.positive_number("low_freq_factor");
  const double high_freq_factor = scaling.positive_number("high_freq_factor");
  const double old_context = scaling.positive_number("original_max_position_embeddings");
  const double low_freq_wavelen = old_context / low_freq_factor;
  const double high_freq_wavelen = old_context / high_freq_factor;
  const at::Tensor inv_freq = rotary.inv_freq;
  const at::Tensor wavelen = 2 * M_PI / inv_freq;
  at::Tensor scaled = at::where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq);
  const at::Tensor smooth =
      (old_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
  const at::Tensor smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
  const at::Tensor medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  rotary.inv_freq = at::where(medium, smoothed, scaled);
}

at::Tensor factors_of(const JsonFields& scaling, const char* key, std::int64_t dim) {
  const auto values = scaling.numbers(key);
  if (static_cast<std::int64_t>(values.size()) != dim / 2) {
    scaling.fail(": '" + std::string(key) + "' has " + std::to_string(values.size()) +
                 " factors, but the rotary embedding has " + std::to_string(dim / 2) +
                 " frequencies");
  }
  return at::tensor(std::vector<float>(values.begin(), values.end()), at::kFloat);
}

// LongRoPE: 1 / (factor_i * base^(2i / dim)) with per-frequency short or long factors, and cos/sin
// scaled by sqrt(1 + ln(scale) / ln(original length)).
void longrope(Rotary& rotary, const JsonFields& config, const JsonFields& scaling, double base,
              std::int64_t max_positions, LongRopeChoice choice) {
  const at::Tensor powers = at::pow(base, exponents(rotary.dim));
  const at::Tensor short_inv_freq =
      1.0 / (factors_of(scaling, "short_factor", rotary.dim) * powers);
  const at::Tensor long_inv_freq = 1.0 / (factors_of(scaling, "long_factor", rotary.dim) * powers);
  // As _compute_longrope_parameters: the length trained for, and the one extended to.
  double original = static_cast<double>(max_positions);
  double expanded = original * scaling.positive_number("factor", 1.0);
  if (config.has("original_max_position_embeddings")) {
    original = config.positive_int("original_max_position_embeddings");
    expanded = static_cast<double>(max_positions);
  }
  const double factor = expanded / original;
  const double scale = factor <= 1.0 ? 1.0 : std::sqrt(1 + std::log(factor) / std::log(original));
  rotary.attention_scaling =
      scaling.has("attention_factor") ? scaling.number("attention_factor") : scale;
  if (choice == LongRopeChoice::from_input_length) {
    rotary.inv_freq = short_inv_freq;
    rotary.long_inv_freq = long_inv_freq;
    rotary.long_from = static_cast<std::int64_t>(original);
  } else {
    rotary.inv_freq = expanded > original ? long_inv_freq : short_inv_freq;
  }
}

at::Tensor rotate_half(const at::Tensor& x) {
  const std::int64_t half = x.size(-1) / 2;
  return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// (x0, x1, x2, x3, ...) -> (-x1, x0, -x3, x2, ...), as GPT-J's rotate_every_two.
at::Tensor rotate_every_two(const at::Tensor& x) {
  const at::Tensor even = x.slice(-1, 0, x.size(-1), 2), odd = x.slice(-1, 1, x.size(-1), 2);
  return at::stack({-odd, even}, -1).flatten(-2);
}

}  // namespace

Rotary default_rotary(std::int64_t dim, double theta) {
  Rotary rotary;
  rotary.dim = dim;
  rotary.inv_freq = default_inv_freq(dim, theta);
  return rotary;
}

Rotary read_rotary(const JsonFields& config, std::int64_t dim, double theta,
                   std::int64_t max_positions, LongRopeChoice long_rope) {
  if (dim <= 0 || dim % 2 != 0) {
    config.fail(": the rotary embedding needs an even, positive number of dimensions, not " +
                std::to_string(dim));
  }
  Rotary rotary = default_rotary(dim, theta);
  if (!config.has("rope_scaling")) return rotary;
  const JsonFields scaling = config.object("rope_scaling");
  const std::string type =
      scaling.has("rope_type") ? scaling.text("rope_type") : scaling.text("type", "default");
  if (type == "default") return rotary;
  if (type == "linear") {
    rotary.inv_freq = rotary.inv_freq / scaling.positive_number("factor");
  } else if (type == "dynamic") {
    // Dynamic NTK changes the frequencies only past max_position_embeddings, which attnviz never
    // runs (inputs are fitted to the model first): within it they are the default ones.
    scaling.positive_number("factor");
  } else if (type == "yarn") {
    yarn(rotary, scaling, theta, max_positions);
  } else if (type == "longrope" || type == "su") {
    longrope(rotary, config, scaling, theta, max_positions, long_rope);
  } else if (type == "llama3") {
    llama3(rotary, scaling);
  } else {
    scaling.fail(": rope type '" + type +
                 "' is not supported (default, linear, dynamic, yarn, longrope, llama3)");
  }
  return rotary;
}

std::pair<at::Tensor, at::Tensor> Rotary::tables(std::int64_t n, const at::Device& device) const {
  const bool use_long = long_inv_freq.defined() && n > long_from;
  const at::Tensor& frequencies = use_long ? long_inv_freq : inv_freq;
  // transformers: inv_freq[None, :, None] @ position_ids[:, None, :], in float32.
  const at::Tensor positions = at::arange(n, at::kFloat).view({1, 1, n});
  const at::Tensor freqs = at::matmul(frequencies.view({1, -1, 1}), positions).transpose(1, 2);
  const at::Tensor emb =
      interleaved ? at::repeat_interleave(freqs, 2, -1) : at::cat({freqs, freqs}, -1);
  return {(emb.cos() * attention_scaling).unsqueeze(1).to(device),
          (emb.sin() * attention_scaling).unsqueeze(1).to(device)};
}

at::Tensor Rotary::apply(const at::Tensor& x,
                         const std::pair<at::Tensor, at::Tensor>& tables) const {
  // Named references, not structured bindings: C++17 lambdas cannot capture those (clang refuses).
  const at::Tensor& cos = tables.first;
  const at::Tensor& sin = tables.second;
  const auto rotate = [&](const at::Tensor& part) {
    return part * cos + (interleaved ? rotate_every_two(part) : rotate_half(part)) * sin;
  };
  if (dim == x.size(-1)) return rotate(x);
  return at::cat({rotate(x.narrow(-1, 0, dim)), x.narrow(-1, dim, x.size(-1) - dim)}, -1);
}

}  // namespace attnviz::model
