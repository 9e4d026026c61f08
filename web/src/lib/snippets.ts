// The curl and Python equivalents of a console prediction, to copy. Pure functions; the key is a placeholder
// (never the signed-in secret) so a screenshot or a pasted snippet leaks nothing.

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function curlSnippet(origin: string, model: string, row: Record<string, unknown>, withKey: boolean): string {
  const url = `${origin}/v1/models/${encodeURIComponent(model)}/predict`;
  const lines = [`curl -s -X POST ${shellQuote(url)}`];
  if (withKey) lines.push(`  -H "Authorization: Bearer $AMP_API_KEY"`);
  lines.push(`  -H 'Content-Type: application/json'`);
  lines.push(`  -d ${shellQuote(JSON.stringify({ rows: [row] }))}`);
  return lines.join(" \\\n");
}

function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  return JSON.stringify(String(value));
}

export function pythonSnippet(origin: string, model: string, row: Record<string, unknown>, withKey: boolean): string {
  const entries = Object.entries(row).map(([name, value]) => `    ${JSON.stringify(name)}: ${pythonLiteral(value)},`);
  const lines = [
    "import os, requests",
    "",
    "row = {",
    ...entries,
    "}",
    "response = requests.post(",
    `    ${JSON.stringify(`${origin}/v1/models/${encodeURIComponent(model)}/predict`)},`,
    '    json={"rows": [row]},',
  ];
  if (withKey) lines.push('    headers={"Authorization": "Bearer " + os.environ["AMP_API_KEY"]},');
  lines.push(")", "response.raise_for_status()", 'print(response.json()["predictions"][0])');
  return lines.join("\n");
}
