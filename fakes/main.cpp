// fake-nginx: a stand-in for nginx's master/worker process model (see fakes/README.md).
#include <unistd.h>

#include <string>

#include "binary_identity.h"
#include "nginx_main.h"

int main(int argc, char** argv) {
  using namespace hotdeploy::fakes;
  IdentityRead read = read_binary_identity("/proc/self/exe");
  if (!read.error.empty()) {
    std::string message = "nginx: [emerg] " + read.error + "\n";
    [[maybe_unused]] ssize_t ignored = ::write(2, message.data(), message.size());
    return 1;
  }
  return nginx_main(argc, argv, read.identity);
}
