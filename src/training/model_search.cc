#include "training/model_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "ml/ensemble/ensemble_model.h"
#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_model.h"
#include "training/ensemble_selection.h"
#include "training/one_standard_error_rule.h"
#include "training/train_plan.h"

namespace amp::training {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::string DescribeParams(const std::map<std::string, double>& params) {
  std::string text;
  for (const auto& [name, value] : params) {
    char number[32];
    std::snprintf(number, sizeof(number), "%g", value);
    text += (text.empty() ? "" : ", ") + name + "=" + number;
  }
  return text.empty() ? "defaults" : text;
}

struct TrialResult {
  std::optional<core::Result<CrossValidation>> cv;
  double seconds = 0.0;
};

// The ensemble stage selects among at most this many of the best trials, and keeps their out-of-fold values only
// while they take at most kMaxOutOfFoldValues doubles together (128 MB): fewer candidates on a large table, and no
// ensemble when not even two fit.
constexpr size_t kEnsemblePool = 10;
constexpr size_t kMaxOutOfFoldValues = size_t{16} << 20;

// How many trials' out-of-fold values the ensemble stage keeps for a training part of `rows` rows.
size_t EnsemblePoolSize(size_t rows) {
  return std::min(kEnsemblePool, kMaxOutOfFoldValues / std::max<size_t>(1, rows));
}

bool SucceededWithScore(const TrialResult& result) {
  return result.cv && result.cv->ok() && !std::isnan((*result.cv)->mean);
}

// The complexity the one-standard-error rule orders auto's candidates by: a linear model, a tree model, an ensemble.
constexpr double kLinearComplexity = 0;
constexpr double kTreeComplexity = 1;
constexpr double kEnsembleComplexity = 2;

}  // namespace

void RankLeaderboard(std::vector<storage::LeaderboardEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const storage::LeaderboardEntry& left, const storage::LeaderboardEntry& right) {
                     if (std::isnan(left.cv_score) || std::isnan(right.cv_score)) {
                       return !std::isnan(left.cv_score) && std::isnan(right.cv_score);
                     }
                     return left.cv_score < right.cv_score;
                   });
  for (size_t idx = 0; idx < entries.size(); ++idx) entries[idx].rank = static_cast<int>(idx + 1);
}

// Marks the entry of what the search publishes: the one with `algorithm`, and (for a trial) its searched `params`
// and cross-validated score, which is how entries are matched back to their trials.
void MarkPublished(std::vector<storage::LeaderboardEntry>& leaderboard, std::string_view algorithm,
                   const std::map<std::string, double>* params = nullptr, double cv_score = 0.0) {
  for (storage::LeaderboardEntry& entry : leaderboard) {
    if (entry.algorithm == algorithm && (params == nullptr || (entry.params == *params && entry.cv_score == cv_score))) {
      entry.published = true;
      return;
    }
  }
}

