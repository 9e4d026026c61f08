// A small SVG chart of lines or points over numeric x and y axes: ROC and precision-recall curves (which step
// vertically, so x repeats) and the residual scatter. Scales to its container's width.
import { extent, linearScale, niceTicks, polylinePoints } from "../lib/curves";
import { formatNumber } from "../lib/format";

export const CHART_COLORS = ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#4b5563"];

export interface XYSeries {
  label: string;
  x: (number | null)[];
  y: (number | null)[];
  mode?: "line" | "points";
}

// 4% of room on either side, so points at the extremes are not drawn on the frame.
function padded([min, max]: [number, number]): [number, number] {
  const pad = (max - min) * 0.04;
  return [min - pad, max + pad];
}

const WIDTH = 420;
const HEIGHT = 300;
const MARGIN = { left: 52, right: 12, top: 10, bottom: 40 };

export function XYChart(props: {
  series: XYSeries[];
  xLabel: string;
  yLabel: string;
  xDomain?: [number, number];
  yDomain?: [number, number];
  diagonal?: boolean; // the y = x reference (a random classifier's ROC)
  zeroLine?: boolean; // the y = 0 reference (a perfect regressor's residuals)
  testid?: string;
}) {
  const xDomain = props.xDomain ?? padded(extent(props.series.flatMap((s) => s.x)));
  const yDomain = props.yDomain ?? padded(extent(props.series.flatMap((s) => s.y)));
  const sx = linearScale(xDomain, [MARGIN.left, WIDTH - MARGIN.right]);
  const sy = linearScale(yDomain, [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const xTicks = niceTicks(xDomain[0], xDomain[1], 5);
  const yTicks = niceTicks(yDomain[0], yDomain[1], 5);
  const legend = props.series.length > 1;
  return (
    <figure class="xy-chart" data-testid={props.testid}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${props.yLabel} against ${props.xLabel}`}>
        <g class="xy-grid">
          {xTicks.map((tick) => (
            <line key={`x${tick}`} x1={sx(tick)} x2={sx(tick)} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} />
          ))}
          {yTicks.map((tick) => (
            <line key={`y${tick}`} x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={sy(tick)} y2={sy(tick)} />
          ))}
        </g>
        <g class="xy-axis">
          {xTicks.map((tick) => (
            <text key={`xt${tick}`} x={sx(tick)} y={HEIGHT - MARGIN.bottom + 14} text-anchor="middle">
              {formatNumber(tick)}
            </text>
          ))}
          {yTicks.map((tick) => (
            <text key={`yt${tick}`} x={MARGIN.left - 6} y={sy(tick) + 4} text-anchor="end">
              {formatNumber(tick)}
            </text>
          ))}
          <text x={(MARGIN.left + WIDTH - MARGIN.right) / 2} y={HEIGHT - 6} text-anchor="middle" class="xy-label">
            {props.xLabel}
          </text>
          <text x={12} y={(MARGIN.top + HEIGHT - MARGIN.bottom) / 2} text-anchor="middle" class="xy-label" transform={`rotate(-90 12 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2})`}>
            {props.yLabel}
          </text>
        </g>
        {props.diagonal && <line class="xy-reference" x1={sx(xDomain[0])} y1={sy(yDomain[0])} x2={sx(xDomain[1])} y2={sy(yDomain[1])} />}
        {props.zeroLine && yDomain[0] <= 0 && yDomain[1] >= 0 && <line class="xy-reference" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={sy(0)} y2={sy(0)} />}
        {props.series.map((series, idx) => {
          const color = CHART_COLORS[idx % CHART_COLORS.length];
          if (series.mode === "points") {
            return (
              <g key={series.label} class="xy-points" fill={color} data-series={series.label}>
                {series.x.map((x, i) => {
                  const y = series.y[i];
                  return x === null || y === null ? null : <circle key={i} cx={sx(x).toFixed(1)} cy={sy(y).toFixed(1)} r="2.2" />;
                })}
              </g>
            );
          }
          return <polyline key={series.label} class="xy-line" data-series={series.label} points={polylinePoints(series.x, series.y, sx, sy)} stroke={color} />;
        })}
      </svg>
      {legend && (
        <figcaption class="xy-legend">
          {props.series.map((series, idx) => (
            <span key={series.label}>
              <i style={{ background: CHART_COLORS[idx % CHART_COLORS.length] }} />
              {series.label}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
