import { describe, expect, it } from "vitest";
import { histogramQuantile, modelRates, parsePrometheus } from "./prometheus";

const scrape = (requests: number, errors: number, buckets: [string, number][]) => `# HELP amp_model_requests_total Prediction requests per model.
# TYPE amp_model_requests_total counter
amp_model_requests_total{model="houses"} ${requests}
amp_model_requests_total{model="say \\"hi\\""} 4
amp_model_errors_total{model="houses",code="422"} ${errors}
${buckets.map(([le, count]) => `amp_model_request_duration_seconds_bucket{model="houses",le="${le}"} ${count}`).join("\n")}
amp_model_request_duration_seconds_sum{model="houses"} 0.5
amp_http_requests_in_flight 1
`;

describe("parsePrometheus", () => {
  it("reads names, labels with escapes, values and skips comments", () => {
    const samples = parsePrometheus(scrape(10, 1, [["0.001", 3], ["+Inf", 10]]));
    expect(samples.find((s) => s.name === "amp_http_requests_in_flight")?.value).toBe(1);
    expect(samples.filter((s) => s.name === "amp_model_requests_total").map((s) => s.labels.model)).toEqual(["houses", 'say "hi"']);
    const inf = samples.find((s) => s.labels.le === "+Inf");
    expect(inf?.value).toBe(10);
    expect(samples.some((s) => s.name.startsWith("#"))).toBe(false);
  });
  it("skips lines that do not parse", () => {
    expect(parsePrometheus("garbage\nx{a=\"1\"} notanumber\ny 2")).toEqual([{ name: "y", labels: {}, value: 2 }]);
  });
});

describe("histogramQuantile", () => {
  it("interpolates inside the bucket, as PromQL does", () => {
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.2, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.75, buckets)).toBeCloseTo(0.15);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05);
  });
  it("is NaN when empty and the last finite bound in +Inf", () => {
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }])).toBeNaN();
    expect(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 10 }])).toBe(1);
  });
});

describe("modelRates", () => {
  it("differences counters over the interval", () => {
    const before = parsePrometheus(scrape(10, 1, [["0.001", 5], ["0.002", 10], ["+Inf", 10]]));
    const after = parsePrometheus(scrape(30, 3, [["0.001", 15], ["0.002", 30], ["+Inf", 30]]));
    const houses = modelRates(before, after, 10).find((r) => r.model === "houses")!;
    expect(houses.requestsPerSecond).toBeCloseTo(2);
    expect(houses.errorRate).toBeCloseTo(0.1);
    expect(houses.p50).toBeCloseTo(0.001);
    expect(houses.p99).toBeCloseTo(0.001 + 0.001 * (19.8 - 10) / 10);
  });
  it("counts from zero after a restart and reports no latency without requests", () => {
    const before = parsePrometheus(scrape(100, 0, [["+Inf", 100]]));
    const after = parsePrometheus(scrape(4, 0, [["+Inf", 4]]));
    expect(modelRates(before, after, 2).find((r) => r.model === "houses")!.requestsPerSecond).toBeCloseTo(2);
    const idle = modelRates(after, after, 2).find((r) => r.model === "houses")!;
    expect(idle.requestsPerSecond).toBe(0);
    expect(idle.errorRate).toBe(0);
    expect(idle.p50).toBeNaN();
  });
});
