// The pure decisions of a training worker that holds jobs from the shared queue (`amp worker`, QueueWorker): how
// often to renew a lease (which is also how soon a cancel request is noticed), what a renewal's answer means, how
// long to wait while the queue is empty, and when a job that keeps losing its workers is given up. Table-tested.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace amp::training {

struct LeaseOptions {
  int64_t lease_micros = 30'000'000;  // how long a claim or renewal holds a job
  // Renewals come every lease/3, but at least this often: each renewal is also when a cancel request is seen.
  int64_t max_heartbeat_micros = 1'000'000;
  // Waits between claims while the queue is empty: doubling from min to max.
  int64_t idle_min_micros = 100'000;
  int64_t idle_max_micros = 1'000'000;
  // A job claimed this many times without ending (its workers died or were stopped) fails instead of running again.
  int64_t max_attempts = 5;
};

// Time between two renewals of a held lease: a third of the lease (two renewals may fail before it lapses), at
// most max_heartbeat_micros, at least 10 ms.
int64_t HeartbeatIntervalMicros(const LeaseOptions& options);

// Whether a lease that runs until `lease_until_micros` has ended at `now_micros` (0: no lease, never ended).
bool LeaseEnded(int64_t lease_until_micros, int64_t now_micros);

// The wait before the next claim after `empty_polls` consecutive claims found the queue empty (0: none, no wait).
int64_t IdleBackoffMicros(int empty_polls, const LeaseOptions& options);

// Whether a job just claimed for the `attempts`-th time should fail instead of running (see max_attempts).
bool ShouldGiveUp(int64_t attempts, const LeaseOptions& options);

enum class RenewalVerdict {
  kKeepRunning,    // renewed, nobody asked to stop
  kStopCancelled,  // renewed, but a cancel was requested: stop and record the job cancelled
  kStopLeaseLost,  // someone else holds the job now (requeued after the lease lapsed), or it ended: stop and
                   // record nothing
  kRetry,          // the store did not answer: keep running and renew again at the next heartbeat
};
// What a renewal's outcome means. `code` is RenewJobLease's status code; `cancel_requested` the returned record's
// flag (when ok); `held_until_micros` when the lease last renewed successfully ends. A store error is retried only
// while that lease has not ended: past it another worker may already have claimed the job.
RenewalVerdict JudgeRenewal(core::StatusCode code, bool cancel_requested, int64_t held_until_micros,
                            int64_t now_micros);

}  // namespace amp::training
