import { describe, expect, it } from "vitest";
import { curlSnippet, pythonSnippet } from "./snippets";
import { confusionMatrix, headlineMetrics } from "./format";

describe("snippets", () => {
  const row = { square_feet: 1650, name: "O'Brien", garage: true, lot: null };
  it("curl quotes the body for the shell and names the key only when needed", () => {
    const curl = curlSnippet("http://127.0.0.1:8080", "house prices", row, true);
    expect(curl).toContain("'http://127.0.0.1:8080/v1/models/house%20prices/predict'");
    expect(curl).toContain(`-d '{"rows":[{"square_feet":1650,"name":"O'\\''Brien","garage":true,"lot":null}]}'`);
    expect(curl).toContain("$AMP_API_KEY");
    expect(curlSnippet("http://h", "m", row, false)).not.toContain("Authorization");
  });
  it("python uses Python literals", () => {
    const python = pythonSnippet("http://h", "m", row, true);
    expect(python).toContain('"garage": True,');
    expect(python).toContain('"lot": None,');
    expect(python).toContain('"name": "O\'Brien",');
    expect(python).toContain('os.environ["AMP_API_KEY"]');
  });
});

describe("metrics helpers", () => {
  it("rebuilds the confusion matrix from confusion[actual][predicted] entries", () => {
    const metrics = { accuracy: 0.9, "confusion[a][a]": 5, "confusion[a][b]": 1, "confusion[b][b]": 4, "f1[a]": 0.8 };
    expect(confusionMatrix(metrics)).toEqual({ classes: ["a", "b"], counts: [[5, 1], [0, 4]] });
    expect(confusionMatrix({ rmse: 1 })).toBeNull();
    expect(headlineMetrics(metrics)).toEqual([["accuracy", 0.9]]);
    expect(headlineMetrics({ train_rows: 8, r2: 0.5, holdout_rows: 2, rmse: 1 }).map(([k]) => k)).toEqual(["rmse", "r2", "holdout_rows", "train_rows"]);
  });
});
