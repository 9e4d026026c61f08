"""AmpClient: a thin, synchronous Python client for the AMP HTTP API (v1 REST plus the classic /api routes).

Every method makes one HTTP call (wait_for_job polls) and returns the decoded JSON. Any non-2xx answer raises
AmpError carrying the server's {"error", "code"} body. An AmpClient holds a requests.Session, so share one per
thread rather than across threads.
"""

import os
import time
import urllib.parse

import requests

_TERMINAL_JOB_STATES = frozenset({"succeeded", "failed", "cancelled", "interrupted"})


class AmpError(Exception):
    """An error answer from the server, a failed or timed-out job, or a connection failure.

    status_code is the HTTP status (None when no HTTP answer applies: connection failures, job failures, timeouts);
    code is the server's machine-readable code (e.g. "model_not_found") or a client-side one
    ("connection_error", "job_failed", "job_cancelled", "job_interrupted", "timeout", "invalid_response").
    """

    def __init__(self, status_code, code, message, job=None):
        super().__init__(f"{status_code if status_code is not None else '-'} {code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message
        self.job = job


class AmpClient:
    """Client for one AMP server. api_key (default $AMP_API_KEY), when set, is sent as "Authorization: Bearer <key>".
    verify is passed to requests for https URLs: True (the system's CAs), False, or a CA bundle or certificate path.

    Without a key only public models can be listed and called.
    """

    def __init__(self, base_url="http://127.0.0.1:8080", api_key=None, timeout=30, verify=True):
        self.base_url = base_url.rstrip("/")
        api_key = api_key or os.environ.get("AMP_API_KEY") or None
        self.api_key = api_key
        self.timeout = timeout
        self.verify = verify
        self._session = requests.Session()
        if api_key:
            self._session.headers["Authorization"] = f"Bearer {api_key}"

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # Health.

    def health(self):
        """GET /healthz -> {"status": "ok"}."""
        return self._request("GET", "/healthz")

    # Datasets.

    def upload_dataset(self, path_or_bytes, name):
        """Uploads a CSV (a file path or the bytes themselves) as dataset `name`; returns the dataset with its schema."""
        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            body = bytes(path_or_bytes)
        else:
            with open(os.fspath(path_or_bytes), "rb") as csv_file:
                body = csv_file.read()
        return self._request("POST", "/v1/datasets", params={"name": name}, data=body,
                             headers={"Content-Type": "text/csv"})

    def list_datasets(self, name=None):
        """Returns the list of datasets (the "datasets" member of GET /v1/datasets), only those named `name` if
        given."""
        return self._request("GET", "/v1/datasets", params={"name": name} if name is not None else None)["datasets"]

    def get_dataset(self, dataset_id):
        return self._request("GET", f"/v1/datasets/{_quote(dataset_id)}")

    def delete_dataset(self, dataset_id, cascade=False):
        """Deletes the dataset and its file; with cascade also every model trained on it. Returns {"deleted",
        "deleted_models", "models_trained_on_it"}."""
        params = {"cascade": "true"} if cascade else None
        return self._request("DELETE", f"/v1/datasets/{_quote(dataset_id)}", params=params)

    # Training jobs.

    def train(self, model_name, dataset_id, target, algorithm=None, features=None, params=None, task=None,
              search=None, cpu_budget=None, time_budget_seconds=None,
              allow_personal_data=None):
        """Starts training a new version of `model_name`; returns the job (state "queued").

        Without `algorithm` the server picks linear_regression for a regression and logistic_regression for a
        classification; without `task` it is implied by the algorithm or detected from the target column.
        `algorithm="auto"` searches the algorithm families by cross-validation; `search` ({"method": "grid" or
        "random", "space": {name: [values]}, "trials": n, "folds": k}) searches one algorithm's parameters.
        `dataset_id` may also be a dataset name.
        Clustering (algorithm "kmeans") takes no target: pass None.
        `allow_personal_data` (True, or a list of column names) lets training use columns the server flagged as
        personal or payment data, which it otherwise excludes.
        """
        body = {"dataset_id": dataset_id}
        if target is not None:
            body["target"] = target
        if algorithm is not None:
            body["algorithm"] = algorithm
        if task is not None:
            body["task"] = task
        if features is not None:
            body["features"] = list(features)
        if params is not None:
            body["params"] = dict(params)
        if search is not None:
            body["search"] = dict(search)
        if cpu_budget is not None:
            body["cpu_budget"] = cpu_budget
        if time_budget_seconds is not None:
            body["time_budget_seconds"] = time_budget_seconds
        if allow_personal_data is not None:
            body["allow_personal_data"] = allow_personal_data if isinstance(allow_personal_data, bool) \
                else list(allow_personal_data)
        return self._request("POST", f"/v1/models/{_quote(model_name)}/train", json=body)

    def get_job(self, job_id):
        return self._request("GET", f"/v1/jobs/{_quote(job_id)}")

    def job_logs(self, job_id):
        """The job's log lines: [{"seq", "at", "message"}, ...], oldest first."""
        return self._request("GET", f"/v1/jobs/{_quote(job_id)}/logs")["lines"]

    def resubmit_job(self, job_id):
        """Submits an ended (e.g. interrupted) job's request again; returns the new job."""
        return self._request("POST", f"/v1/jobs/{_quote(job_id)}/resubmit")

    def wait_for_job(self, job_id, timeout=120, poll=0.2):
        """Polls the job until it finishes; returns the final job if it succeeded.

        Raises AmpError with code job_failed / job_cancelled / job_interrupted (the job attached as .job) if it ended
        otherwise, or code "timeout" if it is still queued or running after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            job = self.get_job(job_id)
            state = job.get("state")
            if state == "succeeded":
                return job
            if state in _TERMINAL_JOB_STATES:
                message = job.get("error") or f"job {job_id} ended in state {state}"
                raise AmpError(None, f"job_{state}", message, job=job)
            if time.monotonic() >= deadline:
                raise AmpError(None, "timeout", f"job {job_id} still {state} after {timeout} s", job=job)
            time.sleep(poll)

    # Models (v1).

    def list_models(self):
        """Returns the list of models (the "models" member of GET /v1/models)."""
        return self._request("GET", "/v1/models")["models"]

    def get_model(self, name):
        """Returns the model with its "versions"."""
        return self._request("GET", f"/v1/models/{_quote(name)}")

    def predict(self, model, rows):
        """Predicts with model `model` (a name) for `rows` (a list of {feature: value}, or one such dict).

        Returns the full response: {"model_id", "model", "version", "predictions", "warnings"}.
        """
        if isinstance(rows, dict):
            rows = [rows]
        return self._request("POST", f"/v1/models/{_quote(model)}/predict", json={"rows": list(rows)})

    # Classic API.

    def classic_models(self):
        """GET /api/model -> a list of {"id", "name", "version", "task", "target", "features", "metrics", ...}."""
        return self._request("GET", "/api/model")

    def classic_predict(self, model_id, input_parameters, output_target=None):
        """POST /api/predict. model_id is a model id or name; input_parameters one dict or a list of dicts.

        Returns the full response: {"prediction", "model_id", "model_version", "output_target", ["warnings"]}.
        """
        body = {"model_id": model_id, "input_parameters": input_parameters}
        if output_target is not None:
            body["output_target"] = output_target
        return self._request("POST", "/api/predict", json=body)

    # Access control (admin keys; set_model_public also developer keys).

    def create_key(self, name, role, expires_in_seconds=None, limits=None):
        """Creates an API key; the answer's "secret" is shown this once.

        limits: per-key quotas, e.g. {"max_dataset_bytes": 10_000_000, "max_dataset_rows": 100_000,
        "max_training_jobs": 2} (0: unlimited, None: the server's default).
        """
        body = {"name": name, "role": role}
        if expires_in_seconds is not None:
            body["expires_in_seconds"] = expires_in_seconds
        if limits is not None:
            body["limits"] = dict(limits)
        return self._request("POST", "/v1/keys", json=body)

    def list_keys(self):
        return self._request("GET", "/v1/keys")["keys"]

    def rotate_key(self, key_id, limits=None):
        """Gives the key a new secret (in the answer); the old secret stops working. `limits` (as in create_key)
        changes the quotas named in it at the same time."""
        if limits is None:
            return self._request("POST", f"/v1/keys/{_quote(key_id)}/rotate")
        return self._request("POST", f"/v1/keys/{_quote(key_id)}/rotate", json={"limits": dict(limits)})

    def revoke_key(self, key_id):
        return self._request("DELETE", f"/v1/keys/{_quote(key_id)}")

    def grant(self, model, key_id):
        """Lets the key read and predict on the model."""
        return self._request("PUT", f"/v1/models/{_quote(model)}/grants/{_quote(key_id)}")

    def revoke_grant(self, model, key_id):
        return self._request("DELETE", f"/v1/models/{_quote(model)}/grants/{_quote(key_id)}")

    def set_model_public(self, model, public=True):
        """A public model can be listed and called without a key."""
        return self._request("PATCH", f"/v1/models/{_quote(model)}", json={"public": public})

    def audit_records(self, after=0, limit=1000):
        return self._request("GET", "/v1/audit", params={"after": after, "limit": limit})["records"]

    def verify_audit(self):
        """{"intact": bool, "records": n} or {"intact": false, "problem": "..."}."""
        return self._request("GET", "/v1/audit/verify")

    # Plumbing.

    def _request(self, method, path, **kwargs):
        url = self.base_url + path
        try:
            # verify per request: a session-wide setting loses to $REQUESTS_CA_BUNDLE in requests.
            response = self._session.request(method, url, timeout=self.timeout, verify=self.verify, **kwargs)
        except requests.RequestException as error:
            raise AmpError(None, "connection_error", f"{method} {url}: {error}") from error
        if response.status_code >= 400:
            raise _error_from_response(response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise AmpError(response.status_code, "invalid_response",
                           f"{method} {url}: response is not JSON: {response.text[:200]!r}") from error


def _quote(segment):
    return urllib.parse.quote(str(segment), safe="")


def _error_from_response(response):
    code = f"http_{response.status_code}"
    message = response.text.strip()[:500] or response.reason or "request failed"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("code"), str):
            code = body["code"]
        if isinstance(body.get("error"), str):
            message = body["error"]
    return AmpError(response.status_code, code, message)
