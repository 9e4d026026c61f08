// How `amp datasets show` presents a dataset to a person (GET /v1/datasets/{id}): its size and checksum, one line
// per column (type, the role training would give it, missing and distinct counts, range and mean or the most frequent
// values, personal data found), then what the cleaning report says. `--json` prints the server's answer instead.
// Pure; thread-safe.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace amp::cli {

std::string RenderDataset(simdjson::dom::element dataset);

// The id of the dataset `name_or_id` names in a GET /v1/datasets answer: the one with that id, else the newest
// (latest created_at) with that name, as a train request resolves a name. "" when there is none.
std::string FindDatasetId(simdjson::dom::element list, std::string_view name_or_id);

}  // namespace amp::cli
