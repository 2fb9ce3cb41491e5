#include "harness/judge/rejudge.h"

#include <fstream>
#include <stdexcept>

#include "harness/history/history_file.h"
#include "harness/judge/history_validation.h"

namespace hotdeploy::harness {

Judgement rejudge(const std::filesystem::path& run_dir, const Expectations& expect) {
  const std::filesystem::path file = run_dir / "history.jsonl";
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string() + " (is " + run_dir.string() + " a run directory?)");
  try {
    return judge_valid(read_jsonl(in), expect);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
}

}  // namespace hotdeploy::harness
