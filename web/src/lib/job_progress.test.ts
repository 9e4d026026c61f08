import { describe, expect, it } from "vitest";
import { jobProgress } from "./job_progress";

describe("jobProgress", () => {
  it("uses the search's trials, then boosting rounds, then the state", () => {
    const cases: [Parameters<typeof jobProgress>[0], { fraction: number; label: string }][] = [
      [{ state: "running", progress: "searching", progress_detail: { phase: "searching", trials_done: 3, trials_total: 12, eta_seconds: 7.2 } }, { fraction: 0.25, label: "searching · trial 3/12 · about 8 s left" }],
      [{ state: "running", progress: "", progress_detail: { phase: "fitting", boosting_round: 40, boosting_rounds: 50 } }, { fraction: 0.8, label: "fitting · round 40/50" }],
      [{ state: "running", progress: "loading data" }, { fraction: 0.5, label: "loading data" }],
      [{ state: "queued", progress: "" }, { fraction: 0.05, label: "queued" }],
      [{ state: "succeeded", progress: "done", progress_detail: { phase: "succeeded", trials_done: 2, trials_total: 4, eta_seconds: 3 } }, { fraction: 1, label: "done · trial 2/4" }],
      [{ state: "running", progress: 1.7 }, { fraction: 1, label: "running" }],
    ];
    for (const [job, expected] of cases) expect(jobProgress(job)).toEqual(expected);
  });
});
