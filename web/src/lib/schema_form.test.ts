import { describe, expect, it } from "vitest";
import { fieldKind, formFields, formFromRow, rowFromForm } from "./schema_form";

const features = [
  { name: "square_feet", type: "numeric" },
  { name: "neighborhood", type: "categorical" },
  { name: "has_garage", type: "boolean" },
];

describe("formFields", () => {
  it("maps types to inputs and offers known categories", () => {
    const fields = formFields(features, { neighborhood: ["Riverside", "Downtown"] });
    expect(fields.map((f) => f.kind)).toEqual(["number", "text", "boolean"]);
    expect(fields[1].options).toEqual(["Riverside", "Downtown"]);
    expect(fields[0].options).toBeUndefined();
    expect(fieldKind("integer")).toBe("number");
    expect(fieldKind("bool")).toBe("boolean");
    expect(fieldKind("categorical")).toBe("text");
    expect(fieldKind("date")).toBe("text");
  });
});

describe("rowFromForm", () => {
  const fields = formFields(features);
  it("types the values and sends empty fields as null", () => {
    const { row, errors } = rowFromForm(fields, { square_feet: " 1650.5 ", neighborhood: "Riverside", has_garage: "true" });
    expect(errors).toEqual({});
    expect(row).toEqual({ square_feet: 1650.5, neighborhood: "Riverside", has_garage: true });
    expect(rowFromForm(fields, {}).row).toEqual({ square_feet: null, neighborhood: null, has_garage: null });
  });
  it("names the fields that do not parse", () => {
    const { errors } = rowFromForm(fields, { square_feet: "12a", has_garage: "yes" });
    expect(errors).toEqual({ square_feet: "not a number", has_garage: "true or false" });
    expect(rowFromForm(fields, { square_feet: "Infinity" }).errors.square_feet).toBe("not a number");
  });
  it("round-trips through formFromRow", () => {
    const row = { square_feet: 900, neighborhood: "Downtown", has_garage: false };
    expect(rowFromForm(fields, formFromRow(fields, row)).row).toEqual(row);
  });
});
