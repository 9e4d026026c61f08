import { describe, expect, it } from "vitest";
import { publishedRank } from "./leaderboard";
import type { LeaderboardRow } from "../types";

const row = (rank: number, algorithm: string, params: Record<string, unknown>): LeaderboardRow => ({
  rank,
  algorithm,
  params,
  metric: "rmse",
  cv_score: 50 + rank,
});

describe("publishedRank", () => {
  const rows = [
    row(2, "linear_regression", { l2: 10 }),
    row(1, "ensemble", { members: 3, candidates: 10 }),
    row(3, "xgboost_regressor", { max_depth: 3, n_estimators: 200 }),
    row(4, "linear_regression", { l2: 1 }),
  ];
  it("finds the row whose searched parameters the version has", () => {
    const cases: [string, Record<string, unknown>, number | undefined][] = [
      ["linear_regression", { l2: 10, holdout_fraction: 0.2, seed: 42 }, 2], // the one-standard-error rule's pick
      ["linear_regression", { l2: 1, holdout_fraction: 0.2, seed: 42 }, 4],
      ["ensemble", { members: 3, holdout_fraction: 0.2, seed: 42 }, 1], // an ensemble's params differ from its row's
      ["xgboost_regressor", { max_depth: 3, n_estimators: 200, learning_rate: 0.1 }, 3],
      ["xgboost_regressor", { max_depth: 6, n_estimators: 200 }, undefined],
      ["kmeans", { k: 3 }, undefined],
    ];
    for (const [algorithm, params, expected] of cases) expect(publishedRank(rows, algorithm, params)).toBe(expected);
  });
  it("takes the row the server marked published over any match", () => {
    const marked = rows.map((r) => (r.rank === 4 ? { ...r, published: true } : { ...r, published: false }));
    expect(publishedRank(marked, "linear_regression", { l2: 10 })).toBe(4);
  });
  it("takes the best ranked of equal rows", () => {
    expect(publishedRank([row(2, "logistic_regression", {}), row(1, "logistic_regression", {})], "logistic_regression", { C: 1 })).toBe(1);
  });
});
