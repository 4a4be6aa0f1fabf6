#include "attnviz/figure.hpp"

#include <algorithm>

#include "attnviz/error.hpp"

namespace attnviz {

Box bounds(const Item& item) {
  if (const auto* r = std::get_if<Rect>(&item)) return {r->x, r->y, r->x + r->w, r->y + r->h};
  if (const auto* c = std::get_if<Cells>(&item))
    return {c->x, c->y, c->x + c->cols * c->cell_w, c->y + c->rows * c->cell_h};
  Quad q = text_quad(std::get<Text>(item));
  Box b{q[0][0], q[0][1], q[0][0], q[0][1]};
  for (const auto& p : q) {
    b.x0 = std::min(b.x0, p[0]);
    b.y0 = std::min(b.y0, p[1]);
    b.x1 = std::max(b.x1, p[0]);
    b.y1 = std::max(b.y1, p[1]);
  }
  return b;
}

}  // namespace attnviz
