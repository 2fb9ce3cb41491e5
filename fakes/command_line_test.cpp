#include "command_line.h"

#include <gtest/gtest.h>

namespace hotdeploy::fakes {
namespace {

CommandLineParse parse(std::vector<std::string> args) {
  args.insert(args.begin(), "nginx");
  return parse_command_line(args);
}

TEST(CommandLine, ValuesAttachedOrSeparate) {
  CommandLineParse parsed = parse({"-p", "/srv", "-c/srv/conf/x.conf", "-g", "daemon off;", "-e", "stderr"});
  ASSERT_FALSE(parsed.error) << *parsed.error;
  EXPECT_EQ(parsed.options.prefix, "/srv");
  EXPECT_EQ(parsed.options.conf_file, "/srv/conf/x.conf");
  EXPECT_EQ(parsed.options.global_directives, "daemon off;");
  EXPECT_EQ(parsed.options.error_log, "");
}

TEST(CommandLine, CombinedFlags) {
  CommandLineParse parsed = parse({"-tq"});
  ASSERT_FALSE(parsed.error);
  EXPECT_TRUE(parsed.options.test_config);
  EXPECT_TRUE(parsed.options.quiet);
  EXPECT_TRUE(parse({"-V"}).options.show_configure);
  EXPECT_TRUE(parse({"-?"}).options.show_help);
}

TEST(CommandLine, SignalNames) {
  EXPECT_EQ(parse({"-s", "reload"}).options.signal, "reload");
  EXPECT_EQ(parse({"-squit"}).options.signal, "quit");
  EXPECT_EQ(parse({"-s", "usr2"}).error, "invalid option: \"-s usr2\"");
}

TEST(CommandLine, ErrorsUseNginxWording) {
  EXPECT_EQ(parse({"-x"}).error, "invalid option: \"x\"");
  EXPECT_EQ(parse({"stray"}).error, "invalid option: \"stray\"");
  EXPECT_EQ(parse({"-p"}).error, "option \"-p\" requires directory name");
  EXPECT_EQ(parse({"-c"}).error, "option \"-c\" requires file name");
  EXPECT_EQ(parse({"-g"}).error, "option \"-g\" requires parameter");
  EXPECT_EQ(parse({"-s"}).error, "option \"-s\" requires parameter");
}

TEST(CommandLine, VersionText) {
  CommandLine options;
  options.show_version = true;
  BinaryIdentity identity{"2.5", Faults({SlowStart{std::chrono::milliseconds(500)}, CrashOnStart{}})};
  EXPECT_EQ(version_text(options, identity), "nginx version: fake-nginx/2.5\n");
  options.show_configure = true;
  EXPECT_EQ(version_text(options, identity),
            "nginx version: fake-nginx/2.5\nconfigure arguments: --fake --fault=slow_start=500ms "
            "--fault=crash_on_start\n");
  options.show_help = true;
  EXPECT_NE(version_text(options, identity).find("Usage: nginx [-?hvVtTq]"), std::string::npos);
}

}  // namespace
}  // namespace hotdeploy::fakes
