//===- ThreadPool.h - the CPU workers that run kernel dispatches -*- C++ -*-===//

#ifndef SSM_RUNTIME_THREADPOOL_H
#define SSM_RUNTIME_THREADPOOL_H

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ssm::rt {

/// A fixed set of worker threads. parallelFor splits [0, n) into chunks that the workers and
/// the calling thread claim one at a time; several threads may call parallelFor at once.
class ThreadPool {
public:
  /// `threads` counts the caller: a pool of 1 runs everything on the calling thread.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  unsigned size() const { return static_cast<unsigned>(workers.size()) + 1; }

  /// Calls body(begin, end) on disjoint ranges covering [0, n); returns when all are done.
  void parallelFor(int64_t n, const std::function<void(int64_t, int64_t)> &body);

private:
  struct Job;
  static bool runChunk(Job &job);
  void workerLoop();

  std::mutex mutex;
  std::condition_variable wake;     // workers: a job was queued, or the pool stops
  std::condition_variable finished; // callers: a worker left a job
  std::deque<Job *> queue;
  bool stopping = false;
  std::vector<std::thread> workers;
};

} // namespace ssm::rt

#endif // SSM_RUNTIME_THREADPOOL_H
