// The cleaning report (docs/data-preparation.md) for a person: its summary sentences, each column's role (with the
// reason for an excluded one), and the raw JSON folded away.
import { Badge, Table } from "./ui";

interface ReportColumn {
  name: string;
  type?: string;
  role?: string;
  excluded_because?: string;
  reason?: string;
}

export function CleaningReport(props: { report: Record<string, unknown> }) {
  const summary = Array.isArray(props.report.summary) ? (props.report.summary as unknown[]).filter((line): line is string => typeof line === "string") : [];
  const columns = Array.isArray(props.report.columns) ? (props.report.columns as ReportColumn[]).filter((column) => column && typeof column.name === "string") : [];
  return (
    <>
      {summary.length > 0 ? (
        <ul class="report-summary" data-testid="cleaning-summary">
          {summary.map((line, idx) => (
            <li key={idx}>{line}</li>
          ))}
        </ul>
      ) : (
        <p class="muted">Nothing to report: every column is used as it is.</p>
      )}
      {columns.length > 0 && (
        <Table>
          <thead>
            <tr>
              <th>Column</th>
              <th>Role</th>
              <th class="hide-narrow">Why</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((column) => (
              <tr key={column.name}>
                <td>{column.name}</td>
                <td>
                  <Badge kind={column.role === "excluded" ? "warning" : undefined}>{column.role ?? "–"}</Badge>
                </td>
                <td class="hide-narrow small">{column.reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <details>
        <summary class="muted small">Raw report</summary>
        <pre class="json">{JSON.stringify(props.report, null, 2)}</pre>
      </details>
    </>
  );
}
