// SoakJudgeThread: the cycles handed in are judged in order, each once complete by the clock of
// the events handed in, and every one by finish(); wait_for_room() returns only once few enough
// ended cycles wait; slicing or judging that throws stops the work and the soak sees the
// exception; destroying it waits only for the cycle being judged. The judge here is held at a
// gate the test opens, so nothing waits on a time window. (What goes into each cycle is
// CycleSlicer's, tested in harness/judge/cycle_slicer_test.cpp.)
#include "orchestrator/soak_judge_thread.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <stdexcept>

namespace hotdeploy::orchestrator {
namespace {

constexpr std::int64_t kSettle = 100;

// Cycles first..last, each 10 ns long and 10 ns after the one before, handed in without events.
void hand_cycles(SoakJudgeThread& judge, int first, int last) {
  for (int number = first; number <= last; ++number) {
    judge.begin_cycle(number == 1 ? 0 : number * 20);
    judge.end_cycle(number * 20 + 10);
  }
}

// A judge that records the numbers it judged and waits, before each, until the test lets it go on.
class GatedJudge {
 public:
  void operator()(const harness::CycleSlice& slice) {
    std::unique_lock lock(mutex_);
    started_ = slice.number;
    changed_.notify_all();
    changed_.wait(lock, [&] { return allowed_ > 0; });
    --allowed_;
    judged_.push_back(slice.number);
    changed_.notify_all();
  }
  void allow(int n) {
    std::lock_guard lock(mutex_);
    allowed_ += n;
    changed_.notify_all();
  }
  void wait_until_started(int number) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_ == number; });
  }
  std::vector<int> judged() {
    std::lock_guard lock(mutex_);
    return judged_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int allowed_ = 0;
  int started_ = 0;
  std::vector<int> judged_;
};

TEST(SoakJudgeThread, JudgesEachCycleInOrderOnceSettledAndTheRestAtFinish) {
  GatedJudge gate;
  SoakJudgeThread judge([&](harness::CycleSlice slice) { gate(slice); }, kSettle, 2);
  hand_cycles(judge, 1, 3);
  judge.begin_cycle(80);
  judge.add({}, 50 + kSettle);  // cycles 1 and 2 (ended at 30 and 50) are settled, 3 (ended at 70) not
  gate.allow(2);
  gate.wait_until_started(2);
  judge.end_cycle(90);
  gate.allow(2);
  judge.finish();
  EXPECT_EQ(gate.judged(), (std::vector<int>{1, 2, 3, 4}));
}

TEST(SoakJudgeThread, WaitForRoomReturnsOnceNoMoreThanCapacityEndedCyclesWait) {
  GatedJudge gate;
  SoakJudgeThread judge([&](harness::CycleSlice slice) { gate(slice); }, kSettle, 1);
  hand_cycles(judge, 1, 1);
  judge.begin_cycle(40);
  judge.add({}, 1000);
  gate.wait_until_started(1);  // the thread is held judging cycle 1
  judge.end_cycle(50);
  judge.begin_cycle(60);
  judge.end_cycle(70);  // two ended cycles wait behind it: one more than the capacity
  auto room = std::async(std::launch::async, [&] { return judge.wait_for_room(); });
  gate.allow(1);
  room.get();
  gate.allow(2);
  judge.finish();
  EXPECT_EQ(gate.judged(), (std::vector<int>{1, 2, 3}));
}

TEST(SoakJudgeThread, WaitForRoomDoesNotWaitWhileTheThreadKeepsUp) {
  GatedJudge gate;
  SoakJudgeThread judge([&](harness::CycleSlice slice) { gate(slice); }, kSettle, 2);
  hand_cycles(judge, 1, 2);
  static_cast<void>(judge.wait_for_room());  // two ended cycles at most: returns, the judge still held
  EXPECT_TRUE(gate.judged().empty());
  gate.allow(2);
  judge.finish();
  EXPECT_EQ(gate.judged(), (std::vector<int>{1, 2}));
}

TEST(SoakJudgeThread, AJudgeThatThrowsStopsTheWorkAndEveryLaterCallThrows) {
  std::vector<int> judged;
  SoakJudgeThread judge(
      [&](harness::CycleSlice slice) {
        if (slice.number == 2) throw std::runtime_error("cannot write cycles.jsonl");
        judged.push_back(slice.number);
      },
      kSettle, 0);
  hand_cycles(judge, 1, 4);
  judge.begin_cycle(100);
  judge.add({}, 1000);
  // The end queued behind the failing cycle keeps wait_for_room() waiting until the failure, if
  // handing it in did not already throw.
  EXPECT_THROW(
      {
        judge.end_cycle(110);
        static_cast<void>(judge.wait_for_room());
      },
      std::runtime_error);
  EXPECT_THROW(judge.begin_cycle(120), std::runtime_error);
  EXPECT_THROW(judge.finish(), std::runtime_error);
  EXPECT_EQ(judged, (std::vector<int>{1}));
}

TEST(SoakJudgeThread, ACycleHandedInOutOfOrderIsAnErrorTheSoakSees) {
  SoakJudgeThread judge([](const harness::CycleSlice&) {}, kSettle, 2);
  judge.end_cycle(10);  // no cycle began
  EXPECT_THROW(judge.finish(), std::logic_error);
}

TEST(SoakJudgeThread, DestroyedWhileJudgingItReturnsOnceThatCycleIsJudged) {
  GatedJudge gate;
  auto judge = std::make_unique<SoakJudgeThread>([&](harness::CycleSlice slice) { gate(slice); }, kSettle, 2);
  hand_cycles(*judge, 1, 2);
  judge->add({}, 1000);
  gate.wait_until_started(1);
  auto destroyed = std::async(std::launch::async, [&] { judge.reset(); });
  gate.allow(2);
  destroyed.get();
  EXPECT_EQ(gate.judged().front(), 1);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
