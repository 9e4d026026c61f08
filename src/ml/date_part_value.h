// The value of one date part (DatePartNames' order: year, month, day, weekday, hour) of parsed date-time parts, for
// the Pipeline's .cc files that fit date features (pipeline_fit.cc) and encode them (pipeline.cc). Internal to
// ml/; a pure function.
#pragma once

#include <cstddef>

#include "data/date_time.h"

namespace amp::ml {

inline double DatePartValue(const data::DateTimeParts& parts, size_t part_idx) {
  switch (part_idx) {
    case 0:
      return parts.year;
    case 1:
      return parts.month;
    case 2:
      return parts.day;
    case 3:
      return parts.weekday;
    default:
      return parts.hour;
  }
}

}  // namespace amp::ml
