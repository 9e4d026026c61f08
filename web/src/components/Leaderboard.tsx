// The leaderboard of an automatic training run: candidates ranked by cross-validated score. The highlighted row is
// the published one (`published`: its rank; 0 for none; by default the row the server marked published, else the
// first, as while a search runs), which is not always the first: auto may publish a simpler model within one
// standard error of it.
import type { LeaderboardRow } from "../types";
import { Table } from "./ui";
import { formatNumber } from "../lib/format";

export function Leaderboard(props: { rows: LeaderboardRow[]; published?: number }) {
  const rows = [...props.rows].sort((a, b) => a.rank - b.rank);
  const published = props.published ?? rows.find((row) => row.published === true)?.rank ?? 1;
  return (
    <>
      {published > 1 && (
        <p class="muted small" data-testid="leaderboard-note">
          Published: rank {published} rather than rank 1 (a simpler model within one standard error of the first, or
          the best trial when the time budget ended the ensemble's refits; the job log says which).
        </p>
      )}
      <Table testid="leaderboard-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Algorithm</th>
            <th>CV {rows[0]?.metric ?? "score"}</th>
            <th class="hide-narrow">± std</th>
            <th class="hide-narrow">Fit</th>
            <th class="hide-narrow">Parameters</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.rank}-${row.algorithm}`} class={row.rank === published ? "row-selected" : ""}>
              <td>{row.rank}</td>
              <td>{row.algorithm}</td>
              <td>{formatNumber(row.cv_score)}</td>
              <td class="hide-narrow">{row.cv_std === undefined ? "–" : formatNumber(row.cv_std)}</td>
              <td class="hide-narrow">{row.fit_seconds === undefined ? "–" : `${row.fit_seconds.toFixed(2)} s`}</td>
              <td class="hide-narrow">
                <code class="small">{row.params ? JSON.stringify(row.params) : ""}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
