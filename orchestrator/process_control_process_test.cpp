// run_to_completion against real short programs: exit codes and stderr come back, a child that
// fills its stderr pipe is not blocked by it, a finished child is collected when it exits rather
// than at the deadline, and one that outlives its deadline is killed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "orchestrator/process_control.h"

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;

TEST(RunToCompletion, ReturnsExitCodeAndStderr) {
  const auto completed = run_to_completion({"/bin/sh", "-c", "echo oops >&2; exit 3"}, 60s);
  EXPECT_EQ(completed.exit_code, 3);
  EXPECT_EQ(completed.stderr_text, "oops\n");
}

TEST(RunToCompletion, ReadsMoreStderrThanAPipeHolds) {
  // 256 KiB: four times a default pipe buffer, so the child blocks unless its stderr is read as it writes.
  const auto completed = run_to_completion({"/bin/sh", "-c", "head -c 262144 /dev/zero | tr '\\0' x >&2"}, 60s);
  EXPECT_EQ(completed.exit_code, 0);
  EXPECT_EQ(completed.stderr_text.size(), 262144U);
}

TEST(RunToCompletion, CollectsAFinishedChildLongBeforeTheDeadline) {
  const auto started = std::chrono::steady_clock::now();
  const auto completed = run_to_completion({"/bin/true"}, 600s);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(completed.exit_code, 0);
  // Not a speed test: a wait that runs out its deadline after the child exited takes all 600 s.
  EXPECT_LT(took, 300s);
}

TEST(RunToCompletion, TheChildInheritsNoDescriptorOfHotdeployBeyondStderr) {
  const int ours = ::open("/dev/null", O_RDONLY);  // without O_CLOEXEC, as a careless library might
  ASSERT_GE(ours, 3);
  const std::string fd = std::to_string(ours);
  const auto completed =
      run_to_completion({"/bin/sh", "-c", "if [ -e /proc/self/fd/" + fd + " ]; then echo inherited >&2; fi"}, 60s);
  ::close(ours);
  EXPECT_EQ(completed.exit_code, 0);
  EXPECT_EQ(completed.stderr_text, "");
}

TEST(RunToCompletion, KillsAChildThatOutlivesItsDeadline) {
  const auto completed = run_to_completion({"/bin/sleep", "600"}, 300ms);
  EXPECT_EQ(completed.exit_code, -1);
}

TEST(RunToCompletion, ReportsAKilledChildAs128PlusSignal) {
  const auto completed = run_to_completion({"/bin/sh", "-c", "kill -9 $$"}, 60s);
  EXPECT_EQ(completed.exit_code, 128 + 9);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
