// Try it: the input form generated from a model version's signature, and the form's text values turned back into
// the typed row the predict API takes. Pure functions.
import type { Feature } from "../types";

export type FieldKind = "number" | "boolean" | "text";

export interface FormField {
  name: string;
  kind: FieldKind;
  label: string; // the feature name and its type
  options?: string[]; // for a categorical feature whose values the dataset profile lists
}

export function fieldKind(type: string): FieldKind {
  const lowered = type.toLowerCase();
  if (["number", "integer", "float", "double", "numeric", "int64", "float64"].includes(lowered)) return "number";
  if (["boolean", "bool"].includes(lowered)) return "boolean";
  return "text";
}

export function formFields(features: Feature[], categories: Record<string, string[]> = {}): FormField[] {
  return features.map((feature) => {
    const kind = fieldKind(feature.type);
    const field: FormField = { name: feature.name, kind, label: `${feature.name} (${feature.type})` };
    if (kind === "text" && categories[feature.name]?.length) field.options = categories[feature.name];
    return field;
  });
}

export type RowValue = number | boolean | string | null;

export interface RowResult {
  row: Record<string, RowValue>;
  errors: Record<string, string>; // by field name
}

// An empty field is null (the model imputes it, as in training); a number field must hold a finite number.
export function rowFromForm(fields: FormField[], values: Record<string, string>): RowResult {
  const row: Record<string, RowValue> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const text = (values[field.name] ?? "").trim();
    if (text === "") {
      row[field.name] = null;
      continue;
    }
    if (field.kind === "number") {
      const value = Number(text);
      if (!Number.isFinite(value)) errors[field.name] = "not a number";
      else row[field.name] = value;
    } else if (field.kind === "boolean") {
      if (text === "true" || text === "false") row[field.name] = text === "true";
      else errors[field.name] = "true or false";
    } else {
      row[field.name] = text;
    }
  }
  return { row, errors };
}

// Form values from a row (the dataset's first values, a previous request), as text.
export function formFromRow(fields: FormField[], row: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of fields) {
    const value = row[field.name];
    values[field.name] = value === null || value === undefined ? "" : String(value);
  }
  return values;
}
