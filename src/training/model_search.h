// ModelSearch: runs a SearchPlan. Every candidate is cross-validated on the training part of the holdout split
// (trials in parallel within the plan's CPU budget), the trials are ranked by the task's primary metric into a
// leaderboard, the winner is refit on the whole training part and scored once on the holdout, which no search
// decision sees. With plan.ensemble (auto), an ensemble stage follows the trials: Caruana's greedy selection over
// the best trials' out-of-fold predictions (ensemble_selection.h) builds a weighted average, ranked on the
// leaderboard as "ensemble" by a cross-validated estimate whose every fold is scored by weights selected on the other
// folds. Then Breiman's one-standard-error rule across complexities (one_standard_error_rule.h) decides what auto
// publishes: the best trial of each family (linear simpler than trees) and the ensemble if it ranks first compete on
// their fold scores, and the simplest within one standard error of the first ranked wins; a winning ensemble's
// members are refit and published as one ml::EnsembleModel. A time budget stops the search and keeps the best so far (at least one trial always finishes);
// cancellation stops it within a boosting round. Deterministic for the same table and plan when the time budget
// does not cut the search short. Thread-safe to call from any thread; the callbacks are called on the calling thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/table.h"
#include "storage/records.h"
#include "training/search_plan.h"
#include "training/trainer.h"

namespace amp::training {

struct SearchStatus {
  std::string phase;  // "searching", then "refitting"
  int trials_done = 0;
  int trials_total = 0;
  int boosting_round = 0;  // the last reported round of any trial or the refit, and its planned rounds
  int boosting_rounds = 0;
  double eta_seconds = -1;                             // -1: unknown
  std::vector<storage::LeaderboardEntry> leaderboard;  // best first, the trials finished so far
  std::vector<std::string> log;  // a line for each trial that ended since the last status
};

struct SearchOutcome {
  TrainingOutcome refit;  // the winner fitted on the whole training part, with its holdout metrics
  TrainPlan winner;       // the best single trial (a member of the ensemble when one wins)
  // What was published: the winner's algorithm and resolved parameters, or "ensemble" with its member count (and
  // the shared holdout_fraction and seed) when the ensemble stage wins.
  std::string algorithm;
  std::map<std::string, double> params;
  std::vector<storage::LeaderboardEntry> leaderboard;
  std::vector<std::string> log;  // lines not yet given in a SearchStatus: trials skipped, the winner
};

// Sorts `entries` (given in trial order) by ascending cv_score, NaN last, ties kept in trial order, and numbers
// their ranks 1, 2, 3... Pure.
void RankLeaderboard(std::vector<storage::LeaderboardEntry>& entries);

// `table` must hold every candidate's ColumnsToLoad(). `on_status` is called a few times a second while trials run,
// and on every finished trial. Errors: Cancelled; the first trial's error when every trial failed; the refit's.
core::Result<SearchOutcome> RunSearch(const data::Table& table, const SearchPlan& plan,
                                      const std::atomic<bool>& cancelled,
                                      const std::function<void(const SearchStatus&)>& on_status = {});

}  // namespace amp::training
