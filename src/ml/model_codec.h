// The model artifact format: a JSON document {"format": "amp.model", "format_version": 1, "algorithm", "signature",
// "payload"} that holds everything needed to predict (signature, preprocessing, learned parameters). Doubles are
// written so that they read back bit for bit. Pure functions; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ml/model.h"

namespace amp::ml {

std::string SerializeModel(const Model& model);

// DataLoss for a malformed artifact, FailedPrecondition for an unknown algorithm or a newer format version.
core::Result<std::shared_ptr<const Model>> DeserializeModel(std::string_view bytes);

}  // namespace amp::ml