core::Result<SearchOutcome> RunSearch(const data::Table& table, const SearchPlan& plan,
                                      const std::atomic<bool>& cancelled,
                                      const std::function<void(const SearchStatus&)>& on_status) {
  const size_t trial_count = plan.candidates.size();
  const auto started = SteadyClock::now();
  const bool has_deadline = plan.time_budget_seconds > 0;
  const auto deadline = started + std::chrono::duration_cast<SteadyClock::duration>(
                                      std::chrono::duration<double>(plan.time_budget_seconds));
  SearchOutcome outcome;

  // Trials stop on `stop`: set on cancellation, or when the time budget is over and some trial has succeeded (until
  // then the search goes on past the budget, so that it always ends with a model).
  std::atomic<bool> stop = false;
  std::atomic<int> last_round = 0;
  std::atomic<int> last_rounds = 0;
  auto on_round = [&](int round, int rounds) {
    last_round.store(round, std::memory_order_relaxed);
    last_rounds.store(rounds, std::memory_order_relaxed);
  };

  std::mutex mu;
  std::condition_variable trial_done;
  std::vector<TrialResult> results(trial_count);  // guarded by mu once workers run
  size_t next_trial = 0;                          // guarded by mu
  size_t finished = 0;                            // guarded by mu
  size_t succeeded = 0;                           // guarded by mu
  bool out_of_time = false;                       // guarded by mu: start no new trial

  // The ensemble stage's inputs: every trial shares the folds and targets (one copy kept), and the out-of-fold
  // values of the best EnsemblePoolSize() trials, by CV score then trial order, so the same set is kept whatever
  // order the trials finish in. Requires mu.
  std::vector<int> fold_of;     // guarded by mu
  std::vector<double> targets;  // guarded by mu
  auto keep_best_out_of_fold = [&](size_t trial_idx) {
    CrossValidation& cv = **results[trial_idx].cv;
    if (plan.ensemble && fold_of.empty()) {
      fold_of = std::move(cv.fold_of);
      targets = std::move(cv.targets);
    }
    cv.fold_of = {};
    cv.targets = {};
    const size_t pool = plan.ensemble ? EnsemblePoolSize(cv.out_of_fold.size()) : 0;
    std::vector<size_t> holding;
    for (size_t idx = 0; idx < trial_count; ++idx) {
      if (results[idx].cv && results[idx].cv->ok() && !(*results[idx].cv)->out_of_fold.empty()) holding.push_back(idx);
    }
    std::stable_sort(holding.begin(), holding.end(), [&](size_t left, size_t right) {
      const double left_score = (*results[left].cv)->mean;
      const double right_score = (*results[right].cv)->mean;
      if (std::isnan(left_score) || std::isnan(right_score)) return !std::isnan(left_score) && std::isnan(right_score);
      return left_score < right_score;
    });
    for (size_t pos = 0; pos < holding.size(); ++pos) {
      if (pos >= pool || std::isnan((*results[holding[pos]].cv)->mean)) (*results[holding[pos]].cv)->out_of_fold = {};
    }
  };

  auto worker = [&] {
    while (true) {
      size_t trial_idx;
      {
        std::lock_guard lock(mu);
        if (has_deadline && succeeded > 0 && SteadyClock::now() >= deadline) out_of_time = true;
        if (next_trial >= trial_count || out_of_time || stop) return;
        trial_idx = next_trial++;
      }
      const auto trial_started = SteadyClock::now();
      auto cv = CrossValidate(table, plan.candidates[trial_idx], plan.folds, stop, on_round, plan.repeats);
      {
        std::lock_guard lock(mu);
        results[trial_idx].seconds = SecondsSince(trial_started);
        if (cv.ok()) ++succeeded;
        results[trial_idx].cv = std::move(cv);
        ++finished;
        if (results[trial_idx].cv->ok()) keep_best_out_of_fold(trial_idx);
      }
      trial_done.notify_all();
    }
  };
  const int parallel = std::max(1, std::min(plan.cpu_budget, static_cast<int>(trial_count)));
  std::vector<std::thread> workers;
  for (int idx = 0; idx < parallel; ++idx) workers.emplace_back(worker);

  // Builds the leaderboard of the finished trials (in trial order, then ranked). Requires mu.
  auto leaderboard_so_far = [&] {
    std::vector<storage::LeaderboardEntry> entries;
    for (size_t trial_idx = 0; trial_idx < trial_count; ++trial_idx) {
      const TrialResult& result = results[trial_idx];
      if (!result.cv || !result.cv->ok()) continue;
      storage::LeaderboardEntry entry;
      entry.algorithm = plan.candidates[trial_idx].algorithm;
      entry.params = plan.searched_params[trial_idx];
      entry.metric = (*result.cv)->metric;
      entry.cv_score = (*result.cv)->mean;
      entry.cv_std = (*result.cv)->std;
      entry.fit_seconds = result.seconds;
      entries.push_back(std::move(entry));
    }
    RankLeaderboard(entries);
    return entries;
  };

  // One log line per trial, as it ends. Requires mu (or the workers joined).
  std::vector<bool> logged(trial_count, false);
  auto describe = [&](size_t trial_idx) {
    const TrialResult& result = results[trial_idx];
    std::string head = "trial " + std::to_string(trial_idx + 1) + "/" + std::to_string(trial_count) + " " +
                       plan.candidates[trial_idx].algorithm + " (" + DescribeParams(plan.searched_params[trial_idx]) +
                       "): ";
    if (!result.cv) return head + "skipped: the time budget ran out";
    if (!result.cv->ok()) {
      const core::Status& status = result.cv->status();
      if (status.code() == core::StatusCode::kCancelled) return head + "stopped: the search was stopped";
      return head + "failed: " + status.message();
    }
    char repeats[48] = "";
    if (plan.repeats > 1) std::snprintf(repeats, sizeof(repeats), " x %d repeats", plan.repeats);
    char line[200];
    std::snprintf(line, sizeof(line), "%s %.6g +- %.3g over %d folds%s in %.2fs", (*result.cv)->metric.c_str(),
                  (*result.cv)->mean, (*result.cv)->std, plan.folds, repeats, result.seconds);
    return head + line;
  };

  size_t reported = static_cast<size_t>(-1);
  auto last_report = SteadyClock::now() - std::chrono::seconds(10);
  while (true) {
    SearchStatus status;
    bool all_done;
    {
      std::unique_lock lock(mu);
      trial_done.wait_for(lock, std::chrono::milliseconds(50));
      if (cancelled) stop = true;
      // Out of time once a trial has succeeded: keep the best so far, never end without a model.
      if (has_deadline && succeeded > 0 && SteadyClock::now() >= deadline) {
        out_of_time = true;
        stop = true;
      }
      all_done = finished == next_trial && (next_trial == trial_count || out_of_time || stop);
      const bool changed = finished != reported;
      if (!all_done && !changed && SteadyClock::now() - last_report < std::chrono::milliseconds(500)) continue;
      reported = finished;
      last_report = SteadyClock::now();
      status.phase = "searching";
      status.trials_done = static_cast<int>(finished);
      status.trials_total = static_cast<int>(trial_count);
      status.leaderboard = leaderboard_so_far();
      for (size_t trial_idx = 0; trial_idx < trial_count; ++trial_idx) {
        if (logged[trial_idx] || !results[trial_idx].cv) continue;
        logged[trial_idx] = true;
        status.log.push_back(describe(trial_idx));
      }
      if (finished > 0) {
        double elapsed = SecondsSince(started);
        double per_trial = elapsed / static_cast<double>(finished);
        // A refit costs about one fold's fit.
        const double per_fit = per_trial / (plan.folds * std::max(1, plan.repeats));
        double remaining = per_trial * static_cast<double>(trial_count - finished) / parallel + per_fit;
        if (has_deadline) {
          remaining = std::min(remaining, std::max(0.0, plan.time_budget_seconds - elapsed) + per_fit);
        }
        status.eta_seconds = remaining;
      }
    }
    status.boosting_round = last_round.load(std::memory_order_relaxed);
    status.boosting_rounds = last_rounds.load(std::memory_order_relaxed);
    if (on_status) on_status(status);
    if (all_done) break;
  }
  for (std::thread& thread : workers) thread.join();
  if (cancelled) return core::Cancelled("training was cancelled");

  // Every worker has joined: results are ours alone now.
  std::optional<core::Status> first_error;
  for (size_t trial_idx = 0; trial_idx < trial_count; ++trial_idx) {
    const TrialResult& result = results[trial_idx];
    if (result.cv && !result.cv->ok() && result.cv->status().code() != core::StatusCode::kCancelled && !first_error) {
      first_error = result.cv->status();
    }
    if (!logged[trial_idx]) outcome.log.push_back(describe(trial_idx));
  }
  {
    std::lock_guard lock(mu);
    outcome.leaderboard = leaderboard_so_far();
  }
  if (outcome.leaderboard.empty()) {
    if (first_error) return *first_error;
    return core::Internal("no trial finished");
  }

  // The best single trial: the first ranked (its index found by matching the entry back to its trial).
  size_t best_idx = 0;
  for (size_t trial_idx = 0; trial_idx < trial_count; ++trial_idx) {
    const TrialResult& result = results[trial_idx];
    if (!result.cv || !result.cv->ok()) continue;
    const storage::LeaderboardEntry& best = outcome.leaderboard.front();
    if (plan.candidates[trial_idx].algorithm == best.algorithm && plan.searched_params[trial_idx] == best.params &&
        (*result.cv)->mean == best.cv_score) {
      best_idx = trial_idx;
      break;
    }
  }

  // The ensemble stage: Caruana's selection over the kept trials' out-of-fold values, ranked with the trials by its
  // honest cross-validated estimate; it wins only if strictly better than the best trial.
  std::vector<std::pair<size_t, double>> ensemble;  // (trial, weight), best ranked first
  std::vector<double> ensemble_fold_scores;         // its honest estimate's, fold by fold
  const bool time_left = !has_deadline || SteadyClock::now() < deadline;
  if (plan.ensemble && !time_left) {
    outcome.log.push_back("ensemble: skipped, the time budget ran out");
  } else if (plan.ensemble) {
    std::vector<size_t> pool;
    for (size_t trial_idx = 0; trial_idx < trial_count; ++trial_idx) {
      if (SucceededWithScore(results[trial_idx]) && !(*results[trial_idx].cv)->out_of_fold.empty()) {
        pool.push_back(trial_idx);
      }
    }
    std::stable_sort(pool.begin(), pool.end(),
                     [&](size_t left, size_t right) { return (*results[left].cv)->mean < (*results[right].cv)->mean; });
    if (pool.size() < 2) {
      outcome.log.push_back("ensemble: skipped, fewer than two trials to combine" +
                            std::string(EnsemblePoolSize(fold_of.size()) < 2 ? " within the memory bound" : ""));
    } else {
      const auto ensemble_started = SteadyClock::now();
      std::vector<std::vector<double>> candidates;
      for (size_t trial_idx : pool) candidates.push_back(std::move((*results[trial_idx].cv)->out_of_fold));
      const EnsembleLoss loss = ml::IsClassification(plan.task) ? EnsembleLoss::kLogLoss : EnsembleLoss::kRmse;
      const EnsembleEstimate estimate =
          CrossValidateEnsemble(candidates, loss, targets, fold_of, plan.folds, kEnsembleSteps, plan.repeats);
      candidates.clear();
      std::string members;
      for (size_t pos = 0; pos < pool.size(); ++pos) {
        if (estimate.weights[pos] <= 0.0) continue;
        ensemble.emplace_back(pool[pos], estimate.weights[pos]);
        char weight[32];
        std::snprintf(weight, sizeof(weight), "%.2f", estimate.weights[pos]);
        members += (members.empty() ? "" : ", ") + std::string(weight) + " x trial " + std::to_string(pool[pos] + 1) +
                   " " + plan.candidates[pool[pos]].algorithm;
      }
      char line[320];
      std::snprintf(line, sizeof(line),
                    "%s %.6g +- %.3g (each fold scored by the ensemble selected on the others; picking the single "
                    "best trial the same way scores %.6g)",
                    outcome.leaderboard.front().metric.c_str(), estimate.mean, estimate.std, estimate.single_mean);
      if (ensemble.size() < 2) {
        outcome.log.push_back("ensemble: selection kept only trial " + std::to_string(ensemble.front().first + 1) +
                              "; no ensemble");
        ensemble.clear();
      } else {
        storage::LeaderboardEntry entry;
        entry.algorithm = std::string(ml::kEnsembleAlgorithm);
        entry.params = {{"members", static_cast<double>(ensemble.size())},
                        {"candidates", static_cast<double>(pool.size())}};
        entry.metric = outcome.leaderboard.front().metric;
        entry.cv_score = estimate.mean;
        entry.cv_std = estimate.std;
        entry.fit_seconds = SecondsSince(ensemble_started);
        outcome.leaderboard.push_back(entry);
        RankLeaderboard(outcome.leaderboard);  // stable: a tie leaves the ensemble below the trial
        const bool wins = outcome.leaderboard.front().algorithm == ml::kEnsembleAlgorithm;
        outcome.log.push_back("ensemble of " + std::to_string(ensemble.size()) + " trials (" + members + "): " + line +
                              (wins ? "; it ranks first" : "; the best trial stays ahead"));
        if (wins) {
          ensemble_fold_scores = estimate.fold_scores;
        } else {
          ensemble.clear();
        }
      }
    }
  }
  // Breiman's one-standard-error rule, twice (one_standard_error_rule.h). First across complexities: the best trial of
  // each family and the ensemble (when it ranks first) compete on their fold scores, and a simpler one within one
  // standard error of the first ranked is published instead. Then within the published family: a tuned setting
  // replaces the family's default only when it beats the default by more than one standard error of their paired
  // fold differences, since choosing among settings the folds cannot tell apart adds the variance of the choice and
  // nothing else. The leaderboard stays ranked by cv_score; the log says what was published and why.
  if (plan.ensemble) {
    std::vector<size_t> ranked;
    for (size_t trial_idx = 0; trial_idx < trial_count; ++trial_idx) {
      if (SucceededWithScore(results[trial_idx])) ranked.push_back(trial_idx);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](size_t left, size_t right) { return (*results[left].cv)->mean < (*results[right].cv)->mean; });
    auto trial_name = [&](size_t trial_idx) {
      return "trial " + std::to_string(trial_idx + 1) + " " + plan.candidates[trial_idx].algorithm + " (" +
             DescribeParams(plan.searched_params[trial_idx]) + ")";
    };
    auto describe_difference = [](const OneStandardErrorPick& pick, size_t folds) {
      char numbers[160];
      std::snprintf(numbers, sizeof(numbers), "%.6g +- %.3g (standard error) over the %zu folds", pick.mean_difference,
                    pick.standard_error, folds);
      return std::string(numbers);
    };
    std::vector<ScoredModel> models;
    std::vector<size_t> model_trials;  // trial_count stands for the ensemble
    std::set<std::string> families;
    for (size_t trial_idx : ranked) {
      const std::string& algorithm = plan.candidates[trial_idx].algorithm;
      if (!families.insert(algorithm).second) continue;
      const bool linear = algorithm == ml::kLinearRegressionAlgorithm || algorithm == ml::kLogisticRegressionAlgorithm;
      models.push_back({linear ? kLinearComplexity : kTreeComplexity, (*results[trial_idx].cv)->fold_scores});
      model_trials.push_back(trial_idx);
    }
    if (!ensemble.empty()) {
      models.push_back({kEnsembleComplexity, ensemble_fold_scores});
      model_trials.push_back(trial_count);
    }
    if (!models.empty() && models.front().fold_scores.size() >= 2) {
      const OneStandardErrorPick pick = PickWithinOneStandardError(models);
      size_t chosen = model_trials[pick.pick];
      if (pick.pick != pick.best) {
        const std::string first =
            model_trials[pick.best] == trial_count ? std::string("the ensemble") : trial_name(model_trials[pick.best]);
        outcome.log.push_back("one-standard-error rule: " + trial_name(chosen) + " is simpler than " + first +
                              ", which ranks first, and within one standard error of it (paired difference " +
                              describe_difference(pick, models.front().fold_scores.size()) +
                              "): publishing the simpler model");
      }
      if (chosen != trial_count) {  // a trial, its family's best: the family's default unless clearly worse
        for (size_t default_idx : ranked) {
          if (default_idx == chosen || plan.candidates[default_idx].algorithm != plan.candidates[chosen].algorithm ||
              default_idx >= plan.family_defaults.size() || !plan.family_defaults[default_idx]) {
            continue;
          }
          const std::vector<double>& best_scores = (*results[chosen].cv)->fold_scores;
          const std::vector<ScoredModel> pair = {{0, (*results[default_idx].cv)->fold_scores}, {1, best_scores}};
          const OneStandardErrorPick kept = PickWithinOneStandardError(pair);
          if (kept.pick == 0) {
            outcome.log.push_back("defaults rule: " + trial_name(default_idx) + ", the family's default, is within " +
                                  "one standard error of " + trial_name(chosen) + ", the family's best (paired " +
                                  "difference " + describe_difference(kept, best_scores.size()) +
                                  "): publishing the default");
            chosen = default_idx;
          }
          break;
        }
        ensemble.clear();
        best_idx = chosen;
      }
    }
  }
  // Frees every trial's out-of-fold values before the refits.
  for (TrialResult& result : results) {
    if (result.cv && result.cv->ok()) (*result.cv)->out_of_fold = {};
  }
  fold_of = {};
  targets = {};

  SearchStatus refitting;
  refitting.phase = "refitting";
  refitting.trials_done = static_cast<int>(trial_count);
  refitting.trials_total = static_cast<int>(trial_count);
  refitting.leaderboard = outcome.leaderboard;
  if (on_status) on_status(refitting);

  // Refits trial `trial_idx` on the whole training part. The refit runs alone, so a tree model may use the whole
  // budget (unless the request fixed nthread).
  auto refit = [&](size_t trial_idx) -> core::Result<TrainingOutcome> {
    TrainPlan fitted = plan.candidates[trial_idx];
    fitted.threads = plan.cpu_budget;
    const bool threaded = CheckParameter(fitted.algorithm, "nthread", 1).ok();
    if (threaded && !plan.searched_params[trial_idx].contains("nthread") && !plan.fixed_nthread) {
      fitted.boosting.nthread = plan.cpu_budget;
    }
    return TrainModel(table, fitted, cancelled, {}, on_round);
  };

  outcome.winner = plan.candidates[best_idx];
  outcome.algorithm = outcome.winner.algorithm;
  outcome.params = outcome.winner.Params();
  auto mark_winner = [&] {
    MarkPublished(outcome.leaderboard, outcome.winner.algorithm, &plan.searched_params[best_idx],
                  (*results[best_idx].cv)->mean);
  };
  if (!ensemble.empty()) {
    // With a time budget the best trial is refit first, so there is a model to publish if the budget runs out
    // before every member is refit.
    std::optional<TrainingOutcome> best_refit;
    if (has_deadline) {
      AMP_ASSIGN_OR_RETURN(best_refit, refit(best_idx));
    }
    std::vector<ml::EnsembleModel::Member> members;
    std::optional<TrainingOutcome> first_refit;
    bool out_of_budget = false;
    for (const auto& [trial_idx, weight] : ensemble) {
      if (has_deadline && SteadyClock::now() >= deadline) {
        out_of_budget = true;
        break;
      }
      TrainingOutcome member;
      if (trial_idx == best_idx && best_refit) {
        member = *best_refit;
      } else {
        AMP_ASSIGN_OR_RETURN(member, refit(trial_idx));
      }
      members.push_back({member.model, weight});
      if (!first_refit) first_refit = std::move(member);
    }
    if (out_of_budget) {
      outcome.log.push_back(
          "ensemble: the time budget ran out while refitting its members; publishing the best "
          "trial instead");
      outcome.log.push_back("winner: " + outcome.winner.algorithm + " (" +
                            DescribeParams(plan.searched_params[best_idx]) + ")");
      outcome.refit = std::move(*best_refit);
      mark_winner();
      return outcome;
    }
    ml::ModelSignature signature = members.front().model->signature();
    AMP_ASSIGN_OR_RETURN(auto model, ml::EnsembleModel::Create(std::move(signature), std::move(members)));
    outcome.refit = std::move(*first_refit);
    AMP_RETURN_IF_ERROR(AdoptModel(table, plan.candidates[ensemble.front().first], std::move(model), &outcome.refit));
    outcome.algorithm = std::string(ml::kEnsembleAlgorithm);
    outcome.params = {{"members", static_cast<double>(ensemble.size())},
                      {"holdout_fraction", outcome.winner.holdout_fraction},
                      {"seed", static_cast<double>(outcome.winner.seed)}};
    outcome.log.push_back("winner: the ensemble of " + std::to_string(ensemble.size()) +
                          " trials, each refit on the whole training part");
    MarkPublished(outcome.leaderboard, ml::kEnsembleAlgorithm);
    return outcome;
  }
  outcome.log.push_back("winner: " + outcome.winner.algorithm + " (" + DescribeParams(plan.searched_params[best_idx]) +
                        "); refitting on the whole training part");
  AMP_ASSIGN_OR_RETURN(outcome.refit, refit(best_idx));
  mark_winner();
  return outcome;
}

}  // namespace amp::training
