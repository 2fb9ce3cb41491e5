#include "orchestrator/file_change_watch.h"

#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fstream>

namespace hotdeploy::orchestrator {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kPidFileEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;

class FileChangeWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path_template[] = "/tmp/hotdeploy-watch-XXXXXX";
    ASSERT_NE(::mkdtemp(path_template), nullptr);
    dir_ = path_template;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text, std::ios::openmode mode = std::ios::trunc) const {
    std::ofstream out(dir_ / name, std::ios::out | mode);
    out << text;
  }
  fs::path dir_;
};

TEST_F(FileChangeWatchTest, ReportsWritesRenamesAndRemovalsOfTheNamedFilesOnly) {
  FileChangeWatch watch({{dir_ / "nginx.pid", kPidFileEvents},
                         {dir_ / "nginx.pid.oldbin", kPidFileEvents},
                         {dir_ / "error.log", IN_MODIFY | IN_CREATE}});
  ASSERT_TRUE(watch.available());
  EXPECT_GE(watch.fd(), 0);
  using Changes = std::vector<FileChange>;
  EXPECT_EQ(watch.read_changes(), Changes{});
  write("nginx.pid", "12\n");
  EXPECT_EQ(watch.read_changes(), (Changes{{0, false}}));
  fs::rename(dir_ / "nginx.pid", dir_ / "nginx.pid.oldbin");
  write("nginx.pid", "13\n");
  EXPECT_EQ(watch.read_changes(), (Changes{{0, true}, {1, false}, {0, false}}))
      << "the rename, then the new master's write, in the order they happened";
  write("error.log", "a line\n", std::ios::app);
  write("other", "not watched\n");
  EXPECT_EQ(watch.read_changes(), (Changes{{2, false}}));
  fs::remove(dir_ / "nginx.pid.oldbin");
  EXPECT_EQ(watch.read_changes(), (Changes{{1, true}}));
  EXPECT_EQ(watch.read_changes(), Changes{});
}

TEST_F(FileChangeWatchTest, IsUnavailableWhenTheDirectoryDoesNotExist) {
  FileChangeWatch watch({{dir_ / "missing" / "nginx.pid", kPidFileEvents}});
  EXPECT_FALSE(watch.available());
  EXPECT_EQ(watch.fd(), -1);
  EXPECT_TRUE(watch.read_changes().empty());
}

}  // namespace
}  // namespace hotdeploy::orchestrator
