#include "orchestrator/run_isolation_mounts.h"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include "orchestrator/environment_error.h"

namespace hotdeploy::orchestrator {

void bind_mount(const std::filesystem::path& from, const std::filesystem::path& onto) {
  if (::mount(from.c_str(), onto.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    throw EnvironmentError("cannot mount " + from.string() + " over " + onto.string() +
                           " in the run's mount namespace: " + std::strerror(errno));
  }
}

}  // namespace hotdeploy::orchestrator
