// Datasets: upload a CSV (with upload progress), the list, and one dataset's profile: column types, missing
// values, value distributions, personal-data findings and the cleaning report when the server provides one.
import { useState } from "preact/hooks";
import { enc, get, uploadCsv } from "../api";
import { useApi } from "../hooks";
import { navigate } from "../router";
import type { Column, Dataset } from "../types";
import { HistogramChart } from "../components/HistogramChart";
import { CleaningReport } from "../components/CleaningReport";
import { Badge, BarChart, Card, ErrorBox, KeyValues, Link, Notice, Page, ProgressBar, Spinner, Table } from "../components/ui";
import { formatBytes, formatDate, formatNumber, formatPercent } from "../lib/format";

export function Datasets() {
  const datasets = useApi(() => get<{ datasets: Dataset[] }>("/v1/datasets"), []);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  const upload = async (event: Event) => {
    event.preventDefault();
    if (!file) return;
    setError(null);
    setProgress(0);
    const datasetName = name || file.name.replace(/\.csv$/i, "");
    try {
      const dataset = await uploadCsv<Dataset>(`/v1/datasets?name=${enc(datasetName)}`, file, setProgress);
      navigate(`/datasets/${enc(dataset.id)}`);
    } catch (err) {
      setError(err);
      setProgress(null);
    }
  };

  return (
    <Page title="Datasets" subtitle="Upload a CSV: AMP infers its schema and profiles every column.">
      <Card title="Upload a CSV">
        <form class="form form-row" onSubmit={upload}>
          <label class="field">
            <span>File</span>
            <input class="input" type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} data-testid="upload-file" />
          </label>
          <label class="field">
            <span>Name</span>
            <input class="input" value={name} placeholder={file?.name.replace(/\.csv$/i, "") ?? "houses"} onInput={(e) => setName(e.currentTarget.value)} data-testid="upload-name" />
          </label>
          <button class="btn btn-primary" type="submit" disabled={!file || (progress !== null && progress < 1)} data-testid="upload-submit">
            Upload
          </button>
        </form>
        {progress !== null && <ProgressBar value={progress} label={progress < 1 ? `Uploading ${formatPercent(progress)}` : "Profiling…"} testid="upload-progress" />}
        <ErrorBox error={error} />
      </Card>
      <ErrorBox error={datasets.error} onRetry={datasets.reload} />
      {datasets.loading && !datasets.data && <Spinner />}
      {datasets.data && (
        <Table testid="datasets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Rows</th>
              <th>Columns</th>
              <th class="hide-narrow">Size</th>
              <th class="hide-narrow">Uploaded</th>
            </tr>
          </thead>
          <tbody>
            {datasets.data.datasets.length === 0 && (
              <tr>
                <td colSpan={5} class="empty">
                  No dataset yet.
                </td>
              </tr>
            )}
            {datasets.data.datasets.map((dataset) => (
              <tr key={dataset.id}>
                <td>
                  <Link href={`/datasets/${enc(dataset.id)}`}>{dataset.name}</Link> <span class="muted small">{dataset.id}</span>
                </td>
                <td>{formatNumber(dataset.row_count)}</td>
                <td>{dataset.column_count}</td>
                <td class="hide-narrow">{formatBytes(dataset.size_bytes)}</td>
                <td class="hide-narrow">{formatDate(dataset.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Page>
  );
}

export function DatasetPage(props: { id: string }) {
  const dataset = useApi(() => get<Dataset>(`/v1/datasets/${enc(props.id)}`), [props.id]);
  if (dataset.error) {
    return (
      <Page title="Dataset">
        <ErrorBox error={dataset.error} onRetry={dataset.reload} />
      </Page>
    );
  }
  if (!dataset.data) return <Spinner />;
  const data = dataset.data;
  const pii = data.columns.filter((column) => column.pii);
  return (
    <Page
      title={data.name}
      subtitle={`${data.id} · ${formatNumber(data.row_count)} rows · ${data.column_count} columns · ${formatBytes(data.size_bytes)}`}
      actions={
        <Link class="btn btn-primary" href={`/train?dataset=${enc(data.id)}`} testid="train-on-dataset">
          Train on this dataset
        </Link>
      }
    >
      <div class="grid grid-2">
        <Card title="Summary" testid="dataset-summary">
          <KeyValues
            rows={[
              ["rows", formatNumber(data.row_count)],
              ["columns", String(data.column_count)],
              ["uploaded", formatDate(data.created_at)],
              ["sha256", <code class="hash">{data.sha256}</code>],
            ]}
          />
        </Card>
        <Card title="Personal data" testid="pii-report">
          {pii.length === 0 ? (
            <p class="muted">No column looks like personal or payment data (e-mail, phone, card or national id numbers).</p>
          ) : (
            <>
              <Notice kind="warning">
                {pii.length} column{pii.length > 1 ? "s look" : " looks"} like personal data: consider dropping {pii.length > 1 ? "them" : "it"} from the features.
              </Notice>
              <ul>
                {pii.map((column) => (
                  <li key={column.name}>
                    <strong>{column.name}</strong>: <Badge kind="warning">{column.pii}</Badge>
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
      </div>
      {data.cleaning_report && (
        <Card title="Cleaning report" testid="cleaning-report">
          <CleaningReport report={data.cleaning_report} />
        </Card>
      )}
      <Card title="Columns" testid="columns">
        <Table testid="columns-table">
          <thead>
            <tr>
              <th>Column</th>
              <th>Type</th>
              <th>Missing</th>
              <th class="hide-narrow">Distinct</th>
              <th class="hide-narrow">Min</th>
              <th class="hide-narrow">Mean</th>
              <th class="hide-narrow">Max</th>
              <th class="hide-narrow">Std</th>
            </tr>
          </thead>
          <tbody>
            {data.columns.map((column) => (
              <tr key={column.name}>
                <td>
                  {column.name} {column.pii && <Badge kind="warning">{column.pii}</Badge>}
                </td>
                <td>
                  <Badge>{column.type}</Badge>
                </td>
                <td>
                  <MissingBar missing={column.missing_count} rows={data.row_count} />
                </td>
                <td class="hide-narrow">
                  {formatNumber(column.distinct_count)}
                  {column.distinct_count_is_lower_bound ? "+" : ""}
                </td>
                <td class="hide-narrow">{formatNumber(column.min)}</td>
                <td class="hide-narrow">{formatNumber(column.mean)}</td>
                <td class="hide-narrow">{formatNumber(column.max)}</td>
                <td class="hide-narrow">{formatNumber(column.stddev)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Card>
      <div class="grid grid-3">
        {data.columns.filter((column) => (column.histogram?.counts.length ?? 0) > 0 || (column.top_values?.length ?? 0) > 0).map((column) => (
          <Card title={column.name} key={column.name} testid="column-distribution">
            <Distribution column={column} />
          </Card>
        ))}
      </div>
    </Page>
  );
}

function MissingBar(props: { missing: number; rows: number }) {
  const fraction = props.rows > 0 ? props.missing / props.rows : 0;
  return (
    <span class="missing" title={`${props.missing} of ${props.rows}`}>
      <span class="missing-track">
        <span class="missing-fill" style={{ width: `${fraction * 100}%` }} />
      </span>
      {props.missing === 0 ? "none" : `${formatNumber(props.missing)} (${formatPercent(fraction)})`}
    </span>
  );
}

function Distribution(props: { column: Column }) {
  const { column } = props;
  if (column.histogram && column.histogram.counts.length > 0) {
    return (
      <>
        <p class="muted small">
          Histogram of {formatNumber(column.histogram.counts.reduce((sum, count) => sum + count, 0))} values
        </p>
        <HistogramChart histogram={column.histogram} testid={`histogram-${column.name}`} />
      </>
    );
  }
  return (
    <>
      <p class="muted small">Most frequent values</p>
      <BarChart rows={(column.top_values ?? []).map((top) => ({ label: top.value, value: top.count }))} format={(v) => formatNumber(v)} />
    </>
  );
}
