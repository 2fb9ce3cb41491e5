#include "orchestrator/soak_judge_thread.h"

namespace hotdeploy::orchestrator {

SoakJudgeThread::SoakJudgeThread(std::function<void(harness::CycleSlice)> judge, std::size_t capacity)
    : judge_(std::move(judge)), capacity_(capacity), thread_([this] { judge_until_stopped(); }) {}

SoakJudgeThread::~SoakJudgeThread() {
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SoakJudgeThread::rethrow_failure_locked() {
  if (failure_) std::rethrow_exception(failure_);
}

void SoakJudgeThread::hand(std::vector<harness::CycleSlice> slices) {
  {
    std::lock_guard lock(mutex_);
    rethrow_failure_locked();
    for (auto& slice : slices) waiting_.push_back(std::move(slice));
  }
  changed_.notify_all();
}

std::chrono::nanoseconds SoakJudgeThread::wait_for_room() {
  const auto started = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return waiting_.size() <= capacity_ || failure_ || abandoned_; });
  rethrow_failure_locked();
  return std::chrono::steady_clock::now() - started;
}

void SoakJudgeThread::finish() {
  {
    std::lock_guard lock(mutex_);
    finishing_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  rethrow_failure_locked();
}

void SoakJudgeThread::judge_until_stopped() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return !waiting_.empty() || finishing_ || abandoned_; });
    if (abandoned_ || failure_ || waiting_.empty()) return;
    auto slice = std::move(waiting_.front());
    waiting_.pop_front();
    lock.unlock();
    std::exception_ptr failure;
    try {
      judge_(std::move(slice));
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (failure) {
      failure_ = failure;
      waiting_.clear();
    }
    changed_.notify_all();
  }
}

}  // namespace hotdeploy::orchestrator
