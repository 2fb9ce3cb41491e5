#include "orchestrator/run_isolation_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "orchestrator/invalid_input_error.h"
#include "orchestrator/run_test_support.h"

namespace hotdeploy::orchestrator {
namespace {

TEST(RunIsolationFile, ReadsBackWhatWasWrittenAndIsAbsentForOlderRuns) {
  const auto dir = make_test_directory("isolation-file");
  EXPECT_FALSE(read_isolation_file(dir).has_value());
  const harness::RunIsolation written{"none", "PID namespace: Operation not permitted", false,
                                      "PID namespace: Operation not permitted"};
  write_isolation_file(dir, written);
  const auto read = read_isolation_file(dir);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->mode, written.mode);
  EXPECT_EQ(read->refused, written.refused);
  EXPECT_EQ(read->network_namespace, written.network_namespace);
  EXPECT_EQ(read->network_refused, written.network_refused);
  std::filesystem::remove_all(dir);
}

TEST(RunIsolationFile, AMalformedFileNamesItselfTheLineAndWhatIsWrong) {
  const auto dir = make_test_directory("isolation-file-malformed");
  std::ofstream(dir / "isolation.json") << R"({"isolation": "none", "isolation_refused": "",
    "network_namespace": "no", "network_namespace_refused": ""})";
  try {
    (void)read_isolation_file(dir);
    FAIL() << "expected InvalidInputError";
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "isolation.json").string() + ":2: 'network_namespace' must be true or false");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
