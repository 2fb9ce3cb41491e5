// SoakJudgeThread: cycles judged in the order handed in, all of them by finish(); wait_for_room()
// returns only once the judge is close enough behind; a judge that throws stops the judging and
// the soak sees the exception; destroying it waits only for the cycle being judged. The judge here is held at a gate the test opens, so nothing waits
// on a time window.
#include "orchestrator/soak_judge_thread.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <stdexcept>

namespace hotdeploy::orchestrator {
namespace {

std::vector<harness::CycleSlice> cycles(int first, int last) {
  std::vector<harness::CycleSlice> slices;
  for (int number = first; number <= last; ++number) {
    harness::CycleSlice slice;
    slice.number = number;
    slices.push_back(std::move(slice));
  }
  return slices;
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

TEST(SoakJudgeThread, JudgesEveryCycleInTheOrderHandedIn) {
  std::vector<int> judged;
  SoakJudgeThread judge([&](harness::CycleSlice slice) { judged.push_back(slice.number); }, 2);
  judge.hand(cycles(1, 3));
  judge.hand({});
  judge.hand(cycles(4, 5));
  judge.finish();
  EXPECT_EQ(judged, (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(SoakJudgeThread, WaitForRoomReturnsOnceNoMoreThanCapacityWait) {
  GatedJudge gate;
  SoakJudgeThread judge([&](harness::CycleSlice slice) { gate(slice); }, 1);
  judge.hand(cycles(1, 3));
  gate.wait_until_started(1);  // cycle 1 is being judged; 2 and 3 wait: one more than the capacity
  auto room = std::async(std::launch::async, [&] { return judge.wait_for_room(); });
  gate.allow(1);  // cycle 1 judged, 2 starts: only 3 waits
  room.get();
  gate.wait_until_started(2);
  EXPECT_EQ(gate.judged(), (std::vector<int>{1}));
  gate.allow(2);
  judge.finish();
  EXPECT_EQ(gate.judged(), (std::vector<int>{1, 2, 3}));
}

TEST(SoakJudgeThread, WaitForRoomDoesNotWaitWhileTheJudgeKeepsUp) {
  GatedJudge gate;
  SoakJudgeThread judge([&](harness::CycleSlice slice) { gate(slice); }, 2);
  judge.hand(cycles(1, 2));
  EXPECT_GE(judge.wait_for_room().count(), 0);  // two wait at most: returns at once, the judge still held
  EXPECT_TRUE(gate.judged().empty());
  gate.allow(2);
  judge.finish();
}

TEST(SoakJudgeThread, AJudgeThatThrowsStopsJudgingAndEveryLaterCallThrows) {
  std::vector<int> judged;
  SoakJudgeThread judge(
      [&](harness::CycleSlice slice) {
        if (slice.number == 2) throw std::runtime_error("cannot write cycles.jsonl");
        judged.push_back(slice.number);
      },
      0);
  judge.hand(cycles(1, 4));
  EXPECT_THROW(static_cast<void>(judge.wait_for_room()), std::runtime_error);
  EXPECT_THROW(judge.hand(cycles(5, 5)), std::runtime_error);
  EXPECT_THROW(judge.finish(), std::runtime_error);
  EXPECT_EQ(judged, (std::vector<int>{1}));
}

TEST(SoakJudgeThread, DestroyedWhileJudgingItReturnsOnceThatCycleIsJudged) {
  GatedJudge gate;
  auto judge = std::make_unique<SoakJudgeThread>([&](harness::CycleSlice slice) { gate(slice); }, 2);
  judge->hand(cycles(1, 1));
  gate.wait_until_started(1);
  auto destroyed = std::async(std::launch::async, [&] { judge.reset(); });
  gate.allow(1);
  destroyed.get();
  EXPECT_EQ(gate.judged(), (std::vector<int>{1}));
}

}  // namespace
}  // namespace hotdeploy::orchestrator
