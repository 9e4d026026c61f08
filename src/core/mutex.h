// Mutex with Clang thread-safety annotations (checked with -Wthread-safety under clang, no-ops under GCC).
// Members guarded by a mutex say so with AMP_GUARDED_BY(mu_).
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define AMP_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define AMP_THREAD_ANNOTATION_(x)
#endif

#define AMP_CAPABILITY(x) AMP_THREAD_ANNOTATION_(capability(x))
#define AMP_SCOPED_CAPABILITY AMP_THREAD_ANNOTATION_(scoped_lockable)
#define AMP_GUARDED_BY(x) AMP_THREAD_ANNOTATION_(guarded_by(x))
#define AMP_REQUIRES(...) AMP_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define AMP_ACQUIRE(...) AMP_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define AMP_RELEASE(...) AMP_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define AMP_EXCLUDES(...) AMP_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

namespace amp::core {

class AMP_CAPABILITY("mutex") Mutex {
 public:
  void Lock() AMP_ACQUIRE() { mu_.lock(); }
  void Unlock() AMP_RELEASE() { mu_.unlock(); }
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

class AMP_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) AMP_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() AMP_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Condition variable usable with a held Mutex.
class CondVar {
 public:
  // Waits until notified or the predicate holds; `mu` must be held by the caller.
  template <typename Predicate>
  void Wait(Mutex& mu, Predicate pred) {
    std::unique_lock<std::mutex> lock(mu.native(), std::adopt_lock);
    cv_.wait(lock, pred);
    lock.release();
  }
  template <typename Duration, typename Predicate>
  bool WaitFor(Mutex& mu, Duration timeout, Predicate pred) {
    std::unique_lock<std::mutex> lock(mu.native(), std::adopt_lock);
    bool result = cv_.wait_for(lock, timeout, pred);
    lock.release();
    return result;
  }
  void NotifyAll() { cv_.notify_all(); }
  void NotifyOne() { cv_.notify_one(); }

 private:
  std::condition_variable cv_;
};

}  // namespace amp::core
