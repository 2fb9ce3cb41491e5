#include "orchestrator/option_table.h"

#include <gtest/gtest.h>

namespace hotdeploy::orchestrator {
namespace {

struct Parsed {
  std::string out;
  bool verbose = false;
};

std::vector<Option> table(Parsed& parsed) {
  return {{"--out", "DIR", "where the files go", [&](const std::string& v) { parsed.out = v; }},
          {"-v", "", "debug logging", [&](const std::string&) { parsed.verbose = true; }}};
}

TEST(OptionTable, TakesBothValueFormsAndKeepsOperandsInOrder) {
  Parsed spaced;
  EXPECT_EQ(parse_options({"run", "a.yaml", "--out", "x", "b.yaml", "-v"}, 1, table(spaced)),
            (std::vector<std::string>{"a.yaml", "b.yaml"}));
  EXPECT_EQ(spaced.out, "x");
  EXPECT_TRUE(spaced.verbose);
  Parsed joined;
  EXPECT_EQ(parse_options({"run", "--out=dir=with=equals", "a.yaml"}, 1, table(joined)),
            (std::vector<std::string>{"a.yaml"}));
  EXPECT_EQ(joined.out, "dir=with=equals");
  Parsed empty;
  (void)parse_options({"run", "--out="}, 1, table(empty));
  EXPECT_EQ(empty.out, "");
}

TEST(OptionTable, RejectsUnknownOptionsMissingValuesAndValuedFlags) {
  Parsed parsed;
  const auto message = [&](const std::vector<std::string>& args) {
    try {
      (void)parse_options(args, 1, table(parsed));
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({"run", "--outt=x"}), "unknown option '--outt'");
  EXPECT_EQ(message({"run", "--out"}), "--out needs a value (--out DIR)");
  EXPECT_EQ(message({"run", "-q"}), "unknown option '-q'");
}

TEST(OptionTable, HelpListsEveryOptionOfTheTableInOneColumn) {
  Parsed parsed;
  EXPECT_EQ(options_help(table(parsed)), "  --out DIR  where the files go\n  -v         debug logging\n");
}

}  // namespace
}  // namespace hotdeploy::orchestrator
