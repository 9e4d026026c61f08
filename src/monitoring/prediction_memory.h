// PredictionMemory: the last predictions the server gave, by request id and row, so feedback can name a request
// (its X-Request-Id) instead of repeating its inputs. Bounded: a fixed ring of slots (the oldest is overwritten) with
// a 4-way set-associative index, allocated once; remembering allocates nothing. Best effort by design: an id longer
// than kMaxIdBytes is not remembered, and an old entry can be forgotten early when its index set is full.
// Thread-safe (sharded mutexes).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace amp::monitoring {

class VersionMonitor;

struct RememberedPrediction {
  VersionMonitor* monitor = nullptr;  // monitors live as long as the MonitoringService that owns this memory
  double prediction = 0;              // a classifier's class index
  double score = 0;                   // a binary classifier's probability of its second class, else 0
  int64_t at_micros = 0;
};

class PredictionMemory {
 public:
  static constexpr size_t kMaxIdBytes = 64;  // a UUID is 36; longer ids are not remembered
  // Keeps at most `capacity` rows (rounded up to a multiple of the shard count); about 130 bytes each.
  explicit PredictionMemory(size_t capacity);

  void Remember(std::string_view request_id, uint32_t row, const RememberedPrediction& prediction);
  std::optional<RememberedPrediction> Find(std::string_view request_id, uint32_t row) const;

  size_t capacity() const { return shards_.size() * slots_per_shard_; }
  int64_t MemoryBytes() const;

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kWays = 4;
  struct Slot {
    uint64_t hash = 0;
    uint64_t sequence = 0;  // 0: empty
    uint32_t row = 0;
    uint8_t id_size = 0;
    char id[kMaxIdBytes];
    RememberedPrediction prediction;
  };
  struct Shard {
    mutable std::mutex mu;
    std::vector<Slot> slots;                        // guarded by mu; a ring
    std::vector<std::array<uint32_t, kWays>> sets;  // guarded by mu; slot index + 1 (0: empty)
    size_t next = 0;                                // guarded by mu
    uint64_t sequence = 0;                          // guarded by mu
  };
  static uint64_t Hash(std::string_view request_id, uint32_t row);

  size_t slots_per_shard_;
  std::vector<Shard> shards_;
};

}  // namespace amp::monitoring
