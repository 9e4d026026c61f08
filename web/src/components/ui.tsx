// The console's small design system: layout blocks, buttons, messages, tables, bar charts, a confirmation dialog,
// code blocks. Styling lives in styles.css (class names here), never inline except computed widths.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { navigate } from "../router";
import { ApiError } from "../api";
import { formatNumber } from "../lib/format";

export function Link(props: { href: string; class?: string; children: ComponentChildren; testid?: string }) {
  const onClick = (event: MouseEvent) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} onClick={onClick} data-testid={props.testid}>
      {props.children}
    </a>
  );
}

export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren; subtitle?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · AMP`;
  }, [props.title]);
  return (
    <section class="page">
      <header class="page-header">
        <div>
          <h1>{props.title}</h1>
          {props.subtitle && <p class="muted">{props.subtitle}</p>}
        </div>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Card(props: { title?: ComponentChildren; children: ComponentChildren; class?: string; testid?: string }) {
  return (
    <div class={`card ${props.class ?? ""}`} data-testid={props.testid}>
      {props.title && <h2 class="card-title">{props.title}</h2>}
      {props.children}
    </div>
  );
}

export function ErrorBox(props: { error: unknown; onRetry?: () => void }) {
  if (!props.error) return null;
  const err = props.error;
  const message = err instanceof Error ? err.message : String(err);
  const status = err instanceof ApiError ? err.status : 0;
  return (
    <div class="alert alert-error" role="alert" data-testid="error">
      <strong>{status === 401 ? "Sign-in needed" : status === 403 ? "Not allowed" : "Error"}</strong>
      <span>{message}</span>
      {status === 401 && <Link href="/signin">Sign in</Link>}
      {props.onRetry && (
        <button class="btn btn-small" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Notice(props: { kind?: "info" | "success" | "warning"; children: ComponentChildren; testid?: string }) {
  return (
    <div class={`alert alert-${props.kind ?? "info"}`} data-testid={props.testid}>
      {props.children}
    </div>
  );
}

export function Spinner(props: { label?: string }) {
  return (
    <div class="spinner" role="status">
      <span class="spinner-dot" /> {props.label ?? "Loading…"}
    </div>
  );
}

export function ProgressBar(props: { value: number; label?: string; testid?: string; active?: boolean }) {
  const percent = Math.max(0, Math.min(1, props.value)) * 100;
  return (
    <div class={`progress ${props.active ? "progress-active" : ""}`} role="progressbar" aria-valuenow={Math.round(percent)} aria-valuemin={0} aria-valuemax={100} data-testid={props.testid}>
      <div class="progress-fill" style={{ width: `${percent}%` }} />
      <span class="progress-label">{props.label ?? `${percent.toFixed(0)} %`}</span>
    </div>
  );
}

export function Badge(props: { children: ComponentChildren; kind?: string }) {
  return <span class={`badge badge-${props.kind ?? "neutral"}`}>{props.children}</span>;
}

export function StateBadge(props: { state: string }) {
  const kind = { succeeded: "success", failed: "danger", cancelled: "warning", running: "info", queued: "neutral" }[props.state] ?? "neutral";
  return <Badge kind={kind}>{props.state}</Badge>;
}

// Horizontal bars for signed values (contributions) or magnitudes (importance, counts).
export function BarChart(props: { rows: { label: string; value: number }[]; testid?: string; format?: (v: number) => string }) {
  const max = Math.max(1e-300, ...props.rows.map((row) => Math.abs(row.value)));
  const signed = props.rows.some((row) => row.value < 0);
  const format = props.format ?? ((v: number) => formatNumber(v));
  return (
    <div class={`bars ${signed ? "bars-signed" : ""}`} data-testid={props.testid}>
      {props.rows.map((row) => {
        const width = (Math.abs(row.value) / max) * (signed ? 50 : 100);
        const style: Record<string, string> = signed
          ? { width: `${width}%`, marginLeft: row.value < 0 ? `${50 - width}%` : "50%" }
          : { width: `${width}%` };
        return (
          <div class="bar-row" key={row.label}>
            <span class="bar-label" title={row.label}>
              {row.label}
            </span>
            <span class="bar-track">
              <span class={`bar-fill ${row.value < 0 ? "bar-negative" : ""}`} style={style} />
            </span>
            <span class="bar-value">{format(row.value)}</span>
          </div>
        );
      })}
    </div>
  );
}

export function Confirm(props: { title: string; children: ComponentChildren; confirmLabel: string; onConfirm: () => void; onCancel: () => void; danger?: boolean }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && props.onCancel();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <div class="modal-backdrop" onClick={props.onCancel}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={props.title} onClick={(event) => event.stopPropagation()}>
        <h2>{props.title}</h2>
        <div class="modal-body">{props.children}</div>
        <div class="modal-actions">
          <button class="btn" onClick={props.onCancel}>
            Cancel
          </button>
          <button class={`btn ${props.danger ? "btn-danger" : "btn-primary"}`} onClick={props.onConfirm} data-testid="confirm">
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

export function CodeBlock(props: { code: string; label: string; testid?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="code-block">
      <div class="code-header">
        <span>{props.label}</span>
        <button class="btn btn-small" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <pre data-testid={props.testid}>
        <code>{props.code}</code>
      </pre>
    </div>
  );
}

export function KeyValues(props: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {props.rows.map(([key, value]) => (
        <div class="kv-row" key={key}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Table(props: { children: ComponentChildren; testid?: string }) {
  return (
    <div class="table-wrap">
      <table class="table" data-testid={props.testid}>
        {props.children}
      </table>
    </div>
  );
}
