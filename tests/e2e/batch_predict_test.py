"""End-to-end: batch prediction formats and explanations on the v1 predict routes.

Run: /usr/bin/python3 tests/e2e/batch_predict_test.py --amp build/amp
Trains one model on every column of data/demo/house_sales.csv (integer, numeric, categorical and boolean features),
then checks that JSON rows, JSON columns ({"columns", "data"}) and text/csv bodies give identical predictions for the
same rows (equal to /api/predict's), that CSV answers are CSV, that ?explain=true contributions add up to the
predictions, and that malformed batches get a 4xx naming the problem.
"""

import csv
import io
import math
import unittest

import requests

import amp_server
from amp_server import DEMO_CSV, AmpServer, is_number
from amp_client import AmpClient

MODEL_NAME = "batch-houses"
TARGET = "price"
FEATURES = ["square_feet", "num_bedrooms", "num_bathrooms", "location_code", "year_built", "lot_size",
            "neighborhood", "has_garage"]
MAX_ROWS = 100_000
REL_TOL = 1e-9


def read_demo_rows():
    """The demo CSV's rows as {column: raw cell text}."""
    with open(DEMO_CSV, newline="", encoding="utf-8") as csv_file:
        return list(csv.DictReader(csv_file))


def typed(feature, cell):
    """A demo CSV cell as the JSON value a client would send: None for an empty cell."""
    if cell == "":
        return None
    if feature == "neighborhood":
        return cell
    if feature == "has_garage":
        return cell == "true"
    if feature in ("num_bathrooms", "lot_size"):
        return float(cell)
    return int(cell)


def csv_body(columns, rows):
    """CSV text with a header of `columns` and one line per row (a list of cells, "" for missing)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def parse_csv_answer(text):
    """(header, rows of floats) of a CSV answer."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [[float(cell) for cell in row] for row in rows[1:]]


class BatchPredictTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(client.close)
        dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "batch-houses")
        job = client.train(MODEL_NAME, dataset["id"], TARGET, features=FEATURES, params={"l2": 0.0})
        job = client.wait_for_job(job["job_id"], timeout=120)
        cls.version = job["result"]["version"]

        demo = read_demo_rows()
        cls.all_cells = [[row[feature] for feature in FEATURES] for row in demo]
        # 60 rows of the demo data (some with a missing neighborhood), then rows with missing values of every type
        # and categories unseen in training.
        with_missing = [cells for cells in cls.all_cells if "" in cells][:5]
        cells = cls.all_cells[:55] + with_missing
        cells.append(["", "", "", "", "", "", "", ""])
        cells.append(["1500", "3", "", "200", "", "5000.5", "Atlantis", ""])
        cells.append(["2500", "", "2.5", "", "1999", "", "", "false"])
        cls.cells = cells
        cls.rows = [{feature: typed(feature, cell) for feature, cell in zip(FEATURES, row)} for row in cells]

    def url(self, suffix="/predict", explain=None):
        url = f"{self.server.url}/v1/models/{MODEL_NAME}{suffix}"
        return url if explain is None else url + f"?explain={explain}"

    def post_json(self, body, status=200, **kwargs):
        response = self.server.http.post(kwargs.pop("url", None) or self.url(**kwargs), json=body, timeout=60)
        self.assertEqual(response.status_code, status, response.text[:500])
        return response

    def post_csv(self, text, status=200, **kwargs):
        response = self.server.http.post(kwargs.pop("url", None) or self.url(**kwargs), data=text.encode("utf-8"),
                                         headers={"Content-Type": "text/csv"}, timeout=60)
        self.assertEqual(response.status_code, status, response.text[:500])
        return response

    def columns_body(self, columns):
        return {"columns": columns, "data": [[row[column] for column in columns] for row in self.rows]}

    def csv_text(self, columns):
        return csv_body(columns, [[dict(zip(FEATURES, cells))[column] for column in columns] for cells in self.cells])

    def assert_error(self, response, status, *substrings):
        """A JSON {"error", "code"} body with `status` whose message names every one of `substrings`."""
        self.assertEqual(response.status_code, status, response.text[:500])
        body = response.json()
        self.assertIsInstance(body.get("error"), str, body)
        self.assertIsInstance(body.get("code"), str, body)
        for substring in substrings:
            self.assertIn(substring, body["error"], body)
        return body

    def test_the_three_formats_give_identical_predictions(self):
        by_rows = self.post_json({"rows": self.rows}).json()
        self.assertEqual(by_rows["model"], MODEL_NAME)
        self.assertEqual(by_rows["version"], self.version)
        self.assertEqual(by_rows["target"], TARGET)
        predictions = by_rows["predictions"]
        self.assertEqual(len(predictions), len(self.rows))
        self.assertTrue(all(is_number(value) and math.isfinite(value) for value in predictions), predictions)
        self.assertTrue(by_rows["warnings"])  # the missing values and Atlantis

        bare = self.post_json(self.rows).json()
        self.assertEqual(bare["predictions"], predictions)

        shuffled = FEATURES[::-1]
        by_columns = self.post_json(self.columns_body(shuffled)).json()
        self.assertEqual(by_columns["predictions"], predictions)  # exactly: the same values, the same model
        self.assertEqual(by_columns["warnings"], by_rows["warnings"])
        pandas_split = dict(self.columns_body(FEATURES), index=list(range(len(self.rows))))
        self.assertEqual(self.post_json(pandas_split).json()["predictions"], predictions)

        by_csv = self.post_csv(self.csv_text(shuffled))
        header, values = parse_csv_answer(by_csv.text)
        self.assertEqual(header, [TARGET])
        self.assertEqual([row[0] for row in values], predictions)  # shortest round-trip text reads back exactly

        versioned = self.post_json({"rows": self.rows}, url=self.url(f"/versions/{self.version}/predict")).json()
        self.assertEqual(versioned["predictions"], predictions)

        classic = self.server.http.post(self.server.url + "/api/predict",
                                json={"model_id": MODEL_NAME, "input_parameters": self.rows}, timeout=60)
        self.assertEqual(classic.status_code, 200, classic.text[:500])
        self.assertEqual(classic.json()["prediction"], predictions)

    def test_warnings_are_capped_and_counted(self):
        # 500 rows with every value missing: 8 warnings each. The answer keeps the first 100 and counts the rest.
        empty_rows = [{feature: None for feature in FEATURES}] * 500
        response = self.post_json({"rows": empty_rows})
        warnings = response.json()["warnings"]
        self.assertEqual(len(warnings), 101, warnings[-3:])
        self.assertEqual(warnings[-1], f"... and {500 * len(FEATURES) - 100} more warnings")
        self.assertEqual(len(response.json()["predictions"]), 500)
        csv_answer = self.post_csv(csv_body(FEATURES, [[""] * len(FEATURES)] * 500))
        self.assertEqual(csv_answer.headers["X-Amp-Warning-Count"], str(500 * len(FEATURES)))

    def test_csv_answer(self):
        response = self.post_csv(self.csv_text(FEATURES))
        self.assertTrue(response.headers["Content-Type"].startswith("text/csv"), response.headers)
        self.assertEqual(response.headers.get("X-Amp-Model-Version"), str(self.version))
        self.assertGreater(int(response.headers.get("X-Amp-Warning-Count", "0")), 0)
        lines = response.text.split("\r\n")
        self.assertEqual(lines[0], TARGET)
        self.assertEqual(lines[-1], "")  # every line ends with CRLF
        self.assertEqual(len(lines), len(self.rows) + 2)
        for line in lines[1:-1]:
            self.assertTrue(math.isfinite(float(line)), line)

        # Missing values as NA, padded cells and quoted fields read as the dataset loader reads them.
        plain = csv_body(FEATURES, [["2292", "4", "2.5", "100", "1987", "6832.1", "Maple Heights", "true"]])
        variant = csv_body(FEATURES, [[" 2292 ", "4", "2.50", "1e2", "1987", "6832.1", " Maple Heights", "yes"]])
        self.assertEqual(self.post_csv(plain).text, self.post_csv(variant).text)
        missing = csv_body(FEATURES, [["NA", "", "null", "N/A", "None", "nan", "", ""]])
        self.assertEqual(parse_csv_answer(self.post_csv(missing).text)[1][0][0],
                         self.post_json([{feature: None for feature in FEATURES}]).json()["predictions"][0])

        header_only = self.post_csv(csv_body(FEATURES, []))
        self.assertEqual(header_only.text, TARGET + "\r\n")

    def check_explanations(self, predictions, explanations):
        self.assertEqual(len(explanations), len(predictions))
        base_values = {explanation["base_value"] for explanation in explanations}
        self.assertEqual(len(base_values), 1, "a linear model has one base value")
        for prediction, explanation in zip(predictions, explanations):
            contributions = explanation["contributions"]
            self.assertEqual(sorted(contributions), sorted(FEATURES))
            total = explanation["base_value"] + math.fsum(contributions.values())
            self.assertTrue(math.isclose(total, prediction, rel_tol=REL_TOL),
                            f"base {explanation['base_value']} + contributions {contributions} = {total}, "
                            f"predicted {prediction}")

    def test_explanations_add_up_to_the_predictions(self):
        plain = self.post_json({"rows": self.rows}).json()
        explained = self.post_json({"rows": self.rows}, explain="true").json()
        self.assertEqual(explained["predictions"], plain["predictions"])
        self.assertNotIn("explanations", plain)
        self.check_explanations(explained["predictions"], explained["explanations"])
        self.assertEqual(explained["warnings"], plain["warnings"])  # not repeated by the explanation

        by_columns = self.post_json(self.columns_body(FEATURES[::-1]), explain="1").json()
        self.assertEqual(by_columns["explanations"], explained["explanations"])

        # An unseen category is measured against the training mix like any other value; the all-missing row
        # explains the imputed values.
        atlantis = explained["explanations"][-2]["contributions"]["neighborhood"]
        self.assertTrue(is_number(atlantis) and math.isfinite(atlantis))

        self.assertNotIn("explanations", self.post_json({"rows": self.rows}, explain="false").json())

    def test_csv_explanations(self):
        explained = self.post_json({"rows": self.rows}, explain="true").json()
        response = self.post_csv(self.csv_text(FEATURES[::-1]), explain="true")
        header, values = parse_csv_answer(response.text)
        self.assertEqual(header, [TARGET] + [feature + "_contribution" for feature in FEATURES] + ["base_value"])
        self.assertEqual(len(values), len(self.rows))
        for row, prediction, explanation in zip(values, explained["predictions"], explained["explanations"]):
            self.assertEqual(row[0], prediction)
            self.assertEqual(row[1:-1], [explanation["contributions"][feature] for feature in FEATURES])
            self.assertEqual(row[-1], explanation["base_value"])
            self.assertTrue(math.isclose(row[-1] + math.fsum(row[1:-1]), row[0], rel_tol=REL_TOL), row)

    def test_base_value_is_near_the_mean_prediction(self):
        # The base value is the mean prediction over the training rows (80% of the data): close to the mean over all.
        response = self.post_csv(csv_body(FEATURES, self.all_cells), explain="true")
        header, values = parse_csv_answer(response.text)
        self.assertEqual(len(values), len(self.all_cells))
        mean_prediction = math.fsum(row[0] for row in values) / len(values)
        base_value = values[0][-1]
        self.assertTrue(math.isclose(base_value, mean_prediction, rel_tol=0.02), (base_value, mean_prediction))
        for row in values:
            self.assertTrue(math.isclose(row[-1] + math.fsum(row[1:-1]), row[0], rel_tol=REL_TOL), row)

    def test_unknown_column(self):
        body = self.columns_body(FEATURES)
        body["columns"] = FEATURES + ["pool"]
        body["data"] = [row + [True] for row in body["data"]]
        self.assert_error(self.post_json(body, status=422), 422, "unknown column 'pool'")
        with_target = csv_body(FEATURES + [TARGET], [cells + ["300000"] for cells in self.cells[:3]])
        self.assert_error(self.post_csv(with_target, status=422), 422, f"unknown column '{TARGET}'")
        rows = [dict(self.rows[0], pool=True)]
        self.assert_error(self.post_json({"rows": rows}, status=422), 422, "unknown feature 'pool'")

    def test_missing_column(self):
        columns = [feature for feature in FEATURES if feature != "lot_size"]
        self.assert_error(self.post_json(self.columns_body(columns), status=422), 422, "missing column 'lot_size'")
        self.assert_error(self.post_csv(self.csv_text(columns), status=422), 422, "missing column 'lot_size'")

    def test_malformed_columnar_rows(self):
        body = self.columns_body(FEATURES)
        body["data"][1] = body["data"][1][:-1]
        self.assert_error(self.post_json(body, status=422), 422, "row 1", "7 values", "expected 8")
        body = self.columns_body(FEATURES)
        body["data"][2][0] = "big"
        self.assert_error(self.post_json(body, status=422), 422, "row 2", "square_feet", "expects a number")
        self.assert_error(self.post_json({"columns": FEATURES}, status=422), 422, '"data"')
        self.assert_error(self.post_json({"rows": self.rows[:1], "columns": FEATURES, "data": []}, status=422), 422,
                          "not both")

    def test_ragged_csv_line(self):
        text = self.csv_text(FEATURES).split("\r\n")
        text[2] = ",".join(text[2].split(",")[:-2])
        self.assert_error(self.post_csv("\r\n".join(text), status=400), 400, "line 3", "expected 8 fields")

    def test_bad_number_in_csv(self):
        rows = [list(cells) for cells in self.cells[:4]]
        rows[2][0] = "1,650"
        self.assert_error(self.post_csv(csv_body(FEATURES, rows), status=422), 422, "line 4", "'square_feet'",
                          "1,650")
        rows = [list(cells) for cells in self.cells[:4]]
        rows[0][FEATURES.index("has_garage")] = "sometimes"
        self.assert_error(self.post_csv(csv_body(FEATURES, rows), status=422), 422, "line 2", "'has_garage'",
                          "boolean")

    def test_too_many_rows(self):
        # Rows small enough that the body stays under the 1 MiB body limit: the row limit must be what answers. The
        # JSON rows would not even decode; the limit is checked first.
        too_many = MAX_ROWS + 1
        self.assert_error(self.post_json([{}] * too_many, status=413), 413, "100000 rows")
        self.assert_error(self.post_json({"rows": [{}] * too_many}, status=413), 413, "100000 rows")
        self.assert_error(self.post_json({"columns": FEATURES, "data": [[]] * too_many}, status=413), 413,
                          "100000 rows")
        self.assert_error(self.post_csv(csv_body(FEATURES, [[""] * len(FEATURES)] * too_many), status=413), 413,
                          "100000 rows")

    def test_other_errors(self):
        self.assert_error(self.post_json({"rows": self.rows[:1]}, status=400, explain="maybe"), 400, "explain")
        response = self.server.http.post(self.url(), data="a,b\n1,2\n", headers={"Content-Type": "text/plain"},
                                         timeout=30)
        self.assert_error(response, 415)
        response = self.server.http.post(self.url(), data=b"", headers={"Content-Type": "text/csv"}, timeout=30)
        self.assert_error(response, 400, "empty")
        response = self.server.http.post(f"{self.server.url}/v1/models/no-such-model/predict",
                                         data=self.csv_text(FEATURES), headers={"Content-Type": "text/csv"}, timeout=30)
        self.assert_error(response, 404)
        self.assertEqual(self.server.http.get(self.server.url + "/healthz", timeout=5).status_code, 200)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
