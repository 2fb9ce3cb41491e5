// fake-nginx-stamp: writes a copy of a fake-nginx executable that carries a version label
// and faults (see binary_identity.h and README.md). Not part of nginx's CLI.
//
//   fake-nginx-stamp --from BINARY --to OUTPUT [--version LABEL] [--fault FAULT]...
//   fake-nginx-stamp --show BINARY
#include <cstdio>
#include <string>
#include <vector>

#include "binary_identity.h"

namespace {

int usage() {
  std::fputs(
      "usage: fake-nginx-stamp --from BINARY --to OUTPUT [--version LABEL] [--fault FAULT]...\n"
      "       fake-nginx-stamp --show BINARY\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hotdeploy::fakes;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string from;
  std::string to;
  std::string show;
  BinaryIdentity identity;
  std::vector<Fault> faults;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i + 1 >= args.size()) return usage();
    const std::string& option = args[i];
    const std::string& value = args[++i];
    if (option == "--from") {
      from = value;
    } else if (option == "--to") {
      to = value;
    } else if (option == "--version") {
      identity.version_label = value;
    } else if (option == "--show") {
      show = value;
    } else if (option == "--fault") {
      FaultParse parsed = parse_fault(value);
      if (!parsed.fault) {
        std::fprintf(stderr, "fake-nginx-stamp: %s\n", parsed.error.c_str());
        return 2;
      }
      faults.push_back(*parsed.fault);
    } else {
      return usage();
    }
  }
  if (!show.empty()) {
    IdentityRead read = read_binary_identity(show);
    if (!read.error.empty()) {
      std::fprintf(stderr, "fake-nginx-stamp: %s\n", read.error.c_str());
      return 1;
    }
    std::printf("version=%s\n", read.identity.version_label.c_str());
    for (const Fault& fault : read.identity.faults.all()) std::printf("fault=%s\n", format_fault(fault).c_str());
    return 0;
  }
  if (from.empty() || to.empty()) return usage();
  identity.faults = Faults(std::move(faults));
  if (auto error = write_stamped_binary(from, to, identity)) {
    std::fprintf(stderr, "fake-nginx-stamp: %s\n", error->c_str());
    return 1;
  }
  return 0;
}
