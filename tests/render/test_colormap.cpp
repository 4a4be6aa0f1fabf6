// The colormaps against matplotlib itself: tests/data/render/colormap_reference.json holds
// matplotlib's float tables and the bytes its Agg backend writes to PNG for every entry
// (regenerate with scripts/make_colormap_tables.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "attnviz/colormap.hpp"
#include "attnviz/error.hpp"

namespace attnviz {
namespace {

nlohmann::json reference() {
  std::ifstream in(std::string(ATTNVIZ_TEST_DATA) + "/render/colormap_reference.json");
  EXPECT_TRUE(in.good()) << "missing colormap_reference.json";
  return nlohmann::json::parse(in);
}

TEST(RenderColormap, ViridisEndpointsAndMidpointAreMatplotlibs) {
  // The numbers in matplotlib's _cm_listed.py (_viridis_data[0], [128], [255]).
  const Colormap v = Colormap::by_name("viridis");
  EXPECT_EQ(v.rgb(0), (std::array<float, 3>{0.267004f, 0.004874f, 0.329415f}));
  EXPECT_EQ(v.rgb(128), (std::array<float, 3>{0.127568f, 0.566949f, 0.550556f}));
  EXPECT_EQ(v.rgb(255), (std::array<float, 3>{0.993248f, 0.906157f, 0.143936f}));
  // matplotlib samples a 256-entry map at floor(t * 256), 1.0 being the last entry.
  EXPECT_EQ(Colormap::index(0.0f), 0);
  EXPECT_EQ(Colormap::index(0.5f), 128);
  EXPECT_EQ(Colormap::index(1.0f), 255);
  EXPECT_EQ(Colormap::index(0.99999f), 255);
  EXPECT_EQ(Colormap::index(1.0f / 256 - 1e-7f), 0);
  EXPECT_EQ(Colormap::index(1.0f / 256), 1);
  EXPECT_EQ(Colormap::index(-3.0f), 0);
  EXPECT_EQ(Colormap::index(7.0f), 255);
  // What seaborn's savefig writes for these (Agg rounds to nearest).
  EXPECT_EQ(v.at(0.0f), (Color{68, 1, 84, 255}));
  EXPECT_EQ(v.at(0.5f), (Color{33, 145, 140, 255}));
  EXPECT_EQ(v.at(1.0f), (Color{253, 231, 37, 255}));
}

TEST(RenderColormap, EveryEntryOfEveryMapMatchesMatplotlib) {
  const nlohmann::json ref = reference();
  for (const std::string& name : Colormap::names()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(ref.contains(name));
    const Colormap map = Colormap::by_name(name);
    for (int i = 0; i < 256; ++i) {
      const auto rgb = map.rgb(i);
      const Color c = map.color(i);
      for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(rgb[k], static_cast<float>(ref[name]["float"][i][k].get<double>())) << i;
      }
      EXPECT_EQ(c.r, ref[name]["agg_bytes"][i][0].get<int>()) << i;
      EXPECT_EQ(c.g, ref[name]["agg_bytes"][i][1].get<int>()) << i;
      EXPECT_EQ(c.b, ref[name]["agg_bytes"][i][2].get<int>()) << i;
    }
  }
}

TEST(RenderColormap, DivergingMapIsBlueWhiteRedAroundTheMiddle) {
  const Colormap d = Colormap::by_name("rdbu");
  EXPECT_TRUE(d.diverging());
  EXPECT_FALSE(Colormap::by_name("viridis").diverging());
  const Color low = d.at(0.0f), mid = d.at(0.5f), high = d.at(1.0f);
  EXPECT_GT(low.b, low.r);    // negative: blue
  EXPECT_GT(high.r, high.b);  // positive: red
  EXPECT_GT(mid.r, 240);      // zero: near white
  EXPECT_GT(mid.g, 240);
  EXPECT_GT(mid.b, 240);
  EXPECT_EQ(Colormap::by_name("greys").at(0.0f), (Color{255, 255, 255, 255}));
  EXPECT_EQ(Colormap::by_name("greys").at(1.0f), (Color{0, 0, 0, 255}));
}

TEST(RenderColormap, UnknownNameListsTheValidOnes) {
  try {
    Colormap::by_name("jet");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'jet'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("viridis, magma, greys, rdbu"), std::string::npos);
  }
}

}  // namespace
}  // namespace attnviz
