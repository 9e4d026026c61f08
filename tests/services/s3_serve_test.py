"""End-to-end: `amp serve --artifacts s3://...` keeps datasets and models in a real S3 server (Ceph RGW).

Needs AMP_TEST_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: ctest runs it under
tests/services/rgw.sh, which starts a throwaway RADOS Gateway. Trains the demo model and an XGBoost model with their
artifacts in S3, predicts, restarts the server on the same metadata and predicts the same again (models load back
from S3), and checks the objects are in the bucket and nothing is in the local artifact folder.

Run: tests/services/rgw.sh run -- /usr/bin/python3 tests/services/s3_serve_test.py --amp build/amp
"""

import os
import subprocess
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))

import amp_server  # noqa: E402
from amp_server import DEMO_CSV, AmpServer  # noqa: E402
from amp_client import AmpClient  # noqa: E402

ROW = {"square_feet": 1650, "num_bedrooms": 3, "num_bathrooms": 2, "location_code": 100, "year_built": 1990,
       "lot_size": 6000, "neighborhood": "Riverside", "has_garage": True}


def list_bucket(endpoint, bucket, prefix):
    out = subprocess.run(["curl", "-sf", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
                          f"{os.environ['AWS_ACCESS_KEY_ID']}:{os.environ['AWS_SECRET_ACCESS_KEY']}",
                          "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                          f"{endpoint}/{bucket}?prefix={prefix}%2F"], capture_output=True, text=True, check=True)
    return out.stdout


class S3ServeTest(unittest.TestCase):
    def test_models_live_in_s3_and_survive_a_restart(self):
        endpoint = os.environ.get("AMP_TEST_S3_ENDPOINT")
        if not endpoint:
            self.skipTest("no S3 server; run under tests/services/rgw.sh")
        prefix = f"e2e-{uuid.uuid4().hex[:8]}"
        args = ("--artifacts", f"s3://amp-e2e/{prefix}", "--s3-endpoint", endpoint)
        server = AmpServer(demo=True, extra_args=args)
        with server:
            with AmpClient(server.url, api_key=server.admin_key) as client:
                dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "s3-houses")
                job = client.train("s3-trees", dataset["id"], "price", algorithm="xgboost_regressor",
                                   params={"n_estimators": 20, "max_depth": 3})
                self.assertEqual(client.wait_for_job(job["job_id"], timeout=180)["state"], "succeeded")
                before = client.predict("s3-trees", [ROW])["predictions"]
                demo = client.classic_predict("House Price Linear Regression", {"square_feet": 1650,
                                                                                "num_bedrooms": 3,
                                                                                "location_code": 100})
            self.assertFalse(os.path.exists(os.path.join(server.data_dir, "artifacts")))
            listing = list_bucket(endpoint, "amp-e2e", prefix)
            self.assertIn(f"{prefix}/models/", listing)
            self.assertIn(f"{prefix}/datasets/", listing)
            server.stop()
            server.start()
            with AmpClient(server.url, api_key=server.admin_key) as client:
                self.assertEqual(client.predict("s3-trees", [ROW])["predictions"], before)
                again = client.classic_predict("House Price Linear Regression", {"square_feet": 1650,
                                                                                 "num_bedrooms": 3,
                                                                                 "location_code": 100})
                self.assertEqual(again["prediction"], demo["prediction"])


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
