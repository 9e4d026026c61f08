// Try it: a form generated from the served version's signature; the prediction, the per-feature contributions (for
// models that explain) or the class probabilities, and the same call as curl and Python.
import { useEffect, useMemo, useState } from "preact/hooks";
import { enc, get, getApiKey, request } from "../api";
import { useApi } from "../hooks";
import { navigate } from "../router";
import type { Dataset, ModelDetail, ModelSummary, Version } from "../types";
import { BarChart, Card, CodeBlock, ErrorBox, KeyValues, Link, Page, Spinner } from "../components/ui";
import { formFields, formFromRow, rowFromForm, type RowValue } from "../lib/schema_form";
import { curlSnippet, pythonSnippet } from "../lib/snippets";
import { formatNumber } from "../lib/format";

interface PredictAnswer {
  predictions: (number | string)[];
  probabilities?: Record<string, number>[];
  explanations?: { base_value: number; contributions: Record<string, number> }[];
  version?: number;
  warnings?: unknown[];
}

export function TryPicker() {
  const models = useApi(() => get<{ models: ModelSummary[] }>("/v1/models"), []);
  return (
    <Page title="Try a model" subtitle="Pick a model to call it from a form.">
      <ErrorBox error={models.error} onRetry={models.reload} />
      {!models.data && !models.error && <Spinner />}
      <div class="grid grid-3">
        {(models.data?.models ?? []).map((model) => (
          <Card key={model.id} title={<Link href={`/try/${enc(model.name)}`}>{model.name}</Link>}>
            <p class="muted small">
              {model.latest_version ? `${model.latest_version.task} · predicts ${model.latest_version.target}` : "no version yet"}
            </p>
          </Card>
        ))}
      </div>
    </Page>
  );
}

