#include "harness/report/run_subject.h"

namespace hotdeploy::harness {

std::string describe_subject(const RunSubject& subject, std::size_t hash_chars) {
  if (subject.target.empty()) return "";
  std::string text = "on " + subject.target;
  for (std::size_t i = 0; i < subject.binaries.size(); ++i) {
    const auto& binary = subject.binaries[i];
    const auto hash = hash_chars == 0 ? binary.sha256 : binary.sha256.substr(0, hash_chars);
    text += (i == 0 ? ": " : "; ") + binary.role + ' ' + binary.path + " (" + binary.version + ", sha256 " + hash + ')';
  }
  return text;
}

std::string describe(const RunIsolation& isolation) {
  std::string line = "isolation: " + isolation.mode;
  if (!isolation.refused.empty()) line += " (" + isolation.refused + ")";
  line += ", network namespace: ";
  line += isolation.network_namespace ? "yes" : "no";
  if (!isolation.network_namespace && !isolation.network_refused.empty()) {
    line += " (" + isolation.network_refused + ")";
  }
  return line;
}

}  // namespace hotdeploy::harness
