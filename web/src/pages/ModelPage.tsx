// One model: its versions, aliases (promote and roll back, with a confirmation), and the selected version's
// metrics, leaderboard, feature importance, confusion matrix, ROC / precision-recall curves or residual plot,
// lineage and bundle download.
import { useState } from "preact/hooks";
import { download, enc, get, request } from "../api";
import { useApi } from "../hooks";
import type { Alias, AliasEvent, ModelDetail, Version } from "../types";
import { CleaningReport } from "../components/CleaningReport";
import { Badge, BarChart, Card, Confirm, ErrorBox, KeyValues, Link, Notice, Page, Spinner, Table } from "../components/ui";
import { confusionMatrix, formatBytes, formatDate, formatNumber, headlineMetrics, perClassMetrics } from "../lib/format";
import { Leaderboard } from "../components/Leaderboard";
import { publishedRank } from "../lib/leaderboard";
import { EvaluationCharts } from "../components/EvaluationCharts";

interface AliasMove {
  alias: string;
  version: number;
  from?: number;
}

export function ModelPage(props: { name: string; version?: string }) {
  const model = useApi(() => get<ModelDetail>(`/v1/models/${enc(props.name)}`), [props.name]);
  const aliases = useApi(() => get<{ aliases: Alias[]; history: AliasEvent[] }>(`/v1/models/${enc(props.name)}/aliases`), [props.name]);
  const [selected, setSelected] = useState<number | null>(null);
  const [move, setMove] = useState<AliasMove | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [message, setMessage] = useState("");
  const [aliasName, setAliasName] = useState("production");

  if (model.error) {
    return (
      <Page title={props.name}>
        <ErrorBox error={model.error} onRetry={model.reload} />
      </Page>
    );
  }
  if (!model.data) return <Spinner />;
  const detail = model.data;
  const versions = [...(detail.versions ?? [])].sort((a, b) => b.version - a.version);
  const current: Version | undefined = versions.find((v) => v.version === selected) ?? versions.find((v) => v.version === detail.served_version) ?? versions[0];
  const aliasList: Alias[] =
    aliases.data?.aliases ?? Object.entries(detail.aliases ?? {}).map(([alias, version]) => ({ alias, version, updated_at: "", updated_by: "" }));

  const confirmMove = async () => {
    if (!move) return;
    const target = move;
    setMove(null);
    setActionError(null);
    try {
      await request("PUT", `/v1/models/${enc(props.name)}/aliases/${enc(target.alias)}`, { version: target.version });
      setMessage(`${target.alias} now points to version ${target.version}.`);
      model.reload();
      aliases.reload();
    } catch (err) {
      setActionError(err);
    }
  };

  const downloadBundle = async (version: number) => {
    setActionError(null);
    try {
      await download(`/v1/models/${enc(props.name)}/versions/${version}/artifact`, `${props.name}-v${version}.ampbundle`);
    } catch (err) {
      setActionError(err);
    }
  };

  return (
    <Page
      title={detail.name}
      subtitle={
        <>
          {detail.public ? <Badge kind="info">public</Badge> : <Badge>private</Badge>} {(detail.tags ?? []).map((t) => <Badge key={t}>{t}</Badge>)}{" "}
          {detail.description}
          {detail.owner ? ` · owner ${detail.owner}` : ""}
          {detail.served_version ? ` · serving version ${detail.served_version}` : ""}
        </>
      }
      actions={
        <>
          <Link class="btn btn-primary" href={`/try/${enc(detail.name)}`} testid="try-link">
            Try it
          </Link>
          <Link class="btn" href={`/monitoring?model=${enc(detail.name)}`}>
            Monitoring
          </Link>
        </>
      }
    >
      <ErrorBox error={actionError} />
      {message && (
        <Notice kind="success" testid="alias-message">
          {message}
        </Notice>
      )}
      <div class="grid grid-2">
        <Card title="Versions" testid="versions">
          <Table>
            <thead>
              <tr>
                <th>Version</th>
                <th class="hide-narrow">Algorithm</th>
                <th>Created</th>
                <th>Aliases</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {versions.map((version) => (
                <tr key={version.version} class={version.version === current?.version ? "row-selected" : ""}>
                  <td>
                    <button class="link-button" onClick={() => setSelected(version.version)} data-testid={`version-${version.version}`}>
                      v{version.version}
                    </button>
                    {version.version === detail.served_version && <Badge kind="success">served</Badge>}
                  </td>
                  <td class="hide-narrow">{version.algorithm}</td>
                  <td>{formatDate(version.created_at)}</td>
                  <td>
                    {aliasList
                      .filter((a) => a.version === version.version)
                      .map((a) => (
                        <Badge key={a.alias}>{a.alias}</Badge>
                      ))}
                  </td>
                  <td class="actions-cell">
                    <button class="btn btn-small" onClick={() => setMove({ alias: aliasName || "production", version: version.version, from: aliasList.find((a) => a.alias === (aliasName || "production"))?.version })} data-testid={`promote-${version.version}`}>
                      Promote
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <label class="field field-inline">
            <span>Alias to move</span>
            <input class="input" value={aliasName} onInput={(e) => setAliasName(e.currentTarget.value.trim())} placeholder="production" />
          </label>
        </Card>
        <Card title="Aliases" testid="aliases">
          {aliasList.length === 0 && <p class="muted">No alias: a call by name serves the latest version. Promote a version to pin it as production.</p>}
          {aliasList.map((alias) => {
            // Roll back: to the version the alias pointed to before its latest move.
            const moves = (aliases.data?.history ?? []).filter((event) => event.alias === alias.alias).sort((a, b) => a.at.localeCompare(b.at));
            const latest = moves[moves.length - 1];
            const previous = latest && latest.version === alias.version ? latest.previous_version : null;
            return (
              <div class="alias-row" key={alias.alias}>
                <div>
                  <strong>{alias.alias}</strong> → v{alias.version}
                  {alias.updated_at && (
                    <div class="muted small">
                      {formatDate(alias.updated_at)} by {alias.updated_by}
                    </div>
                  )}
                </div>
                {previous ? (
                  <button class="btn btn-small" onClick={() => setMove({ alias: alias.alias, version: previous, from: alias.version })} data-testid={`rollback-${alias.alias}`}>
                    Roll back to v{previous}
                  </button>
                ) : null}
              </div>
            );
          })}
          {(aliases.data?.history ?? []).length > 0 && (
            <details class="history">
              <summary>History</summary>
              <ul>
                {(aliases.data?.history ?? []).map((event, idx) => (
                  <li key={idx}>
                    {formatDate(event.at)}: {event.alias} {event.previous_version ? `v${event.previous_version} → ` : ""}
                    {event.version ? `v${event.version}` : "removed"} by {event.by}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </Card>
      </div>
      {current && <VersionDetails name={detail.name} version={current} onDownload={downloadBundle} />}
      {move && (
        <Confirm title={`Move ${move.alias}?`} confirmLabel={`Move ${move.alias} to v${move.version}`} onConfirm={confirmMove} onCancel={() => setMove(null)}>
          <p>
            {move.from ? `${move.alias} points to version ${move.from} now. ` : `${move.alias} is not set yet. `}
            Calls by name{move.alias === "production" ? "" : ` with ?alias=${move.alias}`} will be answered by version {move.version} as soon as it is loaded.
          </p>
        </Confirm>
      )}
    </Page>
  );
}

function VersionDetails(props: { name: string; version: Version; onDownload: (version: number) => void }) {
  const version = props.version;
  // The model's listing leaves the curves out (they are per version and not small): fetch the version itself.
  const detail = useApi(() => get<Version>(`/v1/models/${enc(props.name)}/versions/${version.version}`), [props.name, version.version]);
  const metrics = headlineMetrics(version.metrics);
  const confusion = confusionMatrix(version.metrics);
  const perClass = perClassMetrics(version.metrics);
  return (
    <>
      <h2 class="section-title">
        Version {version.version} <span class="muted">· {version.algorithm} · {version.task}</span>
      </h2>
      <div class="grid grid-3">
        <Card title="Holdout metrics" testid="metrics">
          <KeyValues rows={metrics.map(([key, value]) => [key, formatNumber(value)])} />
        </Card>
        <Card title="Lineage" testid="lineage">
          <KeyValues
            rows={[
              ["target", version.target],
              ["dataset", <Link href={`/datasets/${enc(version.lineage?.dataset_id ?? "")}`}>{version.lineage?.dataset_id}</Link>],
              ["dataset sha256", <code class="hash">{version.lineage?.dataset_sha256?.slice(0, 16)}…</code>],
              ["job", <Link href={`/jobs/${enc(version.lineage?.job_id ?? "")}`}>{version.lineage?.job_id}</Link>],
              ["created", formatDate(version.created_at)],
              ["features", version.features.map((f) => f.name).join(", ")],
            ]}
          />
        </Card>
        <Card title="Artifact">
          <KeyValues
            rows={[
              ["parameters", <code>{JSON.stringify(version.params)}</code>],
              ["size", version.artifact ? formatBytes(version.artifact.size_bytes) : "–"],
              ["sha256", <code class="hash">{version.artifact?.sha256?.slice(0, 16)}…</code>],
            ]}
          />
          <button class="btn" onClick={() => props.onDownload(version.version)} data-testid="download">
            Download bundle
          </button>
          <p class="muted small">Score it offline with <code>amp score --bundle</code>.</p>
        </Card>
      </div>
      {version.leaderboard && version.leaderboard.length > 0 && (
        <Card title="Leaderboard" testid="leaderboard">
          <Leaderboard
            rows={version.leaderboard}
            published={publishedRank(version.leaderboard, version.algorithm, version.params) ?? 0}
          />
        </Card>
      )}
      <div class="grid grid-2">
        {version.feature_importance && version.feature_importance.length > 0 && (
          <Card title="Feature importance" testid="feature-importance">
            <BarChart rows={version.feature_importance.slice(0, 25).map((row) => ({ label: row.feature, value: row.importance }))} />
          </Card>
        )}
        {confusion && (
          <Card title="Confusion matrix (holdout)" testid="confusion">
            <ConfusionMatrix classes={confusion.classes} counts={confusion.counts} />
          </Card>
        )}
        {perClass && (
          <Card title="Per class">
            <Table>
              <thead>
                <tr>
                  <th>class</th>
                  {perClass.names.map((n) => (
                    <th>{n}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {perClass.classes.map((cls) => (
                  <tr key={cls}>
                    <td>{cls}</td>
                    {perClass.names.map((n) => (
                      <td>{formatNumber(perClass.value(n, cls))}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </Table>
          </Card>
        )}
      </div>
      <h3 class="section-title">Holdout charts</h3>
      {detail.error ? <ErrorBox error={detail.error} onRetry={detail.reload} /> : detail.data?.version === version.version ? <EvaluationCharts curves={detail.data.evaluation_curves} /> : <Spinner />}
      {version.cleaning_report && (
        <Card title="Cleaning report" testid="version-cleaning-report">
          <CleaningReport report={version.cleaning_report} />
        </Card>
      )}
    </>
  );
}

export function ConfusionMatrix(props: { classes: string[]; counts: number[][] }) {
  const max = Math.max(1, ...props.counts.flat());
  return (
    <div class="table-wrap">
      <table class="confusion">
        <thead>
          <tr>
            <th class="muted small">actual ↓ / predicted →</th>
            {props.classes.map((cls) => (
              <th key={cls}>{cls}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.classes.map((actual, row) => (
            <tr key={actual}>
              <th>{actual}</th>
              {props.counts[row].map((count, col) => (
                <td key={col} class={row === col ? "diag" : ""} style={{ "--heat": (count / max).toFixed(3) }}>
                  {count}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