export function TryIt(props: { name: string }) {
  const model = useApi(() => get<ModelDetail>(`/v1/models/${enc(props.name)}`), [props.name]);
  const version: Version | undefined = useMemo(() => {
    const versions = model.data?.versions ?? [];
    return versions.find((v) => v.version === model.data?.served_version) ?? [...versions].sort((a, b) => b.version - a.version)[0];
  }, [model.data]);
  const [dataset, setDataset] = useState<Dataset | null>(null);
  useEffect(() => {
    setDataset(null);
    const id = version?.lineage?.dataset_id;
    // The training data's profile gives example values and category choices; a caller who may not read datasets
    // (anonymous, consumer) just gets empty fields.
    if (id && getApiKey()) get<Dataset>(`/v1/datasets/${enc(id)}`).then(setDataset, () => setDataset(null));
  }, [version?.lineage?.dataset_id]);

  const categories = useMemo(() => {
    const out: Record<string, string[]> = {};
    for (const column of dataset?.columns ?? []) if (column.top_values?.length && column.type === "categorical") out[column.name] = column.top_values.map((t) => t.value);
    return out;
  }, [dataset]);
  const fields = useMemo(() => formFields(version?.features ?? [], categories), [version, categories]);
  const [values, setValues] = useState<Record<string, string>>({});
  useEffect(() => {
    // Example values: each column's mean (numbers, rounded) or most frequent value.
    const example: Record<string, RowValue> = {};
    for (const column of dataset?.columns ?? []) {
      if (column.mean !== undefined && column.mean !== null) example[column.name] = Math.round(column.mean);
      else if (column.top_values?.length) example[column.name] = column.top_values[0].value;
    }
    // Fields the user already filled keep their value (the profile may arrive after they started typing).
    setValues((old) => {
      const filled = Object.fromEntries(Object.entries(old).filter(([name, value]) => value !== "" && fields.some((f) => f.name === name)));
      return { ...formFromRow(fields, example), ...filled };
    });
  }, [fields]);

  // Functional update: two edits before a re-render (typing while the profile arrives) must both stick.
  const setField = (name: string, value: string) => setValues((old) => ({ ...old, [name]: value }));

  const [answer, setAnswer] = useState<PredictAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { row, errors } = rowFromForm(fields, values);
  const classifier = (version?.task ?? "").includes("classification");

  const predict = async (event: Event) => {
    event.preventDefault();
    if (Object.keys(errors).length) return;
    setBusy(true);
    setError(null);
    try {
      setAnswer(await request<PredictAnswer>("POST", `/v1/models/${enc(props.name)}/predict${classifier ? "" : "?explain=true"}`, { rows: [row] }));
    } catch (err) {
      setAnswer(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (model.error)
    return (
      <Page title={`Try ${props.name}`}>
        <ErrorBox error={model.error} onRetry={model.reload} />
      </Page>
    );
  if (!model.data || !version) return <Spinner />;
  const prediction = answer?.predictions?.[0];
  const explanation = answer?.explanations?.[0];
  const probabilities = answer?.probabilities?.[0];
  const origin = location.origin;
  const needsKey = !model.data.public;
  return (
    <Page
      title={`Try ${model.data.name}`}
      subtitle={`version ${version.version} · ${version.algorithm} · predicts ${version.target}`}
      actions={
        <button class="btn" onClick={() => navigate(`/models/${enc(props.name)}`)}>
          Model page
        </button>
      }
    >
      <div class="grid grid-2">
        <Card title="Inputs">
          <form class="form" onSubmit={predict} data-testid="try-form">
            {fields.map((field) => (
              <label class="field" key={field.name}>
                <span>{field.label}</span>
                {field.kind === "boolean" ? (
                  <select class="input" name={field.name} value={values[field.name] ?? ""} onChange={(e) => setField(field.name, e.currentTarget.value)}>
                    <option value="">(missing)</option>
                    <option value="true">true</option>
                    <option value="false">false</option>
                  </select>
                ) : field.options ? (
                  <>
                    <input class="input" name={field.name} list={`options-${field.name}`} value={values[field.name] ?? ""} onInput={(e) => setField(field.name, e.currentTarget.value)} />
                    <datalist id={`options-${field.name}`}>
                      {field.options.map((option) => (
                        <option value={option} key={option} />
                      ))}
                    </datalist>
                  </>
                ) : (
                  <input class={`input ${errors[field.name] ? "input-invalid" : ""}`} name={field.name} inputMode={field.kind === "number" ? "decimal" : "text"} value={values[field.name] ?? ""} onInput={(e) => setField(field.name, e.currentTarget.value)} />
                )}
                {errors[field.name] && <small class="field-error">{errors[field.name]}</small>}
              </label>
            ))}
            <p class="muted small">An empty field is missing: the model imputes it as in training.</p>
            <div class="form-actions">
              <button class="btn btn-primary" type="submit" disabled={busy || Object.keys(errors).length > 0} data-testid="predict">
                Predict
              </button>
            </div>
          </form>
        </Card>
        <div>
          <ErrorBox error={error} />
          {answer && (
            <Card title="Prediction" testid="prediction-card">
              <div class="prediction" data-testid="prediction" data-value={String(prediction)}>
                {typeof prediction === "number" ? formatNumber(prediction, 8) : String(prediction)}
              </div>
              <p class="muted small">
                {version.target} · version {answer.version ?? version.version}
              </p>
              {probabilities && (
                <BarChart rows={Object.entries(probabilities).map(([label, p]) => ({ label, value: p }))} format={(v) => v.toFixed(3)} testid="probabilities" />
              )}
              {explanation && (
                <>
                  <h3 class="card-subtitle">Contributions</h3>
                  <KeyValues rows={[["base value (mean training prediction)", formatNumber(explanation.base_value)]]} />
                  <BarChart
                    rows={Object.entries(explanation.contributions)
                      .map(([label, value]) => ({ label, value }))
                      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))}
                    testid="contributions"
                  />
                </>
              )}
            </Card>
          )}
          <Card title="The same call">
            <CodeBlock label="curl" code={curlSnippet(origin, model.data.name, row, needsKey)} testid="curl-snippet" />
            <CodeBlock label="Python (requests)" code={pythonSnippet(origin, model.data.name, row, needsKey)} />
          </Card>
        </div>
      </div>
    </Page>
  );
}
