#include "process_title.h"

#include <unistd.h>

#include <cstring>

extern char** environ;

namespace hotdeploy::fakes::process_title {
namespace {

char* title_start = nullptr;
char* title_end = nullptr;  // one past the last byte that may be written
char** os_argv = nullptr;

}  // namespace

void init(int argc, char** argv) {
  if (argc == 0 || argv[0] == nullptr) return;
  char* end = argv[0];
  for (int i = 0; i < argc && argv[i] != nullptr; ++i) {
    if (argv[i] == end) end = argv[i] + std::strlen(argv[i]) + 1;
  }
  for (int i = 0; environ[i] != nullptr; ++i) {
    if (environ[i] != end) continue;
    size_t size = std::strlen(environ[i]) + 1;
    end = environ[i] + size;
    environ[i] = strdup(environ[i]);
  }
  title_start = argv[0];
  title_end = end;
  os_argv = argv;
}

void set(std::string_view title) {
  if (title_start == nullptr) return;
  const size_t capacity = static_cast<size_t>(title_end - title_start);
  if (capacity == 0) return;
  if (os_argv[1] != nullptr) os_argv[1] = nullptr;
  std::string_view prefix = "nginx: ";
  size_t written = 0;
  for (std::string_view part : {prefix, title}) {
    size_t n = std::min(part.size(), capacity - 1 - written);
    std::memcpy(title_start + written, part.data(), n);
    written += n;
  }
  std::memset(title_start + written, 0, capacity - written);
}

}  // namespace hotdeploy::fakes::process_title
