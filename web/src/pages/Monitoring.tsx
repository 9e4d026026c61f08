// Monitoring: requests/s, error rate and latency percentiles per model, from the server's own /metrics polled every
// two seconds and differenced here (the last ten minutes since the page opened), plus each model's drift
// monitoring state when the server offers GET /v1/models/{m}/monitoring.
import { useRef, useState } from "preact/hooks";
import { ApiError, enc, get, getText } from "../api";
import { useApi, useInterval } from "../hooks";
import type { ModelSummary } from "../types";
import { Card, ErrorBox, KeyValues, Notice, Page, Table } from "../components/ui";
import { TimeChart } from "../components/TimeChart";
import { modelRates, parsePrometheus, type ModelRates, type Sample } from "../lib/prometheus";
import { formatNumber, formatPercent, formatSeconds } from "../lib/format";

const POLL_MS = 2000;
const KEEP_SECONDS = 600;
const WINDOW_SECONDS = 30; // the table's figures: over the last half minute

interface Scrape {
  at: number; // seconds
  samples: Sample[];
}

export function Monitoring(props: { model?: string }) {
  const scrapes = useRef<Scrape[]>([]);
  const [history, setHistory] = useState<{ at: number; rates: ModelRates[] }[]>([]);
  const [current, setCurrent] = useState<ModelRates[]>([]);
  const [error, setError] = useState<unknown>(null);
  const models = useApi(() => get<{ models: ModelSummary[] }>("/v1/models"), []);

  useInterval(
    () => {
      getText("/metrics").then(
        (text) => {
          const now = Date.now() / 1000;
          const samples = parsePrometheus(text);
          const list = scrapes.current;
          const previous = list[list.length - 1];
          list.push({ at: now, samples });
          while (list.length > 0 && list[0].at < now - KEEP_SECONDS) list.shift();
          if (previous) {
            const step = modelRates(previous.samples, samples, now - previous.at);
            setHistory((old) => [...old.filter((point) => point.at >= now - KEEP_SECONDS), { at: now, rates: step }]);
          }
          const base = list.find((scrape) => scrape.at >= now - WINDOW_SECONDS - 0.5) ?? list[0];
          if (base && base !== list[list.length - 1]) setCurrent(modelRates(base.samples, samples, now - base.at));
          setError(null);
        },
        (err) => setError(err),
      );
    },
    POLL_MS,
    [],
  );

  const names = [...new Set(history.flatMap((point) => point.rates.map((rate) => rate.model)))].filter((name) => !props.model || name === props.model).sort();
  const times = history.map((point) => point.at);
  const seriesOf = (pick: (rate: ModelRates) => number) =>
    names.map((name) => ({
      label: name,
      values: history.map((point) => {
        const rate = point.rates.find((r) => r.model === name);
        const value = rate ? pick(rate) : NaN;
        return Number.isFinite(value) ? value : null;
      }),
    }));
  const shown = current.filter((rate) => !props.model || rate.model === props.model);

  return (
    <Page title="Monitoring" subtitle={`Live from the server's /metrics, polled every ${POLL_MS / 1000} s while this page is open.${props.model ? ` Model: ${props.model}.` : ""}`}>
      <ErrorBox error={error} />
      {error instanceof ApiError && error.status === 403 && <Notice>Metrics need a developer or admin key.</Notice>}
      <Card title={`Per model, last ${WINDOW_SECONDS} s`} testid="monitoring-table">
        <Table>
          <thead>
            <tr>
              <th>Model</th>
              <th>Requests/s</th>
              <th>Errors</th>
              <th>p50</th>
              <th>p95</th>
              <th>p99</th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={6} class="empty">
                  {history.length === 0 ? "Collecting…" : "No prediction has been served yet."}
                </td>
              </tr>
            )}
            {shown.map((rate) => (
              <tr key={rate.model}>
                <td>{rate.model}</td>
                <td>{formatNumber(rate.requestsPerSecond, 3)}</td>
                <td class={rate.errorRate > 0.01 ? "text-danger" : ""}>{formatPercent(rate.errorRate)}</td>
                <td>{formatSeconds(rate.p50)}</td>
                <td>{formatSeconds(rate.p95)}</td>
                <td>{formatSeconds(rate.p99)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Card>
      {names.length > 0 && (
        <div class="grid grid-2">
          <Card title="Requests per second">
            <TimeChart times={times} series={seriesOf((r) => r.requestsPerSecond)} unit="req/s" testid="chart-rps" />
          </Card>
          <Card title="Error rate">
            <TimeChart times={times} series={seriesOf((r) => r.errorRate * 100)} unit="%" />
          </Card>
          <Card title="Latency p50">
            <TimeChart times={times} series={seriesOf((r) => r.p50 * 1000)} unit="ms" />
          </Card>
          <Card title="Latency p99">
            <TimeChart times={times} series={seriesOf((r) => r.p99 * 1000)} unit="ms" />
          </Card>
        </div>
      )}
      <DriftStates models={(models.data?.models ?? []).filter((m) => !props.model || m.name === props.model)} />
    </Page>
  );
}

// Each model's drift-monitoring state, from GET /v1/models/{m}/monitoring (shown only when the server has it).
function DriftStates(props: { models: ModelSummary[] }) {
  const names = props.models.map((m) => m.name).join("\u0000");
  const states = useApi(async () => {
    const out: { name: string; state: Record<string, unknown> }[] = [];
    for (const model of props.models.slice(0, 20)) {
      try {
        out.push({ name: model.name, state: await get<Record<string, unknown>>(`/v1/models/${enc(model.name)}/monitoring`) });
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 405) && err.code !== "model_not_found") return [];
      }
    }
    return out;
  }, [names]);
  if (!states.data || states.data.length === 0) return null;
  return (
    <Card title="Drift monitoring" testid="drift">
      {states.data.map(({ name, state }) => (
        <details key={name} class="drift">
          <summary>
            <strong>{name}</strong> {typeof state.status === "string" ? `· ${state.status}` : ""}
          </summary>
          <KeyValues rows={Object.entries(state).filter(([, v]) => typeof v !== "object").map(([k, v]) => [k, String(v)])} />
          <pre class="json">{JSON.stringify(state, null, 2)}</pre>
        </details>
      ))}
    </Card>
  );
}
