#include "app/local_distributed_launcher.h"

#include <fstream>
#include <sstream>
#include <string>

#include "api/job_handlers.h"
#include "core/id.h"
#include "ml/model_codec.h"

namespace amp::app {

core::Result<std::shared_ptr<const ml::Model>> LocalDistributedLauncher::Train(const storage::TrainRequest& request,
                                                                               const std::atomic<bool>& cancelled) {
  TrainShardOptions options = stores_;
  options.request_json = api::TrainRequestJson(request);
  options.dataset = request.dataset_id;
  std::error_code ec;
  std::filesystem::create_directories(scratch_, ec);
  options.output = scratch_ / ("distributed-" + core::NewId("rank0") + ".amp");
  std::string summary;
  core::Status status = RunLocalRanks(options, request.workers, &cancelled, &summary);
  std::string bytes;
  if (status.ok()) {
    std::ifstream input(options.output, std::ios::binary);
    if (!input.is_open()) {
      status = core::Internal("cannot read rank 0's model " + options.output.string());
    } else {
      std::ostringstream content;
      content << input.rdbuf();
      bytes = content.str();
    }
  }
  std::filesystem::remove(options.output, ec);
  AMP_RETURN_IF_ERROR(status);
  return ml::DeserializeModel(bytes);
}

}  // namespace amp::app
