#include "monitoring/prediction_memory.h"

#include <algorithm>
#include <cstring>

namespace amp::monitoring {

PredictionMemory::PredictionMemory(size_t capacity)
    : slots_per_shard_(std::max<size_t>(1, (capacity + kShards - 1) / kShards)), shards_(kShards) {
  for (Shard& shard : shards_) {
    shard.slots.resize(slots_per_shard_);
    // Twice as many index entries as slots, so a live entry is rarely pushed out of its set.
    shard.sets.resize(std::max<size_t>(1, slots_per_shard_ * 2 / kWays));
  }
}

uint64_t PredictionMemory::Hash(std::string_view request_id, uint32_t row) {
  // Eight bytes at a time (ids are short; this runs on every request), then a 64-bit finalizer.
  uint64_t hash = 0x9e3779b97f4a7c15ull ^ (static_cast<uint64_t>(row) << 32) ^ request_id.size();
  size_t pos = 0;
  for (; pos + 8 <= request_id.size(); pos += 8) {
    uint64_t word;
    std::memcpy(&word, request_id.data() + pos, 8);
    hash = (hash ^ word) * 0xff51afd7ed558ccdull;
    hash ^= hash >> 32;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, request_id.data() + pos, request_id.size() - pos);
  hash = (hash ^ tail) * 0xc4ceb9fe1a85ec53ull;
  return hash ^ (hash >> 29);
}

void PredictionMemory::Remember(std::string_view request_id, uint32_t row, const RememberedPrediction& prediction) {
  if (request_id.empty() || request_id.size() > kMaxIdBytes) return;
  const uint64_t hash = Hash(request_id, row);
  Shard& shard = shards_[hash % kShards];
  std::lock_guard lock(shard.mu);
  const size_t slot_idx = shard.next;
  shard.next = (shard.next + 1) % shard.slots.size();
  Slot& slot = shard.slots[slot_idx];
  slot.hash = hash;
  slot.sequence = ++shard.sequence;
  slot.row = row;
  slot.id_size = static_cast<uint8_t>(request_id.size());
  std::memcpy(slot.id, request_id.data(), request_id.size());
  slot.prediction = prediction;
  // Into the set: an empty way, a way whose slot was reused for another entry, or else the oldest.
  const size_t set_idx = (hash / kShards) % shard.sets.size();
  std::array<uint32_t, kWays>& set = shard.sets[set_idx];
  size_t victim = 0;
  uint64_t oldest = UINT64_MAX;
  for (size_t way = 0; way < kWays; ++way) {
    if (set[way] == 0 || set[way] - 1 == slot_idx) {
      victim = way;
      break;
    }
    const Slot& other = shard.slots[set[way] - 1];
    if ((other.hash / kShards) % shard.sets.size() != set_idx) {  // its slot now holds an entry of another set
      victim = way;
      break;
    }
    if (other.sequence < oldest) {
      oldest = other.sequence;
      victim = way;
    }
  }
  set[victim] = static_cast<uint32_t>(slot_idx + 1);
}

std::optional<RememberedPrediction> PredictionMemory::Find(std::string_view request_id, uint32_t row) const {
  if (request_id.empty() || request_id.size() > kMaxIdBytes) return std::nullopt;
  const uint64_t hash = Hash(request_id, row);
  const Shard& shard = shards_[hash % kShards];
  std::lock_guard lock(shard.mu);
  const std::array<uint32_t, kWays>& set = shard.sets[(hash / kShards) % shard.sets.size()];
  for (uint32_t entry : set) {
    if (entry == 0) continue;
    const Slot& slot = shard.slots[entry - 1];
    if (slot.sequence != 0 && slot.hash == hash && slot.row == row &&
        std::string_view(slot.id, slot.id_size) == request_id) {
      return slot.prediction;
    }
  }
  return std::nullopt;
}

int64_t PredictionMemory::MemoryBytes() const {
  int64_t bytes = 0;
  for (const Shard& shard : shards_) {
    bytes += static_cast<int64_t>(shard.slots.size() * sizeof(Slot) + shard.sets.size() * sizeof(shard.sets[0]));
  }
  return bytes;
}

}  // namespace amp::monitoring
