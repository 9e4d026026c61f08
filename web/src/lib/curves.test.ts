import { describe, expect, it } from "vitest";
import { extent, histogramBars, linearScale, niceTicks, polylinePoints, residualPoints, trapezoidArea } from "./curves";

describe("curves", () => {
  it("trapezoidArea is the area under a ROC polyline", () => {
    expect(trapezoidArea([0, 0, 0.5, 0.5, 1], [0, 0.5, 0.75, 1, 1])).toBeCloseTo(0.8125, 12);
    expect(trapezoidArea([0, 1], [0, 1])).toBe(0.5);
    expect(trapezoidArea([], [])).toBe(0);
  });

  it("extent ignores missing numbers and widens a single value", () => {
    expect(extent([3, null, -1, NaN, 2])).toEqual([-1, 3]);
    expect(extent([4, 4])).toEqual([3, 5]);
    expect(extent([])).toEqual([0, 1]);
  });

  it("linearScale maps the domain onto the range, flipped ranges included", () => {
    const sy = linearScale([0, 1], [200, 0]);
    expect(sy(0)).toBe(200);
    expect(sy(1)).toBe(0);
    expect(sy(0.25)).toBe(150);
  });

  it("niceTicks picks round steps inside the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6]);
    expect(niceTicks(12, 96, 4)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it("histogramBars puts the counts at the bin centres", () => {
    expect(histogramBars({ edges: [0, 2, 4, 6], counts: [1, 5, 2] })).toEqual({ x: [1, 3, 5], y: [1, 5, 2], width: 2 });
    expect(histogramBars({ edges: [], counts: [] })).toEqual({ x: [], y: [], width: 1 });
  });

  it("residualPoints are actual minus predicted against predicted", () => {
    expect(residualPoints([1.5, 2, null, 2], [1, 2, 3, 3])).toEqual({ x: [1.5, 2, 2], y: [-0.5, 0, 1] });
  });

  it("polylinePoints scales and skips missing points", () => {
    const s = (v: number) => v * 10;
    expect(polylinePoints([0, 0.5, null, 1], [0, 1, 1, 1], s, s)).toBe("0.0,0.0 5.0,10.0 10.0,10.0");
  });
});
