// Admin: API keys (create, rotate, revoke; a new secret is shown once), per-model grants and public access, and
// the hash-chained audit log with its verification. Needs an admin key; others see the API's 403 as a message.
import { useState } from "preact/hooks";
import { enc, get, request } from "../api";
import { useApi } from "../hooks";
import type { ApiKey, AuditRecord, ModelSummary } from "../types";
import { Badge, Card, CodeBlock, Confirm, ErrorBox, Notice, Page, Spinner, Table } from "../components/ui";
import { formatDate } from "../lib/format";

interface Pending {
  title: string;
  body: string;
  label: string;
  run: () => Promise<void>;
}

export function Admin() {
  const keys = useApi(() => get<{ keys: ApiKey[] }>("/v1/keys"), []);
  const models = useApi(() => get<{ models: ModelSummary[] }>("/v1/models"), []);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [newName, setNewName] = useState("");
  const [newRole, setNewRole] = useState("consumer");
  const [newExpiry, setNewExpiry] = useState("");
  const [grantKey, setGrantKey] = useState("");
  const [grantModel, setGrantModel] = useState("");
  const [changes, setChanges] = useState(0); // every change is audited: the log reloads after each

  const act = async (run: () => Promise<void>) => {
    setError(null);
    try {
      await run();
    } catch (err) {
      setError(err);
    } finally {
      setChanges((count) => count + 1);
    }
  };
  const confirmAndRun = async () => {
    const job = pending;
    setPending(null);
    if (job) await act(job.run);
  };

  const create = (event: Event) => {
    event.preventDefault();
    act(async () => {
      const body: Record<string, unknown> = { name: newName, role: newRole };
      if (newExpiry) body.expires_in_seconds = Math.round(Number(newExpiry) * 86400);
      const created = await request<ApiKey & { secret: string }>("POST", "/v1/keys", body);
      setSecret({ name: created.name, secret: created.secret });
      setNewName("");
      keys.reload();
    });
  };

  const activeKeys = (keys.data?.keys ?? []).filter((key) => !key.revoked);
  return (
    <Page title="Admin" subtitle="API keys, grants and the audit trail.">
      <ErrorBox error={error} />
      {secret && (
        <Notice kind="success" testid="new-secret">
          <div>
            <strong>The secret of “{secret.name}”</strong>: copy it now, it is not shown again.
            <CodeBlock label="API key" code={secret.secret} />
            <button class="btn btn-small" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </Notice>
      )}
      <Card title="API keys" testid="keys">
        <ErrorBox error={keys.error} onRetry={keys.reload} />
        {keys.loading && !keys.data && <Spinner />}
        {keys.data && (
          <Table testid="keys-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Role</th>
                <th class="hide-narrow">Prefix</th>
                <th class="hide-narrow">Created</th>
                <th class="hide-narrow">Expires</th>
                <th>Grants</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((key) => (
                <tr key={key.id} class={key.revoked ? "row-muted" : ""}>
                  <td>
                    {key.name} <span class="muted small">{key.id}</span>
                  </td>
                  <td>
                    <Badge kind={key.role === "admin" ? "danger" : key.role === "developer" ? "info" : "neutral"}>{key.role}</Badge>
                    {key.revoked && <Badge kind="warning">revoked</Badge>}
                  </td>
                  <td class="hide-narrow">
                    <code>{key.prefix}…</code>
                  </td>
                  <td class="hide-narrow">{formatDate(key.created_at)}</td>
                  <td class="hide-narrow">{key.expires_at ? formatDate(key.expires_at) : "never"}</td>
                  <td>
                    {(key.granted_models ?? []).map((model) => (
                      <span class="chip" key={model}>
                        {model}
                        {!key.revoked && (
                          <button
                            class="chip-remove"
                            aria-label={`Remove the grant on ${model}`}
                            onClick={() => setPending({ title: "Remove the grant?", body: `${key.name} will no longer read or call ${model}.`, label: "Remove", run: async () => (await request("DELETE", `/v1/models/${enc(model)}/grants/${enc(key.id)}`), keys.reload()) })}
                          >
                            ×
                          </button>
                        )}
                      </span>
                    ))}
                  </td>
                  <td class="actions-cell">
                    {!key.revoked && (
                      <>
                        <button
                          class="btn btn-small"
                          onClick={() =>
                            setPending({
                              title: `Rotate “${key.name}”?`,
                              body: "A new secret replaces the current one at once: programs using the old one get 401 until they are updated.",
                              label: "Rotate",
                              run: async () => {
                                const rotated = await request<{ name: string; secret: string }>("POST", `/v1/keys/${enc(key.id)}/rotate`);
                                setSecret({ name: rotated.name ?? key.name, secret: rotated.secret });
                                keys.reload();
                              },
                            })
                          }
                        >
                          Rotate
                        </button>
                        <button
                          class="btn btn-small btn-danger"
                          onClick={() => setPending({ title: `Revoke “${key.name}”?`, body: "Every request with this key is refused from now on. This cannot be undone.", label: "Revoke", run: async () => (await request("DELETE", `/v1/keys/${enc(key.id)}`), keys.reload()) })}
                        >
                          Revoke
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <form class="form form-row" onSubmit={create}>
          <label class="field">
            <span>Name</span>
            <input class="input" value={newName} onInput={(e) => setNewName(e.currentTarget.value)} placeholder="billing-service" required data-testid="key-name" />
          </label>
          <label class="field">
            <span>Role</span>
            <select class="input" value={newRole} onChange={(e) => setNewRole(e.currentTarget.value)} data-testid="key-role">
              <option value="consumer">consumer (calls granted models)</option>
              <option value="developer">developer (uploads, trains, publishes)</option>
              <option value="admin">admin (everything)</option>
            </select>
          </label>
          <label class="field">
            <span>Expires in (days, optional)</span>
            <input class="input" type="number" min="1" value={newExpiry} onInput={(e) => setNewExpiry(e.currentTarget.value)} />
          </label>
          <button class="btn btn-primary" type="submit" data-testid="key-create">
            Create key
          </button>
        </form>
      </Card>
      <div class="grid grid-2">
        <Card title="Grant a model to a key">
          <form
            class="form"
            onSubmit={(event) => {
              event.preventDefault();
              act(async () => {
                await request("PUT", `/v1/models/${enc(grantModel)}/grants/${enc(grantKey)}`);
                keys.reload();
              });
            }}
          >
            <label class="field">
              <span>Key</span>
              <select class="input" value={grantKey} onChange={(e) => setGrantKey(e.currentTarget.value)} required>
                <option value="">Choose a key</option>
                {activeKeys.map((key) => (
                  <option value={key.id} key={key.id}>
                    {key.name} ({key.role})
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>Model</span>
              <select class="input" value={grantModel} onChange={(e) => setGrantModel(e.currentTarget.value)} required>
                <option value="">Choose a model</option>
                {(models.data?.models ?? []).map((model) => (
                  <option value={model.name} key={model.id}>
                    {model.name}
                  </option>
                ))}
              </select>
            </label>
            <button class="btn" type="submit">
              Grant
            </button>
          </form>
        </Card>
        <Card title="Public models">
          <p class="muted small">A public model can be read and called without a key.</p>
          {(models.data?.models ?? []).map((model) => (
            <label class="check" key={model.id}>
              <input
                type="checkbox"
                checked={model.public}
                onChange={() =>
                  setPending({
                    title: model.public ? `Make ${model.name} private?` : `Make ${model.name} public?`,
                    body: model.public ? "Calls without a key will be refused." : "Anyone who can reach the server can read and call it without a key.",
                    label: model.public ? "Make private" : "Make public",
                    run: async () => (await request("PATCH", `/v1/models/${enc(model.name)}`, { public: !model.public }), models.reload()),
                  })
                }
              />{" "}
              {model.name}
            </label>
          ))}
        </Card>
      </div>
      <AuditLog changes={changes} />
      {pending && (
        <Confirm title={pending.title} confirmLabel={pending.label} danger onConfirm={confirmAndRun} onCancel={() => setPending(null)}>
          <p>{pending.body}</p>
        </Confirm>
      )}
    </Page>
  );
}

function AuditLog(props: { changes: number }) {
  const [verify, setVerify] = useState<{ intact: boolean; records?: number; problem?: string } | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  // The newest 100 records: the verification answers how many there are.
  const audit = useApi(async () => {
    const checked = await get<{ intact: boolean; records?: number }>("/v1/audit/verify");
    const after = Math.max(0, (checked.records ?? 0) - 100);
    const page = await get<{ records: AuditRecord[] }>(`/v1/audit?after=${after}&limit=100`);
    return page.records.reverse();
  }, [props.changes]);
  const runVerify = async () => {
    setVerifyError(null);
    try {
      setVerify(await get("/v1/audit/verify"));
      audit.reload();
    } catch (err) {
      setVerifyError(err);
    }
  };
  return (
    <Card
      title={
        <span class="card-title-row">
          Audit log
          <button class="btn btn-small" onClick={runVerify} data-testid="audit-verify">
            Verify the chain
          </button>
        </span>
      }
      testid="audit"
    >
      <ErrorBox error={verifyError} />
      {verify && (
        <Notice kind={verify.intact ? "success" : "warning"} testid="audit-verdict">
          {verify.intact ? `Intact: ${verify.records} records, each hash chained to the one before.` : `Broken: ${verify.problem}`}
        </Notice>
      )}
      <ErrorBox error={audit.error} onRetry={audit.reload} />
      {audit.data && (
        <Table testid="audit-table">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th class="hide-narrow">Resource</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {audit.data.map((record) => (
              <tr key={record.seq}>
                <td>{record.seq}</td>
                <td>{formatDate(record.at)}</td>
                <td>{record.actor}</td>
                <td>{record.action}</td>
                <td class="hide-narrow">{record.resource}</td>
                <td class={String(record.outcome ?? "").startsWith("denied") ? "text-danger" : ""}>{record.outcome}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
