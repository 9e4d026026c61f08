// Train: a short form (model name, dataset, target, algorithm or automatic search with a time budget), and the live
// view of a job: state, progress, the leaderboard as it fills in, its log when the server keeps one, cancel.
import { useEffect, useState } from "preact/hooks";
import { ApiError, enc, get, getText, request } from "../api";
import { useApi, useInterval } from "../hooks";
import { navigate } from "../router";
import type { Dataset, Job } from "../types";
import { Card, Confirm, ErrorBox, KeyValues, Link, Notice, Page, ProgressBar, Spinner, StateBadge, Table } from "../components/ui";
import { Leaderboard } from "../components/Leaderboard";
import { formatDate, formatNumber, headlineMetrics } from "../lib/format";
import { jobProgress } from "../lib/job_progress";

const ALGORITHMS: [string, string][] = [
  ["", "Default for the task (linear / logistic regression)"],
  ["auto", "Automatic: search algorithms within a time budget"],
  ["linear_regression", "Linear regression"],
  ["xgboost_regressor", "XGBoost regressor"],
  ["logistic_regression", "Logistic regression"],
  ["xgboost_classifier", "XGBoost classifier"],
];

export function Train(props: { datasetId?: string }) {
  const datasets = useApi(() => get<{ datasets: Dataset[] }>("/v1/datasets"), []);
  const [datasetId, setDatasetId] = useState(props.datasetId ?? "");
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [modelName, setModelName] = useState("");
  const [target, setTarget] = useState("");
  const [algorithm, setAlgorithm] = useState("");
  const [budget, setBudget] = useState("60");
  const [task, setTask] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!datasetId && datasets.data?.datasets.length) setDatasetId(datasets.data.datasets[0].id);
  }, [datasets.data]);
  useEffect(() => {
    if (!datasetId) return;
    setDataset(null);
    get<Dataset>(`/v1/datasets/${enc(datasetId)}`).then(
      (loaded) => {
        setDataset(loaded);
        if (!loaded.columns.some((c) => c.name === target)) setTarget(loaded.columns[loaded.columns.length - 1]?.name ?? "");
        if (!modelName) setModelName(loaded.name);
      },
      setError,
    );
  }, [datasetId]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    const body: Record<string, unknown> = { dataset_id: datasetId, target };
    if (algorithm) body.algorithm = algorithm;
    if (task) body.task = task;
    if (algorithm === "auto" && budget) body.time_budget_seconds = Number(budget);
    try {
      const job = await request<Job & { job_id?: string }>("POST", `/v1/models/${enc(modelName)}/train`, body);
      navigate(`/jobs/${enc(job.job_id ?? job.id)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Page title="Train a model" subtitle="AMP fits the preprocessing and the model on 80 % of the rows and scores the rest.">
      <ErrorBox error={datasets.error} onRetry={datasets.reload} />
      {datasets.data && datasets.data.datasets.length === 0 && (
        <Notice>
          No dataset yet: <Link href="/datasets">upload a CSV</Link> first.
        </Notice>
      )}
      <Card class="card-narrow">
        <form class="form" onSubmit={submit}>
          <label class="field">
            <span>Dataset</span>
            <select class="input" value={datasetId} onChange={(e) => setDatasetId(e.currentTarget.value)} data-testid="train-dataset" required>
              {(datasets.data?.datasets ?? []).map((d) => (
                <option value={d.id} key={d.id}>
                  {d.name} ({d.id}, {formatNumber(d.row_count)} rows)
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Target column (what to predict)</span>
            <select class="input" value={target} onChange={(e) => setTarget(e.currentTarget.value)} data-testid="train-target" required>
              {(dataset?.columns ?? []).map((c) => (
                <option value={c.name} key={c.name}>
                  {c.name} ({c.type})
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Model name</span>
            <input class="input" value={modelName} onInput={(e) => setModelName(e.currentTarget.value)} required data-testid="train-model" />
          </label>
          <label class="field">
            <span>Algorithm</span>
            <select class="input" value={algorithm} onChange={(e) => setAlgorithm(e.currentTarget.value)} data-testid="train-algorithm">
              {ALGORITHMS.map(([value, label]) => (
                <option value={value} key={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          {algorithm === "auto" && (
            <label class="field">
              <span>Time budget (seconds)</span>
              <input class="input" type="number" min="1" value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
            </label>
          )}
          <label class="field">
            <span>Task</span>
            <select class="input" value={task} onChange={(e) => setTask(e.currentTarget.value)}>
              <option value="">Detect from the target</option>
              <option value="regression">Regression (a number)</option>
              <option value="classification">Classification (a class)</option>
            </select>
          </label>
          <div class="form-actions">
            <button class="btn btn-primary" type="submit" disabled={busy || !datasetId || !target || !modelName} data-testid="train-submit">
              Start training
            </button>
          </div>
        </form>
        <ErrorBox error={error} />
      </Card>
      <RecentJobs />
    </Page>
  );
}

function RecentJobs() {
  const jobs = useApi(() => get<{ jobs: Job[] }>("/v1/jobs?limit=20"), []);
  if (jobs.error) return <ErrorBox error={jobs.error} />;
  if (!jobs.data || jobs.data.jobs.length === 0) return null;
  return (
    <Card title="Recent jobs">
      <Table>
        <thead>
          <tr>
            <th>Job</th>
            <th>Model</th>
            <th>State</th>
            <th class="hide-narrow">Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.data.jobs.map((job) => (
            <tr key={job.id}>
              <td>
                <Link href={`/jobs/${enc(job.id)}`}>{job.id}</Link>
              </td>
              <td>{job.model_name}</td>
              <td>
                <StateBadge state={job.state} />
              </td>
              <td class="hide-narrow">{formatDate(job.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}

const FINISHED = ["succeeded", "failed", "cancelled"];

export function JobPage(props: { id: string }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [log, setLog] = useState<string | null>(null);
  const [logMissing, setLogMissing] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const finished = job !== null && FINISHED.includes(job.state);

  useInterval(
    () => {
      if (finished) return;
      get<Job>(`/v1/jobs/${enc(props.id)}`).then((loaded) => {
        setJob(loaded);
        setError(null);
      }, setError);
      if (!logMissing) {
        getText(`/v1/jobs/${enc(props.id)}/logs`).then(
          (text) => setLog(logText(text)),
          (err) => {
            if (err instanceof ApiError && (err.status === 404 || err.status === 405)) setLogMissing(true);
          },
        );
      }
    },
    1000,
    [props.id, finished, logMissing],
  );

  const cancel = async () => {
    setConfirmCancel(false);
    try {
      setJob(await request<Job>("DELETE", `/v1/jobs/${enc(props.id)}`));
    } catch (err) {
      setError(err);
    }
  };

  if (!job) return error ? <Page title="Job"><ErrorBox error={error} /></Page> : <Spinner />;
  const leaderboard = job.leaderboard ?? job.result?.leaderboard ?? [];
  return (
    <Page
      title={`Training ${job.model_name}`}
      subtitle={`${job.id} · target ${job.target} · ${job.algorithm || "default algorithm"}`}
      actions={
        !finished && (
          <button class="btn btn-danger" onClick={() => setConfirmCancel(true)} data-testid="cancel-job">
            Cancel
          </button>
        )
      }
    >
      <ErrorBox error={error} />
      <Card testid="job-status">
        <div class="job-state">
          <span data-testid="job-state">
            <StateBadge state={job.state} />
          </span>
          <ProgressBar value={jobProgress(job).fraction} label={jobProgress(job).label} active={!finished} testid="job-progress" />
        </div>
        <KeyValues
          rows={[
            ["created", formatDate(job.created_at)],
            ["started", formatDate(job.started_at)],
            ["finished", formatDate(job.finished_at)],
            ["duration", job.duration_seconds === undefined ? "–" : `${job.duration_seconds.toFixed(2)} s`],
            ["dataset", <Link href={`/datasets/${enc(job.dataset_id)}`}>{job.dataset_id}</Link>],
          ]}
        />
        {job.error && <ErrorBox error={new Error(job.error)} />}
        {job.result && (
          <Notice kind="success" testid="job-result">
            Published{" "}
            <Link href={`/models/${enc(job.result.model_name)}`} testid="job-model-link">
              {job.result.model_name} version {job.result.version}
            </Link>
            : {headlineMetrics(job.result.metrics).slice(0, 4).map(([k, v]) => `${k} ${formatNumber(v)}`).join(" · ")}
          </Notice>
        )}
      </Card>
      {leaderboard.length > 0 && (
        <Card title="Leaderboard">
          <Leaderboard rows={leaderboard} />
        </Card>
      )}
      {log !== null && (
        <Card title="Log">
          <pre class="log" data-testid="job-log">{log || "(empty)"}</pre>
        </Card>
      )}
      {confirmCancel && (
        <Confirm title="Cancel this job?" confirmLabel="Cancel the job" danger onConfirm={cancel} onCancel={() => setConfirmCancel(false)}>
          <p>The job stops at its next checkpoint and publishes nothing.</p>
        </Confirm>
      )}
    </Page>
  );
}

// How far a job is: its own fraction when the server gives one, else by state (the server reports a phase as text).
// A job log answer as text: plain text as is, JSON {"lines"|"logs"|"entries": [...]} one line per entry.
export function logText(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const lines = (parsed.lines ?? parsed.logs ?? parsed.entries ?? parsed.log) as unknown;
    if (Array.isArray(lines)) {
      return lines
        .map((line) => (typeof line === "string" ? line : [line.at ?? line.time ?? "", line.level ?? "", line.message ?? line.text ?? JSON.stringify(line)].filter(Boolean).join(" ")))
        .join("\n");
    }
    if (typeof lines === "string") return lines;
  } catch {
    // plain text
  }
  return body;
}
