#include "binary_identity.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace hotdeploy::fakes {
namespace {

using std::chrono::milliseconds;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(BinaryIdentity, NoTrailerMeansVersionOneWithoutFaults) {
  IdentityRead read = parse_trailer(
      "\x7f"
      "ELF just an image");
  EXPECT_TRUE(read.error.empty());
  EXPECT_EQ(read.identity.version_label, "1.0");
  EXPECT_TRUE(read.identity.faults.empty());
}

TEST(BinaryIdentity, TrailerRoundTrips) {
  BinaryIdentity identity{"2.0", Faults({SlowStart{milliseconds(250)}, BadStatus{503}})};
  std::string file =
      "\x7f"
      "ELF image bytes" +
      format_trailer(identity);
  IdentityRead read = parse_trailer(file);
  ASSERT_TRUE(read.error.empty()) << read.error;
  EXPECT_EQ(read.identity.version_label, "2.0");
  ASSERT_EQ(read.identity.faults.all().size(), 2u);
  EXPECT_EQ(read.identity.faults.find<SlowStart>()->delay, milliseconds(250));
  EXPECT_EQ(read.identity.faults.find<BadStatus>()->status_code, 503);
}

TEST(BinaryIdentity, TrailerIsReadableText) {
  std::string trailer = format_trailer(BinaryIdentity{"3.1", Faults({CrashOnStart{}})});
  EXPECT_EQ(trailer, "fake-nginx identity\nversion=3.1\nfault=crash_on_start\n0000000000000053\nFAKE-NGINX-TRAILER\n");
}

TEST(BinaryIdentity, MalformedTrailerIsAnError) {
  EXPECT_FALSE(parse_trailer("image9999999999999999\nFAKE-NGINX-TRAILER\n").error.empty());
  std::string bad_fault = "fake-nginx identity\nfault=explode\n";
  char digits[17];
  std::snprintf(digits, sizeof(digits), "%016zu", bad_fault.size());
  EXPECT_EQ(parse_trailer("image" + bad_fault + digits + "\nFAKE-NGINX-TRAILER\n").error, "unknown fault \"explode\"");
}

class StampedFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fakes_identity_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::ofstream(dir_ + "/plain", std::ios::binary) << "\x7f"
                                                        "ELF pretend executable";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(StampedFile, StampingAStampedCopyReplacesItsTrailer) {
  ASSERT_FALSE(write_stamped_binary(dir_ + "/plain", dir_ + "/v2", BinaryIdentity{"2.0", Faults({HangOnQuit{}})}));
  ASSERT_FALSE(write_stamped_binary(dir_ + "/v2", dir_ + "/v3", BinaryIdentity{"3.0", Faults()}));
  IdentityRead v2 = read_binary_identity(dir_ + "/v2");
  IdentityRead v3 = read_binary_identity(dir_ + "/v3");
  EXPECT_EQ(v2.identity.version_label, "2.0");
  EXPECT_TRUE(v2.identity.faults.has<HangOnQuit>());
  EXPECT_EQ(v3.identity.version_label, "3.0");
  EXPECT_TRUE(v3.identity.faults.empty());
  EXPECT_EQ(read_all(dir_ + "/v3"),
            "\x7f"
            "ELF pretend executable" +
                format_trailer(v3.identity));
  struct stat info {};
  ASSERT_EQ(::stat((dir_ + "/v3").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0755u);
}

TEST_F(StampedFile, MissingInputIsReported) {
  auto error = write_stamped_binary(dir_ + "/absent", dir_ + "/out", BinaryIdentity{});
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("cannot read"), std::string::npos) << *error;
}

}  // namespace
}  // namespace hotdeploy::fakes
