// fake-nginx: a stand-in for nginx's master/worker process model (see fakes/README.md).
#include "nginx_main.h"
#include "version_label.h"

int main(int argc, char **argv) {
  return hotdeploy::fakes::nginx_main(argc, argv, std::string(hotdeploy::fakes::default_version_label));
}
