// Number, date and size formatting for tables and charts. Pure functions.

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toLocaleString("en-US", { maximumFractionDigits: 6 });
}

export function formatSeconds(seconds: number): string {
  if (Number.isNaN(seconds)) return "–";
  if (seconds < 1e-3) return `${(seconds * 1e6).toFixed(0)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
  return `${seconds.toFixed(2)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction < 0.1 && fraction > 0 ? 2 : 1)} %`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

// The confusion matrix held in a classifier's metrics as confusion[<actual>][<predicted>] counts.
export function confusionMatrix(metrics: Record<string, number>): { classes: string[]; counts: number[][] } | null {
  const cells = new Map<string, number>();
  const classes = new Set<string>();
  for (const [key, value] of Object.entries(metrics)) {
    const match = /^confusion\[(.*)\]\[(.*)\]$/.exec(key);
    if (!match) continue;
    classes.add(match[1]);
    classes.add(match[2]);
    cells.set(`${match[1]}\u0000${match[2]}`, value);
  }
  if (classes.size === 0) return null;
  const sorted = [...classes].sort();
  return { classes: sorted, counts: sorted.map((actual) => sorted.map((predicted) => cells.get(`${actual}\u0000${predicted}`) ?? 0)) };
}

const METRIC_ORDER = ["rmse", "mae", "r2", "accuracy", "balanced_accuracy", "roc_auc", "f1_macro", "precision_macro", "recall_macro", "log_loss"];

// The headline metrics of a version (per-class and confusion entries aside), the usual scores first, then the rest
// (row counts and the like) by name.
export function headlineMetrics(metrics: Record<string, number>): [string, number][] {
  const rank = (key: string) => {
    const idx = METRIC_ORDER.indexOf(key);
    return idx < 0 ? METRIC_ORDER.length : idx;
  };
  return Object.entries(metrics)
    .filter(([key]) => !key.includes("["))
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

export function perClassMetrics(metrics: Record<string, number>): { classes: string[]; names: string[]; value: (name: string, cls: string) => number | undefined } | null {
  const names = new Set<string>();
  const classes = new Set<string>();
  for (const key of Object.keys(metrics)) {
    const match = /^(precision|recall|f1)\[(.*)\]$/.exec(key);
    if (!match) continue;
    names.add(match[1]);
    classes.add(match[2]);
  }
  if (classes.size === 0) return null;
  return { classes: [...classes].sort(), names: [...names], value: (name, cls) => metrics[`${name}[${cls}]`] };
}
