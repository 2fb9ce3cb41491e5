#include "orchestrator/terminal_display.h"

#include <sys/ioctl.h>
#include <unistd.h>

namespace hotdeploy::orchestrator {
namespace {

std::size_t terminal_width() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1) return size.ws_col - 1;
  return 79;
}

}  // namespace

void TerminalDisplay::draw(const std::vector<std::string>& lines) {
  clear();
  const auto width = terminal_width();
  for (const auto& line : lines) out_ << line.substr(0, width) << '\n';
  drawn_ = lines.size();
  out_.flush();
}

void TerminalDisplay::clear() {
  for (; drawn_ > 0; --drawn_) out_ << "\033[1A\033[2K";
  out_.flush();
}

}  // namespace hotdeploy::orchestrator
