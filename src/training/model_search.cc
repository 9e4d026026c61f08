#include "training/model_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

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
      auto cv = CrossValidate(table, plan.candidates[trial_idx], plan.folds, stop, on_round);
      {
        std::lock_guard lock(mu);
        results[trial_idx].seconds = SecondsSince(trial_started);
        if (cv.ok()) ++succeeded;
        results[trial_idx].cv = std::move(cv);
        ++finished;
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
    char line[160];
    std::snprintf(line, sizeof(line), "%s %.6g +- %.3g over %d folds in %.2fs", (*result.cv)->metric.c_str(),
                  (*result.cv)->mean, (*result.cv)->std, plan.folds, result.seconds);
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
        double remaining = per_trial * static_cast<double>(trial_count - finished) / parallel + per_trial / plan.folds;
        if (has_deadline) {
          remaining = std::min(remaining, std::max(0.0, plan.time_budget_seconds - elapsed) + per_trial / plan.folds);
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

  // The winner: the first ranked trial (its index found by matching the entry back to its trial).
  size_t winner_idx = 0;
  {
    std::lock_guard lock(mu);
    for (size_t trial_idx = 0; trial_idx < trial_count; ++trial_idx) {
      const TrialResult& result = results[trial_idx];
      if (!result.cv || !result.cv->ok()) continue;
      const storage::LeaderboardEntry& best = outcome.leaderboard.front();
      if (plan.candidates[trial_idx].algorithm == best.algorithm && plan.searched_params[trial_idx] == best.params &&
          (*result.cv)->mean == best.cv_score) {
        winner_idx = trial_idx;
        break;
      }
    }
  }
  outcome.winner = plan.candidates[winner_idx];
  // The refit runs alone, so a tree model may use the whole budget (unless the request fixed nthread).
  const bool threaded = CheckParameter(outcome.winner.algorithm, "nthread", 1).ok();
  if (threaded && !plan.searched_params[winner_idx].contains("nthread") && !plan.fixed_nthread) {
    outcome.winner.boosting.nthread = plan.cpu_budget;
  }
  outcome.log.push_back("winner: " + outcome.winner.algorithm + " (" +
                        DescribeParams(plan.searched_params[winner_idx]) + "); refitting on the whole training part");

  SearchStatus refitting;
  refitting.phase = "refitting";
  refitting.trials_done = static_cast<int>(trial_count);
  refitting.trials_total = static_cast<int>(trial_count);
  refitting.leaderboard = outcome.leaderboard;
  if (on_status) on_status(refitting);
  AMP_ASSIGN_OR_RETURN(outcome.refit, TrainModel(table, outcome.winner, cancelled, {}, on_round));
  return outcome;
}

}  // namespace amp::training
