// The amp binary: `amp serve` runs the server; the other subcommands are clients of a running server.
#include <CLI/CLI.hpp>
#include <functional>
#include <thread>

#include "app/audit_command.h"
#include "app/score_command.h"
#include "app/serve_command.h"
#include "app/worker_command.h"
#include "app/train_shard_command.h"
#include "cli/client_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"AMP: train models from CSV data and serve them as an HTTP prediction API.\n"
               "Run `amp serve` to start a server; the other subcommands talk to a running one."};
  app.require_subcommand(1);
  std::function<int()> action;

  amp::app::ServeOptions serve;
  int64_t request_timeout_ms = serve.http.request_timeout.count();
  CLI::App* serve_command = app.add_subcommand("serve", "Run the AMP server");
  serve_command->add_option("--host", serve.http.host, "Address to listen on (default 127.0.0.1)");
  serve_command->add_option("--port", serve.http.port, "Port to listen on; 0 picks a free one (default 8080)");
  serve_command->add_option("--data-dir", serve.data_dir, "Folder for the database and artifacts (default ./amp-data)");
  serve_command->add_option("--threads", serve.http.threads, "HTTP threads (default: one per core)");
  serve_command->add_option("--training-workers", serve.training_workers, "Concurrent training jobs (default 1); 0: train none here, jobs wait for `amp worker`s");
  serve_command->add_option("--training-lease-seconds", serve.training_lease_seconds,
                            "How long a training claim holds a job without a heartbeat; the job of a server that "
                            "died is requeued after it (default 30)");
  serve_command->add_option("--max-body-bytes", serve.http.max_body_bytes, "Limit of a JSON request body (1 MiB)");
  serve_command->add_option("--max-upload-bytes", serve.http.max_upload_bytes, "Limit of a dataset upload (1 GiB)");
  serve_command->add_option("--max-header-bytes", serve.http.max_header_bytes, "Limit of a request header (16 KiB)");
  serve_command->add_option("--request-timeout-ms", request_timeout_ms,
                            "Time allowed to read one request, and keep-alive idle time (30000)");
  serve_command->add_option("--port-file", serve.port_file, "Write the bound port to this file once listening");
  serve_command->add_option("--demo-data", serve.demo_csv, "CSV for the demo model (default: bundled)");
  serve_command->add_option("--web-dir", serve.web_dir,
                            "The built web console to serve at / (default: web/dist of the source tree)");
  serve_command->add_option("--model-cache-bytes", serve.model_cache_bytes,
                            "Memory budget for loaded models; least recently used are evicted (0: no budget)");
  serve_command->add_option("--dataset-cache-bytes", serve.dataset_cache_bytes,
                            "Memory for parsed datasets kept between trainings of the same columns; least recently "
                            "used are evicted (1 GiB; 0: parse the CSV for every job)");
  serve_command->add_option("--tls-cert", serve.http.tls_cert_file,
                            "Serve HTTPS with this PEM certificate chain (needs --tls-key)");
  serve_command->add_option("--tls-key", serve.http.tls_key_file, "The PEM private key of --tls-cert");
  serve_command->add_flag("--insecure-http", serve.insecure_http,
                          "Allow plain HTTP on a non-loopback --host (e.g. behind a TLS-terminating proxy)");
  serve_command->add_option("--artifacts", serve.artifacts,
                            "Artifact store: a folder (default <data-dir>/artifacts) or s3://bucket/prefix");
  serve_command->add_option("--s3-endpoint", serve.s3_endpoint,
                            "S3 endpoint URL for --artifacts s3://... (default $AWS_ENDPOINT_URL, else AWS); "
                            "credentials from $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY");
  serve_command->add_option("--metadata", serve.metadata,
                            "Metadata store: a SQLite file (default <data-dir>/amp.db) or "
                            "postgresql://user:password@host:port/database (docs/storage.md)");
  serve_command->add_option("--rate-limit", serve.quotas.requests_per_second,
                            "Requests per second allowed per API key (anonymous: per address); 0: unlimited");
  serve_command->add_option("--rate-burst", serve.quotas.burst,
                            "Requests a key may burst above its rate (default: 1 s worth)");
  serve_command->add_option("--max-concurrent-per-key", serve.quotas.max_concurrent,
                            "Concurrent requests allowed per API key; 0: unlimited");
  serve_command->add_option("--max-dataset-bytes-per-key", serve.key_limits.max_dataset_bytes,
                            "Default limit of one dataset upload's size for keys without their own; 0: unlimited");
  serve_command->add_option("--max-dataset-rows-per-key", serve.key_limits.max_dataset_rows,
                            "Default limit of one dataset upload's rows for keys without their own; 0: unlimited");
  serve_command->add_option("--max-training-jobs-per-key", serve.key_limits.max_training_jobs,
                            "Default limit of training jobs queued or running per key; 0: unlimited");
  serve_command->add_option("--encryption-key-file", serve.encryption_key_file,
                            "Encrypt datasets and models at rest (AES-256-GCM) with the 32-byte key in this file "
                            "(64 hex digits, base64 or raw); default $AMP_ENCRYPTION_KEY, else no encryption");
  bool no_access_log = false;
  serve_command->add_option("--webhook-secret-file", serve.webhook_secret_file,
                            "HMAC key of job callbacks (default: <data-dir>/webhook.secret, made on first start)");
  serve_command->add_option("--retention-interval-seconds", serve.retention_interval_seconds,
                            "How often the retention collector runs, besides after each publish (default 300)");
  serve_command->add_flag("--no-access-log", no_access_log, "Do not write the JSON access log to stdout");
  bool no_demo = false;
  serve_command->add_flag("--no-demo", no_demo, "Do not train the demo model on first start");
  bool no_monitoring = false;
  serve_command->add_flag("--no-monitoring", no_monitoring, "Do not monitor live inputs and predictions");
  serve_command->add_option("--monitoring-bucket-seconds", serve.monitoring_bucket_seconds,
                            "Width of one monitoring time bucket (default 60)");
  serve_command->add_option("--monitoring-buckets", serve.monitoring_buckets,
                            "Buckets in the monitoring window (default 30: 30 minutes)");
  serve_command->add_option("--monitoring-remember", serve.monitoring_remember,
                            "Predictions remembered for feedback by request id (default 65536 rows)");
  serve_command->add_option("--monitoring-evaluate-seconds", serve.monitoring_evaluate_seconds,
                            "How often monitoring states are evaluated for alerts (default 10)");
  serve_command->add_option("--monitoring-webhook", serve.monitoring_webhook,
                            "http:// URL told of alert transitions (signed with the webhook secret, as training callbacks are)");
  serve_command->add_option("--request-log-rate", serve.request_log_rate,
                            "Share of scored rows written to <data-dir>/request-log, 0..1 (default 0: off)");
  serve_command->add_option("--request-log-max-bytes", serve.request_log_max_bytes,
                            "Request log file size before rotation (default 67108864)");
  serve_command->add_option("--request-log-max-age-seconds", serve.request_log_max_age_seconds,
                            "Request log file age before rotation (default 86400)");
  serve_command->add_option("--request-log-max-files", serve.request_log_max_files,
                            "Request log files kept, oldest deleted first (default 10)");
  serve_command->callback([&] {
    serve.demo = !no_demo;
    serve.monitoring = !no_monitoring;
    serve.access_log = !no_access_log;
    serve.http.request_timeout = std::chrono::milliseconds(request_timeout_ms);
    action = [&] { return amp::app::RunServe(serve); };
  });

  amp::app::WorkerOptions worker;
  CLI::App* worker_command = app.add_subcommand(
      "worker", "Run a training worker: claim jobs from the queue in the store that `amp serve` replicas share");
  worker_command->add_option("--data-dir", worker.data_dir, "The shared data folder (default ./amp-data)");
  worker_command->add_option("--metadata", worker.metadata,
                             "The servers' metadata store: a SQLite file (default <data-dir>/amp.db) or "
                             "postgresql://user:password@host:port/database");
  worker_command->add_option("--artifacts", worker.artifacts,
                             "Artifact store: a folder (default <data-dir>/artifacts) or s3://bucket/prefix");
  worker_command->add_option("--s3-endpoint", worker.s3_endpoint, "S3 endpoint URL for --artifacts s3://...");
  worker_command->add_option("--encryption-key-file", worker.encryption_key_file,
                             "The at-rest key the servers use (default $AMP_ENCRYPTION_KEY, else none)");
  worker_command->add_option("--webhook-secret-file", worker.webhook_secret_file,
                             "HMAC key of job callbacks (default <data-dir>/webhook.secret)");
  worker_command->add_option("--worker-id", worker.worker_id, "Name in job records and logs (default host-pid)");
  worker_command->add_option("--dataset-cache-bytes", worker.dataset_cache_bytes,
                             "Memory for parsed datasets kept between trainings (1 GiB; 0: parse for every job)");
  worker_command->add_option("--lease-seconds", worker.lease_seconds,
                             "How long a claim holds a job without a heartbeat; a dead worker's job is requeued "
                             "after it (default 30)");
  worker_command->add_option("--distributed-ranks", worker.distributed_ranks,
                             "Where a \"workers\": k job's ranks train: workers (default: k different amp workers, "
                             "one rank each) or local (k processes on this machine)");
  worker_command->add_option("--tracker-host", worker.tracker_host,
                             "Address other workers reach this worker's XGBoost tracker at (default: this host name's IPv4 address)");
  worker_command->add_option("--rank-join-timeout", worker.rank_join_timeout_seconds,
                             "Seconds a \"workers\": k job waits for k-1 other workers to take its ranks and join "
                             "(default 60); then it fails");
  worker_command->add_option("--health-port", worker.health_port,
                             "Serve /healthz, /readyz and /metrics (plain HTTP, no API keys) on this port; 0 picks "
                             "a free one (default: off)");
  worker_command->add_option(
      "--health-host", worker.health_host,
      "Address of the --health-port listener (default 127.0.0.1; 0.0.0.0 for Kubernetes probes)");
  worker_command->add_option("--health-port-file", worker.health_port_file,
                             "Write the health listener's bound port to this file once listening");
  worker_command->callback([&] { action = [&] { return amp::app::RunWorker(worker); }; });

  amp::app::ScoreOptions score;
  CLI::App* score_command = app.add_subcommand(
      "score", "Score a CSV offline with a downloaded model bundle (no server; same results as the server's)");
  score_command->add_option("--bundle", score.bundle, "Bundle from `amp models download`")->required();
  score_command->add_option("--input", score.input, "CSV whose header names the model's features")->required();
  score_command->add_option("--output,-o", score.output, "Where to write the predictions as CSV (default stdout)");
  score_command->add_flag("--explain", score.explain, "Add per-feature contributions and the base value");
  score_command->callback([&] { action = [&] { return amp::app::RunScore(score); }; });

  amp::cli::AddClientCommands(app, &action);
  amp::app::AddAuditCommand(app, &action);
  amp::app::AddTrainShardCommands(app, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return action ? action() : 0;
}
