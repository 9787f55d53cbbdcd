//===- ThreadPool.cpp - the CPU workers that run kernel dispatches --------===//

#include "ThreadPool.h"

#include <algorithm>
#include <atomic>

using namespace ssm::rt;

struct ThreadPool::Job {
  const std::function<void(int64_t, int64_t)> *body;
  int64_t n, chunk, chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  int users = 0; // workers inside runChunk loops; guarded by the pool's mutex
};

ThreadPool::ThreadPool(unsigned threads) {
  for (unsigned i = 1; i < threads; ++i)
    workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &worker : workers)
    worker.join();
}

bool ThreadPool::runChunk(Job &job) {
  int64_t c = job.next.fetch_add(1);
  if (c >= job.chunks)
    return false;
  int64_t begin = c * job.chunk;
  (*job.body)(begin, std::min(job.n, begin + job.chunk));
  job.done.fetch_add(1);
  return true;
}

void ThreadPool::workerLoop() {
  std::unique_lock<std::mutex> lock(mutex);
  while (true) {
    wake.wait(lock, [&] { return stopping || !queue.empty(); });
    if (stopping)
      return;
    Job *job = queue.front();
    ++job->users;
    lock.unlock();
    while (runChunk(*job)) {
    }
    lock.lock();
    // Every chunk is claimed: the job leaves the queue, and its caller may return once no
    // worker uses it any more.
    --job->users;
    if (!queue.empty() && queue.front() == job)
      queue.pop_front();
    finished.notify_all();
  }
}

void ThreadPool::parallelFor(int64_t n, const std::function<void(int64_t, int64_t)> &body) {
  if (n <= 0)
    return;
  // A few chunks per thread balance uneven work without much claiming overhead.
  int64_t chunks = std::min<int64_t>(n, 4 * static_cast<int64_t>(size()));
  if (workers.empty() || chunks == 1) {
    body(0, n);
    return;
  }
  Job job;
  job.body = &body;
  job.n = n;
  job.chunk = (n + chunks - 1) / chunks;
  job.chunks = (n + job.chunk - 1) / job.chunk;
  {
    std::lock_guard<std::mutex> lock(mutex);
    queue.push_back(&job);
  }
  wake.notify_all();
  while (runChunk(job)) {
  }
  std::unique_lock<std::mutex> lock(mutex);
  auto it = std::find(queue.begin(), queue.end(), &job);
  if (it != queue.end())
    queue.erase(it);
  finished.wait(lock, [&] { return job.done.load() == job.chunks && job.users == 0; });
}
