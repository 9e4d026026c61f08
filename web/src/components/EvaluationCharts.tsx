// A version's holdout charts from GET /v1/models/{m}/versions/{n}'s evaluation_curves: ROC and precision-recall
// curves for a classifier (one-vs-rest per class for more than two), the residual plot and residual histogram for
// a regressor, or a note when the version has none recorded.
import type { EvaluationCurves } from "../types";
import { residualPoints } from "../lib/curves";
import { formatNumber } from "../lib/format";
import { HistogramChart } from "./HistogramChart";
import { XYChart } from "./XYChart";
import { Card, Notice } from "./ui";

export function EvaluationCharts(props: { curves: EvaluationCurves | null | undefined }) {
  const curves = props.curves;
  if (!curves || (!curves.roc?.length && !curves.residuals)) {
    return (
      <Notice testid="curves-not-recorded">
        ROC, precision-recall and residual charts were not recorded for this version (versions trained before they were, imported versions, clustering
        models and runs without a holdout have none).
      </Notice>
    );
  }
  const roc = curves.roc ?? [];
  const pr = curves.precision_recall ?? [];
  const residuals = curves.residuals;
  const points = residuals ? residualPoints(residuals.predicted, residuals.actual) : null;
  const binary = roc.length === 1;
  return (
    <div class="grid grid-2">
      {roc.length > 0 && (
        <Card title={binary ? `ROC curve (holdout, positive class ${roc[0].class})` : "ROC curves (holdout, one-vs-rest)"} testid="roc">
          <p class="chart-figure">
            {roc.map((curve) => (
              <span key={curve.class} data-testid="roc-auc" data-class={curve.class} data-auc={String(curve.auc)}>
                {binary ? "" : `${curve.class}: `}AUC {formatNumber(curve.auc)}
              </span>
            ))}
          </p>
          <XYChart
            testid="roc-chart"
            series={roc.map((curve) => ({ label: curve.class, x: curve.fpr, y: curve.tpr }))}
            xLabel="false positive rate"
            yLabel="true positive rate"
            xDomain={[0, 1]}
            yDomain={[0, 1]}
            diagonal
          />
          {(curves.classes_omitted ?? 0) > 0 && <p class="muted small">{curves.classes_omitted} more classes have no curve stored.</p>}
        </Card>
      )}
      {pr.length > 0 && (
        <Card title="Precision-recall (holdout)" testid="precision-recall">
          <p class="chart-figure">
            {pr.map((curve) => (
              <span key={curve.class} data-testid="average-precision" data-ap={String(curve.average_precision)}>
                {binary ? "" : `${curve.class}: `}average precision {formatNumber(curve.average_precision)}
              </span>
            ))}
          </p>
          <XYChart
            testid="pr-chart"
            series={pr.map((curve) => ({ label: curve.class, x: curve.recall, y: curve.precision }))}
            xLabel="recall"
            yLabel="precision"
            xDomain={[0, 1]}
            yDomain={[0, 1]}
          />
        </Card>
      )}
      {residuals && points && (
        <Card title="Residuals (holdout)" testid="residuals">
          <p class="muted small" data-testid="residual-count" data-points={points.x.length}>
            {points.x.length < residuals.rows ? `A sample of ${formatNumber(points.x.length)} of the ${formatNumber(residuals.rows)} holdout rows` : `All ${formatNumber(residuals.rows)} holdout rows`}
            : actual − predicted against predicted.
          </p>
          <XYChart testid="residual-chart" series={[{ label: "residual", x: points.x, y: points.y, mode: "points" }]} xLabel="predicted" yLabel="actual − predicted" zeroLine />
        </Card>
      )}
      {residuals && residuals.histogram.counts.length > 0 && (
        <Card title="Residual histogram (holdout)" testid="residual-histogram">
          <p class="muted small">actual − predicted over all {formatNumber(residuals.rows)} holdout rows</p>
          <HistogramChart histogram={residuals.histogram} xLabel="actual − predicted" testid="residual-histogram-chart" />
        </Card>
      )}
    </div>
  );
}
