// A histogram drawn by uPlot as bars: counts at the bin centres, the x axis spanning the bins' edges.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { histogramBars, type HistogramShape } from "../lib/curves";
import { formatNumber } from "../lib/format";

export function HistogramChart(props: { histogram: HistogramShape; xLabel?: string; height?: number; testid?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const height = props.height ?? 160;
  const key = `${props.histogram.edges.join(",")}|${props.histogram.counts.join(",")}`;

  useEffect(() => {
    if (!host.current) return;
    const bars = histogramBars(props.histogram);
    const edges = props.histogram.edges;
    const width = () => Math.max(200, host.current?.clientWidth ?? 300);
    const options: uPlot.Options = {
      width: width(),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: () => [edges[0], edges[edges.length - 1]] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] },
      },
      axes: [
        { label: props.xLabel, labelSize: props.xLabel ? 20 : 0, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) },
        { size: 50, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) },
      ],
      series: [
        {},
        {
          label: "rows",
          fill: "rgba(37, 99, 235, 0.75)",
          stroke: "#2563eb",
          width: 1,
          paths: uPlot.paths.bars!({ size: [1, Infinity], align: 0, gap: 1 }),
          points: { show: false },
        },
      ],
    };
    const plot = new uPlot(options, [bars.x, bars.y], host.current);
    const onResize = () => plot.setSize({ width: width(), height });
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      plot.destroy();
    };
  }, [key, props.xLabel, height]);

  const total = props.histogram.counts.reduce((sum, count) => sum + count, 0);
  return (
    <div
      class="chart chart-small"
      ref={host}
      data-testid={props.testid}
      data-bins={props.histogram.counts.length}
      data-total={total}
      aria-label={`histogram of ${total} values in ${props.histogram.counts.length} bins`}
    />
  );
}
