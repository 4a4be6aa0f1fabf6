#include "alibi.hpp"

#include <algorithm>
#include <cmath>

namespace attnviz::model {
namespace {

// base^1, base^3, ... (step 2) or base^1, base^2, ... for `count` powers, with base = 2^(-8/m),
// computed as transformers does: a float32 base raised to int32 powers.
at::Tensor powers_of(std::int64_t m, std::int64_t count, std::int64_t step) {
  const double base = std::pow(2.0, -std::pow(2.0, -(std::log2(static_cast<double>(m)) - 3)));
  const at::Tensor powers = at::arange(1, 1 + step * count, step, at::kInt);
  return at::pow(at::scalar_tensor(base, at::kFloat), powers);
}

}  // namespace

at::Tensor alibi_slopes(std::int64_t heads) {
  const auto closest =
      static_cast<std::int64_t>(std::pow(2.0, std::floor(std::log2(static_cast<double>(heads)))));
  at::Tensor slopes = powers_of(closest, closest, 1);
  if (closest == heads) return slopes;
  const std::int64_t remaining = std::min(closest, heads - closest);
  return at::cat({slopes, powers_of(2 * closest, remaining, 2)});
}

at::Tensor alibi_bias(std::int64_t heads, const BatchInput& input, at::ScalarType precision) {
  const at::Tensor mask = input.mask.to(at::kLong);
  const at::Tensor positions = (mask.cumsum(-1) - 1) * mask;  // [batch, n]
  const at::Tensor slopes =
      alibi_slopes(heads).to(input.mask.device(), precision).view({1, heads, 1, 1});
  return (slopes * positions.view({positions.size(0), 1, 1, positions.size(1)})).to(at::kFloat);
}

}  // namespace attnviz::model
