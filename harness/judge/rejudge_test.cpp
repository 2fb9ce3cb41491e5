#include "harness/judge/rejudge.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "harness/history/history_builder.h"
#include "harness/history/history_file.h"

namespace hotdeploy::harness {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hotdeploy-rejudge-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(RejudgeTest, ASavedRunIsJudgedAsTheRunJudgedIt) {
  const History h = testing::HistoryBuilder()
                        .master(100, 1)
                        .worker(101, 100, 1)
                        .ok(1, 101)
                        .at_ms(5)
                        .signal("USR2", 100, 1)
                        .request(2, Outcome::info, Reason::truncated)
                        .log("2026/11/26 00:00:00 [crit] 100#100: something")
                        .build();
  TempDir dir;
  {
    std::ofstream out(dir.path() / "history.jsonl");
    write_jsonl(h, out);
  }
  Expectations e;
  e.log_not_contains = {"\\[crit\\]"};
  const Judgement again = rejudge(dir.path(), e);
  const Judgement original = judge(h, e);
  EXPECT_EQ(again.verdict, Verdict::fail);
  EXPECT_EQ(again.metrics, original.metrics);
  ASSERT_EQ(again.checks.size(), original.checks.size());
  for (std::size_t k = 0; k < again.checks.size(); ++k) EXPECT_EQ(again.checks[k].detail, original.checks[k].detail);
}

TEST(RejudgeTest, MissingOrBrokenHistoryNamesTheFile) {
  TempDir dir;
  try {
    static_cast<void>(rejudge(dir.path(), Expectations{}));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("history.jsonl"), std::string::npos) << e.what();
  }
  {
    std::ofstream out(dir.path() / "history.jsonl");
    out << "{\"i\":0,\"t_ns\":1,\"type\":\"nonsense\"}\n";
  }
  try {
    static_cast<void>(rejudge(dir.path(), Expectations{}));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hotdeploy::harness
