// SearchPlan: a training request that searches (algorithm "auto", or a grid or random search over a declared space)
// resolved into the candidate TrainPlans to cross-validate, in trial order. Building it is a pure function, so an
// unknown parameter or an out-of-range value in a space is refused before any job is queued. Thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "data/table_summary.h"
#include "storage/records.h"
#include "training/train_plan.h"

namespace amp::training {

inline constexpr std::string_view kAutoAlgorithm = "auto";

// The search limits and their defaults.
inline constexpr int kDefaultFolds = 5;
inline constexpr int kMaxFolds = 20;
// Repeated cross-validation (scikit-learn's RepeatedKFold), `search.repeats`: each trial is cross-validated on
// `repeats` different fold partitions and scored by the mean over all repeats x folds. Default 1, for auto too: 3
// repeats as auto's default were measured over ten split seeds and did not help overall (docs/benchmarks.md).
inline constexpr int kMaxRepeats = 10;
inline constexpr int kDefaultRandomTrials = 10;
inline constexpr int kMaxTrials = 1000;
inline constexpr int kDefaultCpuBudget = 2;
inline constexpr int kMaxCpuBudget = 64;
inline constexpr int kMaxWorkers = 64;  // ranks of a distributed XGBoost training

struct SearchPlan {
  ml::Task task = ml::Task::kRegression;
  // Trial order. A plain training request has exactly one candidate and folds == 0.
  std::vector<TrainPlan> candidates;
  // The parameters each candidate was given by the search (the space's draw, or the auto family's), for the
  // leaderboard; the candidate's full resolved parameters are candidates[i].Params().
  std::vector<std::map<std::string, double>> searched_params;
  int folds = 0;
  int repeats = 1;  // fold partitions per trial (repeated cross-validation)
  int cpu_budget = kDefaultCpuBudget;
  double time_budget_seconds = 0.0;  // 0: none
  bool fixed_nthread = false;        // the request set XGBoost's nthread itself
  // After the trials, build an ensemble of the best ones and rank it with them (model_search.h); auto does.
  bool ensemble = false;
  // Auto: whether each candidate is its family's default setting (the first point of AutoFamily::grid), which a
  // tuned setting of the family replaces only on evidence beyond the folds' noise (model_search.h). Empty otherwise.
  std::vector<bool> family_defaults;

  bool IsSearch() const { return folds > 0; }
};

// One family "auto" tries: an algorithm, the task kind it serves and its small grid of parameter sets, the family's
// default setting first. Adding an algorithm to auto is one entry in AutoFamilies() (search_plan.cc).
struct AutoFamily {
  std::string_view algorithm;
  bool classification = false;
  std::vector<std::map<std::string, double>> grid;
};
const std::vector<AutoFamily>& AutoFamilies();

// The grid's points: every combination of the space's values, parameters in name order, the last varying fastest.
std::vector<std::map<std::string, double>> ExpandGrid(const std::map<std::string, std::vector<double>>& space);
// `trials` distinct points of the grid drawn without replacement (seeded; all of them, shuffled, when the grid is
// smaller).
std::vector<std::map<std::string, double>> DrawRandom(const std::map<std::string, std::vector<double>>& space,
                                                      int trials, uint64_t seed);

// Resolves `request`. Without a search and with a named algorithm: PlanTraining's plan as the one candidate.
// FailedPrecondition naming the problem for: PlanTraining's refusals; "auto" with a parameter other than
// holdout_fraction and seed or with a space; a search method other than grid or random; an empty space; a space
// parameter the algorithm does not take, a value out of its range, or one also fixed in params; searching
// holdout_fraction or seed (every trial must share the split); a grid larger than kMaxTrials points; trials or folds
// out of range; repeats outside [1, kMaxRepeats]; cpu_budget outside [1, kMaxCpuBudget]; a negative time budget; search
// options without a search; workers outside [1, kMaxWorkers], or workers > 1 with a search, an algorithm other than
// xgboost_regressor or xgboost_classifier, or early stopping.
core::Result<SearchPlan> PlanSearch(const storage::TrainRequest& request, const data::TableSummary& schema);

}  // namespace amp::training
