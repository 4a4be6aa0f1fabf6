#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace attnviz {

// Calls work(i) for every i in [0, count), on up to `threads` threads (this one among them; fewer
// if the system gives no more). Every i is attempted; the first exception thrown is then rethrown
// here.
template <typename Work>
void for_each_index_in_parallel(std::size_t count, int threads, Work work) {
  if (count == 0) return;
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr first_error;
  const auto work_through = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      try {
        work(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
      }
    }
  };
  const std::size_t helpers = std::min(count, static_cast<std::size_t>(std::max(threads, 1))) - 1;
  std::vector<std::thread> pool;
  try {
    while (pool.size() < helpers) pool.emplace_back(work_through);
  } catch (const std::system_error&) {
    // No more threads to be had: the ones running, and this one, do the rest.
  }
  work_through();
  for (auto& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace attnviz
