// Fuzz target for the history.jsonl reader (history_file.h). Property: read_jsonl either refuses
// the text with a std::runtime_error that names a line, or gives a history that write_jsonl writes
// and read_jsonl reads back as the same events, and that second text is a fixed point (written
// again, it is the same bytes).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "harness/history/history_file.h"

namespace {

using hotdeploy::harness::History;

// Stops the fuzzer at a broken property, naming the line that states it.
void require(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "history_file_fuzz.cpp:%d: property does not hold\n", line);
  std::abort();
}

std::string written(const History& history) {
  std::ostringstream out;
  hotdeploy::harness::write_jsonl(history, out);
  return out.str();
}

History read(const std::string& text) {
  std::istringstream in(text);
  return hotdeploy::harness::read_jsonl(in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  History history;
  try {
    history = read(text);
  } catch (const std::runtime_error& error) {
    require(std::string_view(error.what()).starts_with("history.jsonl"));
    return 0;
  }
  const std::string first = written(history);
  History again;
  try {
    again = read(first);
  } catch (const std::runtime_error& error) {
    std::fprintf(stderr, "the history as written does not read back: %s\n", error.what());
    require(false);
  }
  require(again.events() == history.events());
  require(written(again) == first);
  return 0;
}
