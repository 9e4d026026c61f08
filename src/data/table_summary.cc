#include "data/table_summary.h"

namespace amp::data {

int TableSummary::FindColumn(std::string_view name) const {
  for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
    if (columns[column_idx].name == name) return static_cast<int>(column_idx);
  }
  return -1;
}

}  // namespace amp::data
