// The soak's judge on a thread of its own, so that judging one cycle never holds up the next
// cycle's steps. On the step path it did: the judge's time was added to the cycle running then,
// that longer cycle took longer to judge in turn, and on an idle 2-core machine cycles of about
// 20 k and 200 k requests alternated (a 300 ms sleep took 2.3 s), far from the one second the
// steps of upgrade.yaml take.
//
// Cycles are judged one at a time, in the order they were handed in. At most `capacity` wait:
// wait_for_room() holds the soak until the judge is that close behind, which keeps memory bounded
// when the judge is slower than the load (the soak reports how long it waited, so a run whose
// judge could not keep up says so). Once the judge throws, nothing more is judged and every later
// hand(), wait_for_room() and finish() throws the same exception.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/judge/cycle_slicer.h"

namespace hotdeploy::orchestrator {

class SoakJudgeThread {
 public:
  SoakJudgeThread(std::function<void(harness::CycleSlice)> judge, std::size_t capacity);
  // Stops without judging what still waits (finish() judges it).
  ~SoakJudgeThread();
  SoakJudgeThread(const SoakJudgeThread&) = delete;
  SoakJudgeThread& operator=(const SoakJudgeThread&) = delete;

  void hand(std::vector<harness::CycleSlice> slices);
  // Returns once at most `capacity` cycles wait to be judged; how long that took.
  std::chrono::nanoseconds wait_for_room();
  // Judges every cycle handed in, then stops the thread.
  void finish();

 private:
  void judge_until_stopped();
  void rethrow_failure_locked();

  std::function<void(harness::CycleSlice)> judge_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<harness::CycleSlice> waiting_;
  bool finishing_ = false;
  bool abandoned_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace hotdeploy::orchestrator
