// One updating line per running scenario on a terminal: draw() replaces the lines drawn last time
// (cursor up, clear each line) and cuts them to the terminal's width; clear() removes them, so
// that plain lines (verdicts) can be printed in between. Used only when stdout is a terminal.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

class TerminalDisplay {
 public:
  explicit TerminalDisplay(std::ostream& out) : out_(out) {}
  void draw(const std::vector<std::string>& lines);
  void clear();

 private:
  std::ostream& out_;
  std::size_t drawn_ = 0;
};

}  // namespace hotdeploy::orchestrator
