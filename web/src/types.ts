// The API's JSON shapes as the console reads them (see README's API table and docs/models.md).
import type { ProgressDetail } from "./lib/job_progress";

export interface Feature {
  name: string;
  type: string; // "number" | "integer" | "boolean" | "string" ...
}

export interface LeaderboardRow {
  rank: number;
  algorithm: string;
  params?: Record<string, unknown>;
  metric: string;
  cv_score: number;
  cv_std?: number;
  fit_seconds?: number;
  published?: boolean; // the row the job published (absent in versions recorded before the server said)
}

export interface Version {
  model_id?: string;
  version: number;
  created_at: string;
  algorithm: string;
  task: string;
  target: string;
  features: Feature[];
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  lineage: { dataset_id: string; dataset_sha256: string; job_id: string };
  artifact?: { sha256: string; size_bytes: number };
  feature_importance?: { feature: string; importance: number }[];
  leaderboard?: LeaderboardRow[];
  cleaning_report?: Record<string, unknown>;
  // Only in GET /v1/models/{m}/versions/{n}; null when not recorded for the version.
  evaluation_curves?: EvaluationCurves | null;
}

// A version's holdout charts (docs/models.md): classifiers have roc and precision_recall, regressors residuals.
// Threshold and point arrays may hold null (the +inf threshold of a curve's first point, a non-finite number).
export interface EvaluationCurves {
  roc?: { class: string; auc: number; fpr: number[]; tpr: number[]; thresholds: (number | null)[] }[];
  precision_recall?: { class: string; average_precision: number; recall: number[]; precision: number[]; thresholds: (number | null)[] }[];
  classes_omitted?: number;
  residuals?: { rows: number; predicted: (number | null)[]; actual: (number | null)[]; histogram: { edges: number[]; counts: number[] } };
}

export interface Alias {
  alias: string;
  version: number;
  updated_at: string;
  updated_by: string;
}

export interface ModelSummary {
  id: string;
  name: string;
  description?: string;
  created_at: string;
  public: boolean;
  owner?: string;
  tags?: string[];
  latest_version?: Version | null;
  aliases?: Alias[];
}

// GET /v1/models/{name}: the latest version as a number, aliases as {alias: version}, every version in full.
export interface ModelDetail {
  id: string;
  name: string;
  description?: string;
  created_at: string;
  public: boolean;
  owner?: string;
  tags?: string[];
  latest_version: number | null;
  aliases: Record<string, number>;
  served_version?: number | null;
  versions: Version[];
}

export interface AliasEvent {
  alias: string;
  version: number | null;
  previous_version: number | null;
  at: string;
  by: string;
}

export interface Column {
  name: string;
  type: string;
  missing_count: number;
  distinct_count: number;
  distinct_count_is_lower_bound?: boolean;
  min?: number;
  max?: number;
  mean?: number;
  stddev?: number;
  pii?: string;
  top_values?: { value: string; count: number }[];
  histogram?: { edges: number[]; counts: number[] }; // integer and numeric columns
}

export interface Dataset {
  id: string;
  name: string;
  created_at: string;
  row_count: number;
  column_count: number;
  size_bytes: number;
  sha256: string;
  columns: Column[];
  cleaning_report?: Record<string, unknown>;
}

export interface Job {
  id: string;
  state: string; // queued | running | succeeded | failed | cancelled
  model_name: string;
  dataset_id: string;
  target: string;
  algorithm: string;
  task?: string;
  features: string[];
  params: Record<string, unknown>;
  progress: string | number; // what the job is doing ("loading data", ...), or a fraction
  progress_detail?: ProgressDetail;
  created_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  duration_seconds?: number;
  error?: string;
  result?: { model_id: string; model_name: string; version: number; metrics: Record<string, number>; leaderboard?: LeaderboardRow[] };
  leaderboard?: LeaderboardRow[];
}

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  created_at: string;
  expires_at?: string | null;
  revoked: boolean;
  granted_models?: string[];
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor?: string;
  action?: string;
  resource?: string;
  outcome?: string;
  [key: string]: unknown;
}
