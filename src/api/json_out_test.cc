#include "api/json_out.h"

#include <gtest/gtest.h>

#include <string>

namespace amp::api {
namespace {

// What RapidJSON's own writer makes of the same calls: the fast path must not change a byte.
std::string Reference(std::string_view key, std::string_view value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string Fast(std::string_view key, std::string_view value) {
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key(key);
  WriteString(out.writer, value);
  out.writer.EndObject();
  return out.Take();
}

TEST(JsonWriterTest, StringsAreByteIdenticalToRapidJson) {
  const std::string cases[] = {
      "",
      "plain",
      "with \"quotes\"",
      "back\\slash",
      "tab\there",
      "new\nline",
      std::string("nul\0inside", 10),
      "\x1f unit separator",
      "\x7f delete",
      "caf\xc3\xa9 \xe2\x82\xac",      // UTF-8 passes through
      "\xff\xfe not valid UTF-8",       // and so do other bytes, as with RapidJSON without validation
      "</script> slash is not escaped",
      std::string(300, 'x'),
  };
  for (const std::string& text : cases) {
    EXPECT_EQ(Fast(text, text), Reference(text, text)) << text;
  }
}

TEST(JsonWriterTest, KeysAndValuesAlternateWithCommas) {
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("a");
  out.writer.Int(1);
  out.writer.Key("b");
  WriteString(out.writer, "x");
  out.writer.Key("c");
  out.writer.StartArray();
  WriteString(out.writer, "y");
  WriteString(out.writer, "z\"");
  out.writer.EndArray();
  out.writer.EndObject();
  EXPECT_EQ(out.Take(), R"({"a":1,"b":"x","c":["y","z\""]})");
}

}  // namespace
}  // namespace amp::api
