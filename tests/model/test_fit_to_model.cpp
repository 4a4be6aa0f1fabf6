#include <gtest/gtest.h>

#include "attnviz/model.hpp"

namespace attnviz {
namespace {

Encoding bert_like(std::size_t words) {
  Encoding encoding;
  const auto push = [&](std::int64_t id, const std::string& token, bool special) {
    encoding.ids.push_back(id);
    encoding.type_ids.push_back(0);
    encoding.tokens.push_back(token);
    encoding.display.push_back(token);
    encoding.spans.push_back({0, 0});
    encoding.special.push_back(special);
  };
  push(101, "[CLS]", true);
  for (std::size_t i = 0; i < words; ++i)
    push(1000 + static_cast<std::int64_t>(i), "w" + std::to_string(i), false);
  push(102, "[SEP]", true);
  return encoding;
}

TEST(FitToModel, ShortInputIsUnchanged) {
  const auto fitted = fit_to_model(bert_like(3), 8);
  EXPECT_EQ(fitted.dropped, 0U);
  EXPECT_EQ(fitted.encoding.ids, bert_like(3).ids);
}

TEST(FitToModel, KeepsTrailingSeparator) {
  const auto fitted = fit_to_model(bert_like(10), 6);
  EXPECT_EQ(fitted.dropped, 6U);
  EXPECT_EQ(fitted.encoding.ids, (std::vector<std::int64_t>{101, 1000, 1001, 1002, 1003, 102}));
  EXPECT_EQ(fitted.encoding.tokens.back(), "[SEP]");
  EXPECT_EQ(fitted.encoding.special.size(), 6U);
  EXPECT_EQ(fitted.encoding.spans.size(), 6U);
}

TEST(FitToModel, WithoutSpecialTokensCutsTheEnd) {
  Encoding encoding;
  encoding.ids = {1, 2, 3, 4, 5};
  encoding.type_ids = {0, 0, 0, 0, 0};
  const auto fitted = fit_to_model(encoding, 3);
  EXPECT_EQ(fitted.dropped, 2U);
  EXPECT_EQ(fitted.encoding.ids, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(fitted.encoding.type_ids.size(), 3U);
}

}  // namespace
}  // namespace attnviz
