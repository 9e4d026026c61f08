// Which leaderboard row a version is: the first ranked, or another when `auto` published a simpler model within one
// standard error of it (or the best trial when the time budget ended an ensemble's refits). The server marks that
// row `published`; for versions recorded before it did, the row is matched: a row lists only its searched
// parameters (an ensemble's: its size), the version has every resolved one. Pure.
import type { LeaderboardRow } from "../types";

export function publishedRank(rows: LeaderboardRow[], algorithm: string, params: Record<string, unknown>): number | undefined {
  const marked = rows.find((row) => row.published === true);
  if (marked) return marked.rank;
  const ranked = [...rows].sort((a, b) => a.rank - b.rank);
  const match = ranked.find(
    (row) =>
      row.algorithm === algorithm &&
      (algorithm === "ensemble" || Object.entries(row.params ?? {}).every(([name, value]) => params[name] === value)),
  );
  return match?.rank;
}
