// A time-series line chart (uPlot): one line per series over shared timestamps (seconds).
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const COLORS = ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#4b5563"];

export function TimeChart(props: { times: number[]; series: { label: string; values: (number | null)[] }[]; unit: string; testid?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = props.series.map((s) => s.label).join("\u0000");

  useEffect(() => {
    if (!host.current) return;
    const width = () => Math.max(240, host.current?.clientWidth ?? 600);
    const options: uPlot.Options = {
      width: width(),
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { label: props.unit, size: 60 }],
      series: [{}, ...props.series.map((s, idx) => ({ label: s.label, stroke: COLORS[idx % COLORS.length], width: 2, spanGaps: true }))],
      legend: { show: true },
    };
    plot.current = new uPlot(options, [props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData, host.current);
    const onResize = () => plot.current?.setSize({ width: width(), height: 220 });
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [labels, props.unit]);

  useEffect(() => {
    plot.current?.setData([props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
  }, [props.times, props.series]);

  return <div class="chart" ref={host} data-testid={props.testid} />;
}
