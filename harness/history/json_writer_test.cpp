#include "harness/history/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace hotdeploy::harness {
namespace {

std::string json_quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonWriterTest, EscapesQuotesBackslashAndControlCharacters) {
  EXPECT_EQ(json_quoted("plain"), R"("plain")");
  EXPECT_EQ(json_quoted("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(json_quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(json_quoted(std::string("\0\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
}

TEST(JsonWriterTest, WellFormedUtf8PassesThrough) {
  EXPECT_EQ(json_quoted("gr\xc3\xbc\xc3\x9f \xe4\xb8\xad \xf0\x9f\x98\x80"),
            "\"gr\xc3\xbc\xc3\x9f \xe4\xb8\xad \xf0\x9f\x98\x80\"");
}

TEST(JsonWriterTest, BytesOutsideWellFormedUtf8BecomeSurrogateEscapes) {
  EXPECT_EQ(json_quoted("\xff"), R"("\udcff")");
  EXPECT_EQ(json_quoted("a\x80z"), R"("a\udc80z")");
  EXPECT_EQ(json_quoted("\xc3"), R"("\udcc3")");                                // truncated sequence
  EXPECT_EQ(json_quoted("\xc0\xaf"), R"("\udcc0\udcaf")");                      // overlong '/'
  EXPECT_EQ(json_quoted("\xed\xa0\x80"), R"("\udced\udca0\udc80")");            // UTF-8-encoded surrogate
  EXPECT_EQ(json_quoted("\xf4\x90\x80\x80"), R"("\udcf4\udc90\udc80\udc80")");  // above U+10FFFF
  EXPECT_EQ(json_quoted("\xe4\xb8"), R"("\udce4\udcb8")");
}

TEST(JsonWriterTest, CompactObjectsAndArrays) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.member("a", 1);
  w.member("b", "two");
  w.key("c");
  w.begin_array();
  w.value(true);
  w.null();
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.end_array();
  w.member("d", false);
  w.end_object();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(out, R"({"a":1,"b":"two","c":[true,null,{},[]],"d":false})");
}

TEST(JsonWriterTest, PrettyStyleIndentsTwoSpaces) {
  std::string out;
  JsonWriter w(out, JsonWriter::Style::pretty);
  w.begin_object();
  w.member("name", "x");
  w.key("list");
  w.begin_array();
  w.value(1);
  w.value(2);
  w.end_array();
  w.key("empty");
  w.begin_object();
  w.end_object();
  w.end_object();
  EXPECT_EQ(out, "{\n  \"name\": \"x\",\n  \"list\": [\n    1,\n    2\n  ],\n  \"empty\": {}\n}");
}

TEST(JsonWriterTest, NumbersAtTheirLimits) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.value(std::numeric_limits<std::int64_t>::min());
  w.value(std::numeric_limits<std::uint64_t>::max());
  w.value(std::uint8_t{255});
  w.value(std::int32_t{-1});
  w.value(0.1);
  w.value(1e300);
  w.value(-2.5);
  w.value(std::numeric_limits<double>::quiet_NaN());
  w.value(std::numeric_limits<double>::infinity());
  w.value(static_cast<const char*>(nullptr));
  w.end_array();
  EXPECT_EQ(out, "[-9223372036854775808,18446744073709551615,255,-1,0.1,1e+300,-2.5,null,null,null]");
}

TEST(JsonWriterTest, MisuseThrows) {
  std::string out;
  {
    JsonWriter w(out);
    w.begin_object();
    EXPECT_THROW(w.value(1), std::logic_error);
    EXPECT_THROW(w.end_array(), std::logic_error);
    w.key("k");
    EXPECT_THROW(w.key("again"), std::logic_error);
    EXPECT_THROW(w.end_object(), std::logic_error);
    w.value(1);
    EXPECT_FALSE(w.complete());
    w.end_object();
    EXPECT_TRUE(w.complete());
    EXPECT_THROW(w.value(2), std::logic_error);
  }
  {
    JsonWriter w(out);
    EXPECT_THROW(w.key("k"), std::logic_error);
    EXPECT_THROW(w.end_object(), std::logic_error);
    w.begin_array();
    EXPECT_THROW(w.key("k"), std::logic_error);
    EXPECT_THROW(w.end_object(), std::logic_error);
  }
}

}  // namespace
}  // namespace hotdeploy::harness
