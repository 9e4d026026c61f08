// Models: every model the caller may see, with search and filters (task, tag, owner, public/private).
import { useMemo, useState } from "preact/hooks";
import { get } from "../api";
import { useApi } from "../hooks";
import type { ModelSummary } from "../types";
import { Badge, ErrorBox, Link, Page, Spinner, Table } from "../components/ui";
import { formatDate, formatNumber, headlineMetrics } from "../lib/format";

export function Models() {
  const models = useApi(() => get<{ models: ModelSummary[] }>("/v1/models"), []);
  const [search, setSearch] = useState("");
  const [task, setTask] = useState("");
  const [visibility, setVisibility] = useState("");
  const [tag, setTag] = useState("");
  const [owner, setOwner] = useState("");
  const list = models.data?.models ?? [];
  const tasks = useMemo(() => [...new Set(list.map((m) => m.latest_version?.task).filter(Boolean) as string[])].sort(), [list]);
  const tags = useMemo(() => [...new Set(list.flatMap((m) => m.tags ?? []))].sort(), [list]);
  const owners = useMemo(() => [...new Set(list.map((m) => m.owner).filter(Boolean) as string[])].sort(), [list]);
  const shown = list.filter((model) => {
    const text = `${model.name} ${model.description ?? ""} ${model.owner ?? ""} ${(model.tags ?? []).join(" ")} ${model.latest_version?.algorithm ?? ""} ${model.latest_version?.target ?? ""}`.toLowerCase();
    if (search && !text.includes(search.toLowerCase())) return false;
    if (task && model.latest_version?.task !== task) return false;
    if (tag && !(model.tags ?? []).includes(tag)) return false;
    if (owner && model.owner !== owner) return false;
    if (visibility === "public" && !model.public) return false;
    if (visibility === "private" && model.public) return false;
    return true;
  });
  return (
    <Page
      title="Models"
      subtitle="Every model you may see, with its latest version's holdout metrics."
      actions={
        <Link class="btn btn-primary" href="/train">
          Train a model
        </Link>
      }
    >
      <div class="toolbar">
        <input class="input" type="search" placeholder="Search by name, algorithm, target…" value={search} onInput={(e) => setSearch(e.currentTarget.value)} aria-label="Search models" data-testid="model-search" />
        <select class="input" value={task} onChange={(e) => setTask(e.currentTarget.value)} aria-label="Task">
          <option value="">All tasks</option>
          {tasks.map((t) => (
            <option value={t}>{t}</option>
          ))}
        </select>
        {tags.length > 0 && (
          <select class="input" value={tag} onChange={(e) => setTag(e.currentTarget.value)} aria-label="Tag" data-testid="model-tag-filter">
            <option value="">Any tag</option>
            {tags.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        )}
        {owners.length > 0 && (
          <select class="input" value={owner} onChange={(e) => setOwner(e.currentTarget.value)} aria-label="Owner" data-testid="model-owner-filter">
            <option value="">Any owner</option>
            {owners.map((o) => (
              <option value={o}>{o}</option>
            ))}
          </select>
        )}
        <select class="input" value={visibility} onChange={(e) => setVisibility(e.currentTarget.value)} aria-label="Visibility">
          <option value="">Public and private</option>
          <option value="public">Public</option>
          <option value="private">Private</option>
        </select>
      </div>
      <ErrorBox error={models.error} onRetry={models.reload} />
      {models.loading && !models.data && <Spinner />}
      {models.data && shown.length === 0 && <p class="empty">No model matches. {list.length === 0 && "Upload a dataset and train one."}</p>}
      {shown.length > 0 && (
        <Table testid="models-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest</th>
              <th class="hide-narrow">Task</th>
              <th class="hide-narrow">Algorithm</th>
              <th>Metrics</th>
              <th class="hide-narrow">Aliases</th>
              <th class="hide-narrow">Created</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((model) => {
              const latest = model.latest_version;
              return (
                <tr key={model.id}>
                  <td>
                    <Link href={`/models/${encodeURIComponent(model.name)}`} testid="model-link">
                      {model.name}
                    </Link>{" "}
                    {model.public && <Badge kind="info">public</Badge>}
                    {(model.tags ?? []).map((t) => (
                      <Badge key={t}>{t}</Badge>
                    ))}
                    {model.owner && <div class="muted small">{model.owner}</div>}
                  </td>
                  <td>{latest ? `v${latest.version}` : "–"}</td>
                  <td class="hide-narrow">{latest?.task ?? "–"}</td>
                  <td class="hide-narrow">{latest?.algorithm ?? "–"}</td>
                  <td class="metrics-cell">
                    {latest
                      ? headlineMetrics(latest.metrics)
                          .slice(0, 3)
                          .map(([name, value]) => (
                            <span class="metric-chip" key={name}>
                              {name} {formatNumber(value)}
                            </span>
                          ))
                      : "–"}
                  </td>
                  <td class="hide-narrow">{(model.aliases ?? []).map((a) => <Badge key={a.alias}>{`${a.alias} → v${a.version}`}</Badge>)}</td>
                  <td class="hide-narrow">{formatDate(model.created_at)}</td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
    </Page>
  );
}
