// End-to-end test of the web console: a real `amp serve` (free port, temporary data folder) and Debian's chromium
// driven headless by playwright-core (from web/node_modules). It checks how the server ships the console's files,
// then clicks through upload -> train -> watch the job -> open the model -> promote and roll back -> try a
// prediction (the number shown must equal the API's for the same row) -> monitoring -> admin, on a laptop-sized and
// a phone-sized screen, and saves a screenshot of every page into --out.
//
// Usage: node tests/web/console_test.mjs --amp build/test/amp [--out DIR] [--web-dir web/dist]
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, idx, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[idx + 1]]] : pairs), []),
);
const ampBinary = path.resolve(args.amp ?? process.env.AMP_BINARY ?? "");
const outDir = path.resolve(args.out ?? path.join(os.tmpdir(), "amp-web-screenshots"));
const webDir = path.resolve(args["web-dir"] ?? path.join(repo, "web", "dist"));
if (!fs.existsSync(ampBinary)) fail(`no amp binary at '${ampBinary}': pass --amp`);

const { chromium } = createRequire(path.join(repo, "web", "package.json"))("playwright-core");

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}
function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok - ${message}`);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The console must be built (make build does it); build it here when it is not, so the test can run on its own.
if (!fs.existsSync(path.join(webDir, "index.html"))) {
  console.log(`building the console into ${webDir}`);
  const built = spawnSync("npm", ["run", "build"], { cwd: path.join(repo, "web"), stdio: "inherit" });
  if (built.status !== 0) fail("npm run build failed");
}

// A small deterministic regression dataset: price from size, bedrooms and neighborhood, plus seeded noise.
function makeCsv(rows) {
  let seed = 20261129;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const hoods = ["Riverside", "Downtown", "Hillcrest"];
  const lines = ["square_feet,num_bedrooms,neighborhood,has_garage,price"];
  for (let idx = 0; idx < rows; idx++) {
    const sqft = Math.round(600 + random() * 2400);
    const bedrooms = 1 + Math.floor(random() * 5);
    const hood = hoods[Math.floor(random() * hoods.length)];
    const garage = random() < 0.5;
    const price = 50000 + 120 * sqft + 8000 * bedrooms + (hood === "Downtown" ? 40000 : hood === "Hillcrest" ? 15000 : 0) + (garage ? 12000 : 0) + (random() - 0.5) * 20000;
    lines.push(`${sqft},${bedrooms},${hood},${garage},${price.toFixed(2)}`);
  }
  return lines.join("\n") + "\n";
}

async function startServer(dataDir) {
  const portFile = path.join(dataDir, "port");
  const server = spawn(ampBinary, ["serve", "--port", "0", "--port-file", portFile, "--data-dir", dataDir, "--no-demo", "--no-access-log", "--web-dir", webDir, "--threads", "2"], { stdio: ["ignore", "inherit", "inherit"] });
  server.on("exit", (code, signal) => {
    if (!server.stopping) fail(`amp exited early (code ${code}, signal ${signal})`);
  });
  for (let attempt = 0; attempt < 600 && !fs.existsSync(portFile); attempt++) await sleep(50);
  if (!fs.existsSync(portFile)) fail("the server did not write its port file within 30 s");
  const port = Number(fs.readFileSync(portFile, "utf8").trim());
  const adminKey = fs.readFileSync(path.join(dataDir, "admin.key"), "utf8").trim();
  return { server, base: `http://127.0.0.1:${port}`, port, adminKey };
}

// A raw request, so the path reaches the server exactly as written (fetch would normalize "/../").
function rawGet(port, target) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = "";
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => resolve(Number(data.split(" ")[1])));
    socket.on("error", reject);
  });
}

