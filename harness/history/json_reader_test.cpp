#include "harness/history/json_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "harness/history/json_writer.h"

namespace hotdeploy::harness {
namespace {

const std::string& string_at(const FlatJsonObject& o, std::string_view key) {
  return std::get<std::string>(*o.find(key));
}

TEST(JsonReaderTest, ReadsEveryValueKind) {
  const FlatJsonObject o = parse_flat_object(R"( { "s" : "x\ty" , "t":true,"f":false,"n":null,"i":-12,"d":1.5e3 } )");
  ASSERT_EQ(o.members().size(), 6u);
  EXPECT_EQ(o.members()[0].key, "s");
  EXPECT_EQ(string_at(o, "s"), "x\ty");
  EXPECT_EQ(std::get<bool>(*o.find("t")), true);
  EXPECT_EQ(std::get<bool>(*o.find("f")), false);
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(*o.find("n")));
  EXPECT_EQ(std::get<JsonNumber>(*o.find("i")).as_int64(), -12);
  EXPECT_EQ(std::get<JsonNumber>(*o.find("d")).as_double(), 1500.0);
  EXPECT_EQ(o.find("missing"), nullptr);
  EXPECT_TRUE(parse_flat_object("{}").members().empty());
}

TEST(JsonReaderTest, NumberConversionsAreExact) {
  const auto number = [](const char* text) { return JsonNumber{text}; };
  EXPECT_EQ(number("18446744073709551615").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(number("18446744073709551616").as_uint64());
  EXPECT_FALSE(number("-1").as_uint64());
  EXPECT_EQ(number("-9223372036854775808").as_int64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_FALSE(number("9223372036854775808").as_int64());
  EXPECT_FALSE(number("1.0").as_int64());
  EXPECT_FALSE(number("1e2").as_uint64());
  EXPECT_EQ(number("-0").as_int64(), 0);
  EXPECT_FALSE(number("1e400").as_double());
}

TEST(JsonReaderTest, DecodesEscapes) {
  EXPECT_EQ(string_at(parse_flat_object(R"({"k":"\"\\\/\b\f\n\r\t"})"), "k"), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(string_at(parse_flat_object(R"({"k":"\u0041\u00e9\u4e2d"})"), "k"), "A\xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(string_at(parse_flat_object(R"({"k":"\ud83d\ude00"})"), "k"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(string_at(parse_flat_object(R"({"k":"\u0000"})"), "k"), std::string(1, '\0'));
  EXPECT_EQ(string_at(parse_flat_object(R"({"k":"\udc80\udcFF"})"), "k"), "\x80\xff");
}

TEST(JsonReaderTest, RejectsAnythingButOneFlatObject) {
  const char* bad[] = {
      "",
      "   ",
      "[]",
      "\"s\"",
      "{",
      "{\"a\":1",
      "{\"a\":1,}",
      "{,}",
      "{\"a\" 1}",
      "{a:1}",
      "{'a':1}",
      "{\"a\":1}x",
      "{\"a\":1}{}",
      "{\"a\":{}}",
      "{\"a\":[1]}",
      "{\"a\":1,\"a\":2}",
      "{\"a\":01}",
      "{\"a\":-}",
      "{\"a\":1.}",
      "{\"a\":.5}",
      "{\"a\":1e}",
      "{\"a\":+1}",
      "{\"a\":NaN}",
      "{\"a\":tru}",
      "{\"a\":nul}",
      "{\"a\":\"\\x\"}",
      "{\"a\":\"\\u12\"}",
      "{\"a\":\"\\u12g4\"}",
      "{\"a\":\"\\ud800\"}",
      "{\"a\":\"\\ud800\\u0041\"}",
      "{\"a\":\"\\udc00\"}",
      "{\"a\":\"\\udd80\"}",
      "{\"a\":\"tab\there\"}",
      "{\"a\":\"line\nbreak\"}",
      "{\"a\":\"\xff\"}",
      "{\"a\":\"\xc0\xaf\"}",
      "{\"a\":\"unterminated}",
      "{\"a\":\"\\",
  };
  for (const char* text : bad) {
    EXPECT_THROW(static_cast<void>(parse_flat_object(text)), JsonParseError) << text;
  }
}

TEST(JsonReaderTest, ErrorsNameTheOffset) {
  try {
    static_cast<void>(parse_flat_object("{\"a\":1,\"a\":2}"));
    FAIL() << "no error";
  } catch (const JsonParseError& e) {
    EXPECT_EQ(e.offset(), 7u);
    EXPECT_NE(std::string(e.what()).find("duplicate key \"a\""), std::string::npos) << e.what();
  }
}

TEST(JsonReaderTest, EveryByteStringSurvivesAWriterRoundTrip) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 5000; ++round) {
    std::string text(rng() % 40, '\0');
    for (char& c : text) c = static_cast<char>(rng() & 0xff);
    if (round < 256) text = std::string(1, static_cast<char>(round));
    std::string json;
    JsonWriter w(json);
    w.begin_object();
    w.member("k", text);
    w.end_object();
    const FlatJsonObject o = parse_flat_object(json);
    ASSERT_EQ(string_at(o, "k"), text) << json;
  }
}

}  // namespace
}  // namespace hotdeploy::harness
