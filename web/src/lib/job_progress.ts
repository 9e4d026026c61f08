// A training job's progress bar from its JSON: the fraction done and a label, from progress_detail (phase, search
// trials, boosting rounds, ETA) when the server sends it. Pure.

export interface ProgressDetail {
  phase?: string;
  trials_done?: number;
  trials_total?: number;
  boosting_round?: number;
  boosting_rounds?: number;
  eta_seconds?: number;
}

export function jobProgress(job: { state: string; progress?: string | number; progress_detail?: ProgressDetail }): { fraction: number; label: string } {
  const detail = job.progress_detail ?? {};
  const parts: string[] = [];
  const text = typeof job.progress === "string" && job.progress ? job.progress : detail.phase ?? job.state;
  parts.push(text);
  let fraction: number;
  if (job.state === "succeeded") {
    fraction = 1;
  } else if (typeof job.progress === "number") {
    fraction = job.progress;
  } else if (detail.trials_total && detail.trials_total > 0) {
    fraction = (detail.trials_done ?? 0) / detail.trials_total;
  } else if (detail.boosting_rounds && detail.boosting_rounds > 0) {
    fraction = (detail.boosting_round ?? 0) / detail.boosting_rounds;
  } else {
    fraction = job.state === "running" ? 0.5 : job.state === "queued" ? 0.05 : 1;
  }
  if (detail.trials_total) parts.push(`trial ${detail.trials_done ?? 0}/${detail.trials_total}`);
  if (detail.boosting_rounds) parts.push(`round ${detail.boosting_round ?? 0}/${detail.boosting_rounds}`);
  if (detail.eta_seconds !== undefined && detail.eta_seconds >= 0 && job.state === "running") parts.push(`about ${Math.ceil(detail.eta_seconds)} s left`);
  return { fraction: Math.min(1, Math.max(0, fraction)), label: parts.join(" · ") };
}