async function checkStaticServing(base, port, adminKey) {
  const index = await fetch(`${base}/`);
  check(index.status === 200 && index.headers.get("content-type").startsWith("text/html"), "GET / is the console's index.html");
  check(index.headers.get("cache-control") === "no-cache", "index.html is revalidated (Cache-Control: no-cache)");
  check((index.headers.get("content-security-policy") ?? "").includes("default-src 'self'"), "index.html carries a Content-Security-Policy");
  const html = await index.text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  check(Boolean(script), "index.html names a hashed script under /assets/");
  const asset = await fetch(`${base}${script}`);
  check(asset.status === 200 && asset.headers.get("content-type").startsWith("text/javascript"), "the script is served as text/javascript");
  check((asset.headers.get("cache-control") ?? "").includes("immutable"), "hashed assets are cached for good");
  const route = await fetch(`${base}/models/houses`);
  check(route.status === 200 && (await route.text()) === html, "a client route is answered with index.html");
  const junk = await fetch(`${base}/no/such/route`);
  check(junk.status === 404 && (await junk.json()).code === "not_found", "a path that is neither a file nor a console route is a JSON 404");
  const missing = await fetch(`${base}/assets/nope.js`);
  check(missing.status === 404, "a missing asset is 404");
  const api = await fetch(`${base}/v1/nope`);
  check(api.status === 404 && (await api.json()).code !== undefined, "an unknown API path is still a JSON 404, not the app");
  const wrongMethod = await fetch(`${base}/v1/models`, { method: "DELETE", headers: { Authorization: `Bearer ${adminKey}` } });
  check(wrongMethod.status === 405, "an API path under another method is still 405");
  for (const target of ["/../etc/passwd", "/assets/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fetc%2fpasswd"]) {
    check((await rawGet(port, target)) === 400, `path traversal ${target} is refused`);
  }
  const predict = await fetch(`${base}/api/predict`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  check(predict.status !== 200 && predict.headers.get("content-type").startsWith("application/json"), "/api/predict still reaches the API");
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  for (const old of fs.readdirSync(outDir)) if (old.endsWith(".png")) fs.rmSync(path.join(outDir, old));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "amp_web_test_"));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "amp_web_chromium_"));
  const csvPath = path.join(dataDir, "houses.csv");
  fs.writeFileSync(csvPath, makeCsv(400));
  const { server, base, port, adminKey } = await startServer(dataDir);
  const api = async (method, route, body) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { Authorization: `Bearer ${adminKey}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  let context;
  try {
    await checkStaticServing(base, port, adminKey);

    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
      viewport: { width: 1280, height: 860 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30000);
    const pageErrors = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    let shot = 0;
    const screenshot = async (name, target = page) => {
      shot++;
      await target.screenshot({ path: path.join(outDir, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
    };

    // Anonymous: the console loads and offers to sign in; a page that needs a key says so.
    await page.goto(`${base}/`);
    await page.getByTestId("sign-in-link").waitFor();
    await screenshot("models-anonymous");
    await page.goto(`${base}/datasets`);
    await page.getByTestId("error").first().waitFor();
    check((await page.getByTestId("error").first().textContent()).includes("API key"), "an anonymous dataset listing shows the API's 401 as a readable message");
    await screenshot("datasets-anonymous-error");

    // Sign in with a wrong key, then the admin key.
    await page.goto(`${base}/signin`);
    await page.getByTestId("api-key").fill("amp_notavalidkey");
    await page.getByTestId("sign-in").click();
    await page.getByTestId("error").waitFor();
    check((await page.getByTestId("error").textContent()).includes("not valid"), "a wrong key is refused with a message");
    await screenshot("signin");
    await page.getByTestId("api-key").fill(adminKey);
    await page.getByTestId("sign-in").click();
    await page.getByTestId("sign-out").waitFor();
    check(await page.evaluate(() => sessionStorage.getItem("amp.apiKey") !== null), "the key is kept in sessionStorage");

    // Upload a CSV.
    await page.getByTestId("nav-datasets").click();
    await page.getByTestId("upload-file").setInputFiles(csvPath);
    await page.getByTestId("upload-name").fill("houses");
    await page.getByTestId("upload-submit").click();
    await page.waitForURL(/\/datasets\/ds_/);
    await page.getByTestId("columns-table").waitFor();
    const datasetId = decodeURIComponent(page.url().split("/datasets/")[1]);
    check((await page.getByTestId("columns-table").locator("tbody tr").count()) === 5, "the dataset page profiles the 5 columns");
    const dataset = await api("GET", `/v1/datasets/${datasetId}`);
    check(dataset.row_count === 400, "the uploaded dataset has 400 rows");
    // Number columns get a histogram from the profile, drawn by uPlot; the bars add up to the API's counts.
    const sqft = dataset.columns.find((column) => column.name === "square_feet");
    check(sqft.histogram?.edges.length === sqft.histogram?.counts.length + 1 && sqft.histogram.counts.reduce((a, b) => a + b, 0) === 400, `the profile bins square_feet's 400 values into ${sqft.histogram?.counts.length} bins`);
    const sqftChart = page.getByTestId("histogram-square_feet");
    await sqftChart.locator("canvas").waitFor();
    check(Number(await sqftChart.getAttribute("data-total")) === 400 && Number(await sqftChart.getAttribute("data-bins")) === sqft.histogram.counts.length, "the dataset page draws square_feet's histogram with the API's bins");
    check((await page.getByTestId("column-distribution").filter({ hasText: "neighborhood" }).locator(".bar-row").count()) === 3, "a category column shows its value frequencies");
    await screenshot("dataset-profile");

    // Train from the dataset page and watch the job finish.
    await page.getByTestId("train-on-dataset").click();
    await page.waitForURL(/\/train\?dataset=/);
    await page.getByTestId("train-target").selectOption("price");
    await page.getByTestId("train-model").fill("houses");
    await page.getByTestId("train-algorithm").selectOption("linear_regression");
    await screenshot("train-form");
    await page.getByTestId("train-submit").click();
    await page.waitForURL(/\/jobs\/job_/);
    await page.getByTestId("job-result").waitFor({ timeout: 60000 });
    check((await page.getByTestId("job-state").textContent()).includes("succeeded"), "the job view shows the job succeeded");
    await screenshot("job-succeeded");

    // A second version through the API, so the model page can promote and roll back.
    const second = await api("POST", "/v1/models/houses/train", { dataset_id: datasetId, target: "price", algorithm: "linear_regression", params: { l2: 10 } });
    for (let attempt = 0; attempt < 600; attempt++) {
      const job = await api("GET", `/v1/jobs/${second.job_id ?? second.id}`);
      if (job.state === "succeeded") break;
      if (["failed", "cancelled"].includes(job.state)) throw new Error(`second training ${job.state}: ${job.error}`);
      await sleep(100);
    }

    // The model page: promote version 1, then version 2, then roll back to 1.
    await page.getByTestId("job-model-link").click();
    await page.waitForURL(/\/models\/houses/);
    await page.getByTestId("versions").waitFor();
    await page.reload();
    await page.getByTestId("promote-2").waitFor();
    check((await page.getByTestId("metrics").textContent()).includes("rmse"), "the model page shows the holdout metrics");
    // The regression's residual plot: one point per stored (predicted, actual) pair, and the residual histogram.
    const regressionVersion = await api("GET", "/v1/models/houses/versions/2");
    const residuals = regressionVersion.evaluation_curves?.residuals;
    check(residuals?.rows === regressionVersion.metrics.holdout_rows && residuals.predicted.length === residuals.rows, `the API stores the ${residuals?.rows} holdout residuals of version 2`);
    await page.getByTestId("residual-chart").locator("circle").first().waitFor();
    check((await page.getByTestId("residual-chart").locator("circle").count()) === residuals.predicted.length, "the residual plot draws every stored point");
    await page.getByTestId("residual-histogram-chart").locator("canvas").waitFor();
    check(Number(await page.getByTestId("residual-histogram-chart").getAttribute("data-total")) === residuals.rows, "the residual histogram counts every holdout row");
    await page.getByTestId("promote-1").click();
    await page.getByTestId("confirm").click();
    await page.getByTestId("alias-message").waitFor();
    let aliases = await api("GET", "/v1/models/houses/aliases");
    check(aliases.aliases.find((a) => a.alias === "production")?.version === 1, "promote moved production to version 1");
    await page.getByTestId("promote-2").click();
    await page.getByTestId("confirm").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="alias-message"]')?.textContent?.includes("version 2."));
    await page.getByTestId("rollback-production").waitFor();
    aliases = await api("GET", "/v1/models/houses/aliases");
    check(aliases.aliases.find((a) => a.alias === "production")?.version === 2, "promote moved production to version 2");
    await screenshot("model-page");
    await page.getByTestId("rollback-production").click();
    await page.getByTestId("confirm").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="alias-message"]')?.textContent?.includes("version 1."));
    aliases = await api("GET", "/v1/models/houses/aliases");
    check(aliases.aliases.find((a) => a.alias === "production")?.version === 1, "roll back moved production back to version 1");

    // Try it: the prediction shown equals the API's for the same row.
    await page.getByTestId("try-link").click();
    await page.getByTestId("try-form").waitFor();
    // The form is prefilled from the training data's profile once it arrives.
    await page.waitForFunction(() => document.querySelector('input[name="num_bedrooms"]')?.value === "3");
    await page.locator('input[name="square_feet"]').fill("1650");
    await page.locator('input[name="neighborhood"]').fill("Downtown");
    await page.locator('select[name="has_garage"]').selectOption("true");
    await page.getByTestId("predict").click();
    await page.getByTestId("prediction").waitFor();
    await page.getByTestId("contributions").waitFor();
    const shown = Number(await page.getByTestId("prediction").getAttribute("data-value"));
    const curl = await page.getByTestId("curl-snippet").textContent();
    const row = JSON.parse(/-d '(.*)'\s*$/s.exec(curl)[1]).rows[0];
    check(row.square_feet === 1650 && row.neighborhood === "Downtown" && row.has_garage === true, "the snippet holds the row the form sent");
    const answer = await api("POST", "/v1/models/houses/predict", { rows: [row] });
    check(Number.isFinite(shown) && shown === answer.predictions[0], `the console's prediction ${shown} equals the API's ${answer.predictions[0]}`);
    await screenshot("try-it");

    // Monitoring: predictions made while the page is open show up with a rate and latency percentiles.
    await page.getByTestId("nav-monitoring").click();
    await page.getByTestId("chart-rps").waitFor();
    for (let round = 0; round < 3; round++) {
      for (let idx = 0; idx < 10; idx++) await api("POST", "/v1/models/houses/predict", { rows: [row] });
      await sleep(2100);
    }
    const monitoredRow = () => {
      const cells = [...document.querySelectorAll('[data-testid="monitoring-table"] tbody tr:first-child td')].map((td) => td.textContent);
      return cells[0] === "houses" && Number(cells[1]) > 0 && / (µs|ms)$/.test(cells[3]) ? cells : null;
    };
    const cells = await (await page.waitForFunction(monitoredRow, null, { timeout: 30000 })).jsonValue();
    check(cells[2] === "0.0 %", `the monitoring table shows houses at ${cells[1]} req/s, no errors, p50 ${cells[3]}, p99 ${cells[5]}`);
    await screenshot("monitoring");

    // Admin: create a key (its secret shown once), verify the audit chain.
    await page.getByTestId("nav-admin").click();
    await page.getByTestId("key-name").fill("ci-consumer");
    await page.getByTestId("key-create").click();
    await page.getByTestId("new-secret").waitFor();
    const keys = await api("GET", "/v1/keys");
    check(keys.keys.some((k) => k.name === "ci-consumer" && k.role === "consumer"), "the admin page created a consumer key");
    await page.getByTestId("audit-verify").click();
    await page.getByTestId("audit-verdict").waitFor();
    check((await page.getByTestId("audit-verdict").textContent()).includes("Intact"), "the audit chain verifies");
    await screenshot("admin");

    // A classifier: its page shows the confusion matrix, and Try it the class probabilities and the API's label.
    const classifier = await api("POST", "/v1/models/garage/train", { dataset_id: datasetId, target: "has_garage", algorithm: "logistic_regression" });
    for (let attempt = 0; attempt < 600; attempt++) {
      const job = await api("GET", `/v1/jobs/${classifier.job_id ?? classifier.id}`);
      if (job.state === "succeeded") break;
      if (["failed", "cancelled"].includes(job.state)) throw new Error(`classifier training ${job.state}: ${job.error}`);
      await sleep(100);
    }
    await page.goto(`${base}/models/garage`);
    await page.getByTestId("confusion").waitFor();
    check((await page.getByTestId("confusion").locator("tbody tr").count()) === 2, "a binary classifier's page shows a 2x2 confusion matrix");
    // Its ROC curve and precision-recall curve; the AUC shown is the API's, which is the roc_auc metric.
    const classifierVersion = await api("GET", "/v1/models/garage/versions/1");
    const roc = classifierVersion.evaluation_curves?.roc;
    check(roc?.length === 1 && roc[0].class === "true" && roc[0].fpr.length === roc[0].tpr.length && roc[0].fpr.length <= 200, `the API stores one ROC curve of ${roc?.[0].fpr.length} points for class true`);
    check(Math.abs(roc[0].auc - classifierVersion.metrics.roc_auc) < 1e-12, `the stored AUC ${roc[0].auc} is the roc_auc metric`);
    await page.getByTestId("roc-chart").locator("polyline").waitFor();
    check(Number(await page.getByTestId("roc-auc").getAttribute("data-auc")) === roc[0].auc, "the ROC card shows the API's AUC");
    const polyline = await page.getByTestId("roc-chart").locator("polyline").getAttribute("points");
    check(polyline.trim().split(/\s+/).length === roc[0].fpr.length, "the ROC chart draws every stored point");
    check((await page.getByTestId("pr-chart").locator("polyline").count()) === 1, "the precision-recall curve is drawn");
    await screenshot("classifier-page");
    // A three-class classifier: one one-vs-rest ROC curve per class, each with the API's AUC.
    const multiclass = await api("POST", "/v1/models/hoods/train", { dataset_id: datasetId, target: "neighborhood", algorithm: "logistic_regression", features: ["square_feet", "price"] });
    for (let attempt = 0; attempt < 600; attempt++) {
      const job = await api("GET", `/v1/jobs/${multiclass.job_id ?? multiclass.id}`);
      if (job.state === "succeeded") break;
      if (["failed", "cancelled"].includes(job.state)) throw new Error(`multiclass training ${job.state}: ${job.error}`);
      await sleep(100);
    }
    const hoodCurves = (await api("GET", "/v1/models/hoods/versions/1")).evaluation_curves.roc;
    await page.goto(`${base}/models/hoods`);
    await page.getByTestId("roc-chart").locator("polyline").first().waitFor();
    const shownAucs = await page.getByTestId("roc-auc").evaluateAll((spans) => spans.map((span) => [span.dataset.class, Number(span.dataset.auc)]));
    check(hoodCurves.length === 3 && JSON.stringify(shownAucs) === JSON.stringify(hoodCurves.map((curve) => [curve.class, curve.auc])), `a 3-class model shows one ROC curve per class with the API's AUCs (${shownAucs.map(([c, a]) => `${c} ${a.toFixed(3)}`).join(", ")})`);
    check((await page.getByTestId("roc-chart").locator("polyline").count()) === 3, "the one-vs-rest curves are drawn");
    await screenshot("multiclass-page");
    // The models list narrows as one types.
    await page.goto(`${base}/models`);
    await page.getByTestId("models-table").waitFor();
    await page.getByTestId("model-search").fill("gar");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="models-table"] tbody tr').length === 1);
    check((await page.getByTestId("model-link").textContent()) === "garage", "searching the models list for 'gar' leaves garage");
    // A clustering model has no such curves: the page says so instead of drawing nothing.
    const clusters = await api("POST", "/v1/models/segments/train", { dataset_id: datasetId, algorithm: "kmeans", features: ["square_feet", "num_bedrooms"], params: { k: 3 } });
    for (let attempt = 0; attempt < 600; attempt++) {
      const job = await api("GET", `/v1/jobs/${clusters.job_id ?? clusters.id}`);
      if (job.state === "succeeded") break;
      if (["failed", "cancelled"].includes(job.state)) throw new Error(`clustering ${job.state}: ${job.error}`);
      await sleep(100);
    }
    check((await api("GET", "/v1/models/segments/versions/1")).evaluation_curves === null, "a clustering version's evaluation_curves is null");
    await page.goto(`${base}/models/segments`);
    await page.getByTestId("curves-not-recorded").waitFor();
    check((await page.getByTestId("curves-not-recorded").textContent()).includes("not recorded for this version"), "a version without curves shows a readable note");
    await screenshot("model-without-curves");
    await page.goto(`${base}/try/garage`);
    await page.getByTestId("try-form").waitFor();
    await page.waitForFunction(() => document.querySelector('input[name="num_bedrooms"]')?.value === "3");
    await page.locator('input[name="square_feet"]').fill("2000");
    await page.getByTestId("predict").click();
    await page.getByTestId("probabilities").waitFor();
    const label = await page.getByTestId("prediction").getAttribute("data-value");
    const classRow = JSON.parse(/-d '(.*)'\s*$/s.exec(await page.getByTestId("curl-snippet").textContent())[1]).rows[0];
    const classAnswer = await api("POST", "/v1/models/garage/predict", { rows: [classRow] });
    check(label === String(classAnswer.predictions[0]), `the console's class ${label} equals the API's ${classAnswer.predictions[0]}`);
    await screenshot("classifier-try-it");

    // Errors are messages, never a blank page.
    await page.goto(`${base}/models/no-such-model`);
    await page.getByTestId("error").waitFor();
    await screenshot("model-not-found");

    // A phone-sized screen.
    const phone = await context.newPage();
    await phone.addInitScript((key) => sessionStorage.setItem("amp.apiKey", key), adminKey);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${base}/models`);
    await phone.getByTestId("models-table").waitFor();
    check((await phone.evaluate(() => document.documentElement.scrollWidth)) <= 390, "the models page fits a phone's width");
    await screenshot("phone-models", phone);
    check(!(await phone.getByTestId("nav-train").isVisible()), "on a phone the navigation folds into a menu");
    await phone.getByRole("button", { name: "Menu" }).click();
    await phone.getByTestId("nav-train").click();
    await phone.waitForURL(/\/train$/);
    await phone.goto(`${base}/try/houses`);
    await phone.getByTestId("try-form").waitFor();
    await screenshot("phone-try-it", phone);
    await phone.goto(`${base}/models/houses`);
    await phone.getByTestId("residual-chart").locator("circle").first().waitFor();
    await phone.getByTestId("residual-histogram-chart").locator("canvas").waitFor();
    check((await phone.evaluate(() => document.documentElement.scrollWidth)) <= 390, "the model page and its charts fit a phone's width");
    await screenshot("phone-model-page", phone);

    check(pageErrors.length === 0, `no uncaught error in the page${pageErrors.length ? `: ${pageErrors.join("; ")}` : ""}`);
    console.log(`screenshots in ${outDir}`);
  } finally {
    if (context) await context.close();
    server.stopping = true;
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}

main().then(
  () => console.log("PASS"),
  (err) => fail(err.stack ?? String(err)),
);
