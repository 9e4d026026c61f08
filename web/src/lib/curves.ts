// Pure helpers behind the evaluation and distribution charts: areas, scales, ticks, histogram bars and residual
// points, from the API's evaluation_curves and histogram shapes (docs/models.md, docs/datasets.md).

export interface HistogramShape {
  edges: number[];
  counts: number[];
}

// The area under a polyline by the trapezoid rule (the AUC of the kept ROC points; the exact AUC is the API's).
export function trapezoidArea(x: number[], y: number[]): number {
  let area = 0;
  for (let i = 1; i < Math.min(x.length, y.length); i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

// [min, max] of the finite values; [0, 1] when there is none, widened by one unit when all are equal.
export function extent(values: (number | null | undefined)[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min === Infinity) return [0, 1];
  if (min === max) return [min - 1, max + 1];
  return [min, max];
}

// A linear map from `domain` to `range`.
export function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const span = domain[1] - domain[0] || 1;
  return (value) => range[0] + ((value - domain[0]) / span) * (range[1] - range[0]);
}

// About `count` round tick values (1, 2 or 5 times a power of ten apart) inside [min, max].
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min) || count < 1) return [min];
  const raw = (max - min) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const ratio = raw / power;
  const step = (ratio >= 7.07 ? 10 : ratio >= 3.16 ? 5 : ratio >= 1.41 ? 2 : 1) * power;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step - 1e-9) * step; tick <= max + step * 1e-9; tick += step) {
    ticks.push(Math.abs(tick) < step * 1e-9 ? 0 : Number(tick.toPrecision(12)));
  }
  return ticks;
}

// Bars of a histogram for uPlot: x at the bin centres, y the counts, and the (equal) bin width.
export function histogramBars(histogram: HistogramShape): { x: number[]; y: number[]; width: number } {
  const bins = Math.min(histogram.counts.length, histogram.edges.length - 1);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < bins; i++) {
    x.push((histogram.edges[i] + histogram.edges[i + 1]) / 2);
    y.push(histogram.counts[i]);
  }
  const width = bins > 0 ? (histogram.edges[bins] - histogram.edges[0]) / bins : 1;
  return { x, y, width };
}

// The residual plot's points: predicted on x, actual - predicted on y, rows with a missing number left out.
export function residualPoints(predicted: (number | null)[], actual: (number | null)[]): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < Math.min(predicted.length, actual.length); i++) {
    const p = predicted[i];
    const a = actual[i];
    if (p === null || a === null || !Number.isFinite(p) || !Number.isFinite(a)) continue;
    x.push(p);
    y.push(a - p);
  }
  return { x, y };
}

// SVG polyline "x,y x,y ..." of the points through the scales (points with a missing coordinate skipped).
export function polylinePoints(xs: (number | null)[], ys: (number | null)[], sx: (v: number) => number, sy: (v: number) => number): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i];
    const y = ys[i];
    if (x === null || y === null) continue;
    parts.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
  }
  return parts.join(" ");
}
