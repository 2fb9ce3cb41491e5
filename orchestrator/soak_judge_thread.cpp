#include "orchestrator/soak_judge_thread.h"

namespace hotdeploy::orchestrator {

SoakJudgeThread::SoakJudgeThread(std::function<void(harness::CycleSlice)> judge, std::int64_t settle_ns,
                                 std::size_t capacity)
    : judge_(std::move(judge)), settle_ns_(settle_ns), capacity_(capacity), thread_([this] { work_until_stopped(); }) {}

SoakJudgeThread::~SoakJudgeThread() {
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SoakJudgeThread::push(Message message) {
  {
    std::lock_guard lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
    if (message.kind == Kind::end_cycle) ++ends_waiting_;
    waiting_.push_back(std::move(message));
  }
  changed_.notify_all();
}

void SoakJudgeThread::begin_cycle(std::int64_t t_ns) { push({Kind::begin_cycle, t_ns, {}}); }

void SoakJudgeThread::end_cycle(std::int64_t t_ns) { push({Kind::end_cycle, t_ns, {}}); }

void SoakJudgeThread::add(std::vector<harness::Event> events, std::int64_t now_ns) {
  push({Kind::events, now_ns, std::move(events)});
}

std::chrono::nanoseconds SoakJudgeThread::wait_for_room() {
  const auto started = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return ends_waiting_ <= capacity_ || failure_ || abandoned_; });
  if (failure_) std::rethrow_exception(failure_);
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
  if (failure_) std::rethrow_exception(failure_);
}

void SoakJudgeThread::apply(Message& message) {
  switch (message.kind) {
    case Kind::begin_cycle: slicer_.begin_cycle(message.t_ns); return;
    case Kind::end_cycle: slicer_.end_cycle(message.t_ns); return;
    case Kind::events:
      slicer_.add(std::move(message.events));
      for (auto& slice : slicer_.take_complete(message.t_ns, settle_ns_)) judge_(std::move(slice));
      return;
  }
}

void SoakJudgeThread::work_until_stopped() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return !waiting_.empty() || finishing_ || abandoned_; });
    if (abandoned_ || failure_) return;
    const bool finishing = waiting_.empty();
    std::exception_ptr failure;
    if (finishing) {
      lock.unlock();
      try {
        for (auto& slice : slicer_.finish()) judge_(std::move(slice));
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      failure_ = failure;
      return;
    }
    auto message = std::move(waiting_.front());
    waiting_.pop_front();
    lock.unlock();
    try {
      apply(message);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (message.kind == Kind::end_cycle) --ends_waiting_;
    if (failure) {
      failure_ = failure;
      waiting_.clear();
      ends_waiting_ = 0;
    }
    changed_.notify_all();
  }
}

}  // namespace hotdeploy::orchestrator
