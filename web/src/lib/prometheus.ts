// Prometheus text exposition: parsing, and the per-model figures the Monitoring page shows, computed from two
// scrapes (counters differenced over the interval, latency quantiles interpolated in the histogram's buckets the
// way PromQL's histogram_quantile does). Pure functions.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let idx = 0;
  while (idx < text.length) {
    while (text[idx] === "," || text[idx] === " ") idx++;
    const eq = text.indexOf("=", idx);
    if (eq < 0) break;
    const name = text.slice(idx, eq).trim();
    idx = eq + 1;
    if (text[idx] !== '"') break;
    idx++;
    let value = "";
    while (idx < text.length && text[idx] !== '"') {
      if (text[idx] === "\\" && idx + 1 < text.length) {
        const next = text[idx + 1];
        value += next === "n" ? "\n" : next;
        idx += 2;
      } else {
        value += text[idx++];
      }
    }
    idx++;
    labels[name] = value;
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

// Samples of every non-comment line; lines that do not parse are skipped.
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    const brace = line.indexOf("{");
    const space = line.indexOf(" ");
    if (brace >= 0 && (space < 0 || brace < space)) {
      const close = line.lastIndexOf("}");
      if (close < brace) continue;
      name = line.slice(0, brace);
      labels = parseLabels(line.slice(brace + 1, close));
      rest = line.slice(close + 1).trim();
    } else {
      if (space < 0) continue;
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const value = parseValue(rest.split(/\s+/)[0] ?? "");
    if (Number.isNaN(value)) continue;
    samples.push({ name, labels, value });
  }
  return samples;
}

export interface Bucket {
  le: number;
  count: number; // cumulative
}

// The q-quantile (0..1) of a cumulative histogram, interpolated linearly inside the bucket it falls in; the lower
// bound of the first bucket is 0. NaN when the histogram is empty. A quantile in the +Inf bucket is the largest
// finite bound.
export function histogramQuantile(q: number, buckets: Bucket[]): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (sorted.length === 0) return NaN;
  const total = sorted[sorted.length - 1].count;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

export interface ModelRates {
  model: string;
  requestsPerSecond: number;
  errorRate: number; // errors / requests over the interval (0 when no request)
  p50: number; // seconds; NaN when no request in the interval
  p95: number;
  p99: number;
}

function byModel(samples: Sample[], name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name || sample.labels.model === undefined) continue;
    out.set(sample.labels.model, (out.get(sample.labels.model) ?? 0) + sample.value);
  }
  return out;
}

function bucketsByModel(samples: Sample[], name: string): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const sample of samples) {
    if (sample.name !== name || sample.labels.model === undefined || sample.labels.le === undefined) continue;
    let buckets = out.get(sample.labels.model);
    if (!buckets) out.set(sample.labels.model, (buckets = new Map()));
    buckets.set(parseValue(sample.labels.le), sample.value);
  }
  return out;
}

// Per-model rates between two scrapes `seconds` apart. A counter that went down (the server restarted) counts
// from zero, as Prometheus' rate() does.
export function modelRates(previous: Sample[], current: Sample[], seconds: number): ModelRates[] {
  const delta = (now: number, before: number | undefined) => (before === undefined || now < before ? now : now - before);
  const requestsNow = byModel(current, "amp_model_requests_total");
  const requestsBefore = byModel(previous, "amp_model_requests_total");
  const errorsNow = byModel(current, "amp_model_errors_total");
  const errorsBefore = byModel(previous, "amp_model_errors_total");
  const bucketsNow = bucketsByModel(current, "amp_model_request_duration_seconds_bucket");
  const bucketsBefore = bucketsByModel(previous, "amp_model_request_duration_seconds_bucket");
  const rates: ModelRates[] = [];
  for (const [model, total] of requestsNow) {
    const requests = delta(total, requestsBefore.get(model));
    const errors = delta(errorsNow.get(model) ?? 0, errorsBefore.get(model));
    const buckets: Bucket[] = [];
    const before = bucketsBefore.get(model);
    for (const [le, count] of bucketsNow.get(model) ?? []) buckets.push({ le, count: delta(count, before?.get(le)) });
    rates.push({
      model,
      requestsPerSecond: seconds > 0 ? requests / seconds : 0,
      errorRate: requests > 0 ? Math.min(1, errors / requests) : 0,
      p50: histogramQuantile(0.5, buckets),
      p95: histogramQuantile(0.95, buckets),
      p99: histogramQuantile(0.99, buckets),
    });
  }
  return rates.sort((a, b) => a.model.localeCompare(b.model));
}
