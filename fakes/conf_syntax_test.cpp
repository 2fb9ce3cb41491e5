#include "conf_syntax.h"

#include <gtest/gtest.h>

namespace hotdeploy::fakes {
namespace {

TEST(ConfSyntax, ReadsDirectivesBlocksAndLines) {
  ConfParse parsed = parse_conf_text(
      "worker_processes 2;\n"
      "events {\n"
      "  worker_connections 1024;\n"
      "}\n"
      "http {\n"
      "  server { listen 127.0.0.1:8080 reuseport; }\n"
      "}\n");
  ASSERT_FALSE(parsed.error) << parsed.error->message;
  ASSERT_EQ(parsed.directives.size(), 3u);
  EXPECT_EQ(parsed.directives[0].name, "worker_processes");
  EXPECT_EQ(parsed.directives[0].args, std::vector<std::string>{"2"});
  EXPECT_EQ(parsed.directives[0].line, 1);
  EXPECT_TRUE(parsed.directives[1].has_block);
  EXPECT_EQ(parsed.directives[1].block.at(0).line, 3);
  const Directive& server = parsed.directives[2].block.at(0);
  EXPECT_EQ(server.name, "server");
  EXPECT_EQ(server.line, 6);
  ASSERT_EQ(server.block.size(), 1u);
  EXPECT_EQ(server.block[0].args, (std::vector<std::string>{"127.0.0.1:8080", "reuseport"}));
}

TEST(ConfSyntax, QuotesEscapesAndComments) {
  ConfParse parsed = parse_conf_text(
      "# a comment; with { braces }\n"
      "pid \"logs/my pid.pid\"; # trailing\n"
      "error_log 'logs/err\\'s.log' info;\n"
      "add_header X \"a\\\"b\\tc\";\n"
      "set $x ${y}z;\n"
      "word#notcomment;\n");
  ASSERT_FALSE(parsed.error) << parsed.error->message;
  ASSERT_EQ(parsed.directives.size(), 5u);
  EXPECT_EQ(parsed.directives[0].args[0], "logs/my pid.pid");
  EXPECT_EQ(parsed.directives[0].line, 2);
  EXPECT_EQ(parsed.directives[1].args[0], "logs/err's.log");
  EXPECT_EQ(parsed.directives[2].args[1], "a\"b\tc");
  EXPECT_EQ(parsed.directives[3].args[1], "${y}z");
  EXPECT_EQ(parsed.directives[4].name, "word#notcomment");
}

TEST(ConfSyntax, DirectiveSpanningLinesReportsItsFirstLine) {
  ConfParse parsed = parse_conf_text("\n\nlisten\n  8080\n  reuseport;\n");
  ASSERT_FALSE(parsed.error);
  EXPECT_EQ(parsed.directives.at(0).line, 3);
}

struct SyntaxErrorCase {
  const char* text;
  const char* message;
  int line;
};

class ConfSyntaxErrors : public ::testing::TestWithParam<SyntaxErrorCase> {};

TEST_P(ConfSyntaxErrors, UseNginxWordingAndLine) {
  ConfParse parsed = parse_conf_text(GetParam().text);
  ASSERT_TRUE(parsed.error) << "no error for: " << GetParam().text;
  EXPECT_EQ(parsed.error->message, GetParam().message);
  EXPECT_EQ(parsed.error->line, GetParam().line);
  EXPECT_TRUE(parsed.directives.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfSyntaxErrors,
    ::testing::Values(SyntaxErrorCase{"events {}\n}\n", "unexpected \"}\"", 2},
                      SyntaxErrorCase{"http {\n  server {\n  }\n", "unexpected end of file, expecting \"}\"", 4},
                      SyntaxErrorCase{"pid logs/x.pid", "unexpected end of file, expecting \";\" or \"}\"", 1},
                      SyntaxErrorCase{"http {\n listen 80 }\n", "unexpected \"}\"", 2},
                      SyntaxErrorCase{"\n;\n", "unexpected \";\"", 2}, SyntaxErrorCase{"{ }", "unexpected \"{\"", 1},
                      SyntaxErrorCase{"pid \"a\"b;", "unexpected \"b\"", 1},
                      SyntaxErrorCase{"pid \"unterminated;\n\n", "unexpected end of file, expecting \";\" or \"}\"",
                                      3}));

TEST(ConfSyntax, CommandLineParamsRejectBlocksAndNeedSemicolons) {
  EXPECT_EQ(parse_conf_params("daemon off; worker_processes 3;").directives.size(), 2u);
  ConfParse missing = parse_conf_params("daemon off");
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->message, "unexpected end of parameter, expecting \";\"");
  ConfParse block = parse_conf_params("events { }");
  ASSERT_TRUE(block.error);
  EXPECT_EQ(block.error->message, "block directives are not supported in -g option");
}

}  // namespace
}  // namespace hotdeploy::fakes
