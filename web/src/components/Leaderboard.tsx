// The leaderboard of an automatic training run: candidates ranked by cross-validated score.
import type { LeaderboardRow } from "../types";
import { Table } from "./ui";
import { formatNumber } from "../lib/format";

export function Leaderboard(props: { rows: LeaderboardRow[] }) {
  const rows = [...props.rows].sort((a, b) => a.rank - b.rank);
  return (
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
          <tr key={`${row.rank}-${row.algorithm}`} class={row.rank === 1 ? "row-selected" : ""}>
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
  );
}
