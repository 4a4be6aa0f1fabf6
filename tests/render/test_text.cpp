// Text: UTF-8 decoding, boxes for what the font lacks, metrics, and where the ink lands.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "attnviz/image.hpp"

namespace attnviz {
namespace {

const std::string kBox = "\u25A1";

TEST(RenderText, ValidUtf8IsKept) {
  EXPECT_EQ(drawable_text("café ·ing ↵ [CLS] −0.5"), "café ·ing ↵ [CLS] −0.5");
}

TEST(RenderText, InvalidBytesBecomeOneBoxEach) {
  EXPECT_EQ(drawable_text("a\xff"
                          "b"),
            "a" + kBox + "b");
  EXPECT_EQ(drawable_text("x\xc3"), "x" + kBox);                            // truncated sequence
  EXPECT_EQ(drawable_text("\xc0\xaf"), kBox + kBox);                        // overlong "/"
  EXPECT_EQ(drawable_text("\xed\xa0\x80"), kBox + kBox + kBox);             // UTF-16 surrogate
  EXPECT_EQ(drawable_text("\xf4\x90\x80\x80"), kBox + kBox + kBox + kBox);  // above U+10FFFF
  EXPECT_EQ(drawable_text("\x80"), kBox);  // stray continuation byte
}

TEST(RenderText, CharactersTheFontLacksAndControlsBecomeBoxes) {
  EXPECT_EQ(drawable_text("猫"), kBox);
  EXPECT_EQ(drawable_text("🙂!"), kBox + "!");
  EXPECT_EQ(drawable_text("a\tb\n"), "a" + kBox + "b" + kBox);
}

TEST(RenderText, WidthGrowsWithTextAndSize) {
  const float w12 = text_width("attention", 12);
  EXPECT_GT(w12, 40);
  EXPECT_LT(w12, 80);
  EXPECT_NEAR(text_width("attention", 24), 2 * w12, 0.01);
  EXPECT_GT(text_width("attention", 12, FontWeight::bold), w12);
  EXPECT_GT(text_width("WW", 12), text_width("ii", 12));
  EXPECT_EQ(text_width("", 12), 0);
  EXPECT_GT(cap_height(12), 7);
  EXPECT_LT(cap_height(12), 10);
}

TEST(RenderText, QuadOfRotatedTextIsUpright) {
  Text t{"street", 100, 100, 12};
  t.angle_deg = 90;
  t.anchor = Anchor::end;
  const Box b = bounds(t);
  // Reads bottom to top and ends at the anchor: the text lies below it, narrow and tall.
  EXPECT_NEAR(b.y0, 100, 0.01);
  EXPECT_NEAR(b.y1 - b.y0, text_width("street", 12), 0.01);
  EXPECT_LT(b.x1 - b.x0, 16);
}

Figure canvas_with(const Text& t) {
  Figure f;
  f.width = 900;
  f.height = 900;
  f.items.push_back(t);
  return f;
}

// Pixels that are not the white background, and their bounding box.
struct Ink {
  long pixels = 0;
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
};
Ink ink_of(const Image& image) {
  Ink ink;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const Color c = image.pixel(x, y);
      if (c.r == 255 && c.g == 255 && c.b == 255) continue;
      ++ink.pixels;
      ink.x0 = std::min(ink.x0, x), ink.y0 = std::min(ink.y0, y);
      ink.x1 = std::max(ink.x1, x), ink.y1 = std::max(ink.y1, y);
    }
  }
  return ink;
}

TEST(RenderText, MissingCharacterDrawsAVisibleBox) {
  const Ink box = ink_of(rasterize(canvas_with(Text{"🙂", 50, 100, 24})));
  const Ink same = ink_of(rasterize(canvas_with(Text{"\u25A1", 50, 100, 24})));
  EXPECT_GT(box.pixels, 40);  // an outline, not nothing
  EXPECT_EQ(box.pixels, same.pixels);
  EXPECT_GT(box.x1 - box.x0, 8);
  EXPECT_GT(box.y1 - box.y0, 8);
}

TEST(RenderText, InkStaysInsideTheMeasuredQuadAtAnyAngle) {
  // 70 characters: far beyond the int16 range of glyph coordinates if the pen were added to them.
  const std::string s = "masked: a causal model does not attend to later tokens, ever, anywhere";
  for (float angle : {0.0f, 45.0f, 90.0f, -30.0f}) {
    SCOPED_TRACE(angle);
    Text t{s, 450, 450, 11};
    t.angle_deg = angle;
    t.anchor = Anchor::middle;
    t.italic = angle == 45.0f;
    const Ink ink = ink_of(rasterize(canvas_with(t)));
    const Box b = bounds(t);
    EXPECT_GT(ink.pixels, 500);
    EXPECT_GE(ink.x0, std::floor(b.x0) - 2);
    EXPECT_LE(ink.x1, std::ceil(b.x1) + 2);
    EXPECT_GE(ink.y0, std::floor(b.y0) - 2);
    EXPECT_LE(ink.y1, std::ceil(b.y1) + 2);
    // and it covers the measured length along the baseline
    EXPECT_GT(std::hypot(ink.x1 - ink.x0, ink.y1 - ink.y0), 0.95f * text_width(s, 11));
  }
}

TEST(RenderText, RenderingIsDeterministic) {
  Text t{"Layer 10, Head 5 · bert-base-uncased", 20, 60, 16};
  t.weight = FontWeight::bold;
  EXPECT_EQ(rasterize(canvas_with(t)).rgba, rasterize(canvas_with(t)).rgba);
}

}  // namespace
}  // namespace attnviz
