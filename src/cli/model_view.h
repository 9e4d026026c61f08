// How `amp models show` presents a model to a person (GET /v1/models/{name}): the model's settings and aliases, a
// table of its versions, then the served version in detail (parameters, metrics, feature importance, what the
// cleaning report found, lineage). `--json` prints the server's answer instead. Pure; thread-safe.
#pragma once

#include <simdjson.h>

#include <string>

namespace amp::cli {

std::string RenderModel(simdjson::dom::element model);

}  // namespace amp::cli
