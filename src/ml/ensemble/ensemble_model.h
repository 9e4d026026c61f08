// EnsembleModel: a weighted average of fitted member models that share one signature, as the automatic search's
// ensemble stage builds it (Caruana's greedy selection, training/ensemble_selection.h). A regression predicts the
// weighted sum of its members' predictions; a classifier the weighted sum of their class probabilities, and the
// class of the largest. Explanations are the weighted sums of the members' (exact by linearity), available when
// every member explains; otherwise Explain names the member that does not. Immutable; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ml/model.h"

namespace amp::ml {

inline constexpr std::string_view kEnsembleAlgorithm = "ensemble";

class EnsembleModel final : public Model {
 public:
  struct Member {
    std::shared_ptr<const Model> model;
    double weight = 0.0;
  };

  // InvalidArgument if there are no members, a member is null, is itself an ensemble, or has a signature other
  // than `signature`, a weight is not finite and > 0, the weights do not sum to 1 (within 1e-9), or the task is
  // clustering.
  static core::Result<std::shared_ptr<const EnsembleModel>> Create(ModelSignature signature,
                                                                   std::vector<Member> members);
  // The inverse of SerializePayload: every member is a whole model artifact read by DeserializeModel. DataLoss on
  // malformed input, and Create's errors as DataLoss.
  static core::Result<std::shared_ptr<const EnsembleModel>> FromPayload(ModelSignature signature,
                                                                        std::string_view payload);

  std::string_view algorithm() const override { return kEnsembleAlgorithm; }
  const ModelSignature& signature() const override { return signature_; }
  // Warnings (imputed values, unseen categories) come from the first member only: every member was fitted on the
  // same rows, so they would repeat one another.
  core::Status Predict(std::span<const FeatureValue> rows, std::span<double> out,
                       PredictionNotes* notes) const override;
  core::Status PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                            PredictionNotes* notes) const override;
  // FailedPrecondition naming the first member that does not explain (classifiers' members do not).
  core::Status Explain(std::span<const FeatureValue> rows, std::span<double> contributions,
                       std::span<double> base_values, PredictionNotes* notes) const override;
  // Each member's weight as "weight(<i>:<algorithm>)" (i from 1), then its own parameters prefixed with "<i>:".
  std::vector<std::pair<std::string, double>> Parameters() const override;
  // Each member's importances scaled to sum to 1 (families measure importance differently), weighted and summed.
  std::vector<std::pair<std::string, double>> FeatureImportance() const override;
  // {"members": [{"weight": w, "model": <the member's whole artifact>}, ...]}
  std::string SerializePayload() const override;
  int64_t MemoryBytes() const override;

  const std::vector<Member>& members() const { return members_; }

 private:
  EnsembleModel(ModelSignature signature, std::vector<Member> members)
      : signature_(std::move(signature)), members_(std::move(members)) {}

  // Writes into `out` the weighted sum of the members' outputs, each from call(member, member_out, notes).
  template <typename Call>
  core::Status Blend(std::span<double> out, PredictionNotes* notes, const Call& call) const;

  ModelSignature signature_;
  std::vector<Member> members_;
};

}  // namespace amp::ml
