#include "orchestrator/process_table.h"

#include <algorithm>
#include <sstream>

namespace hotdeploy::orchestrator {

using harness::ProcessRole;

const ProcessRecord* ProcessTable::find(pid_t pid) const {
  for (const auto& record : records) {
    if (record.pid == pid) return &record;
  }
  return nullptr;
}

ProcessRecord* ProcessTable::find(pid_t pid) {
  for (auto& record : records) {
    if (record.pid == pid) return &record;
  }
  return nullptr;
}

std::vector<ProcessRecord> ProcessTable::live_masters() const {
  std::vector<ProcessRecord> masters;
  for (const auto& record : records) {
    if (record.role == ProcessRole::master && !record.exited_ns) masters.push_back(record);
  }
  std::sort(masters.begin(), masters.end(), [](const auto& a, const auto& b) { return a.generation < b.generation; });
  return masters;
}

const ProcessRecord* ProcessTable::master_of_generation(int generation) const {
  for (const auto& record : records) {
    if (record.role == ProcessRole::master && record.generation == generation) return &record;
  }
  return nullptr;
}

int ProcessTable::live_workers_of(pid_t master) const {
  return static_cast<int>(std::count_if(records.begin(), records.end(), [&](const auto& r) {
    return r.role == ProcessRole::worker && r.parent == master && !r.exited_ns;
  }));
}

int ProcessTable::max_generation() const {
  int highest = 0;
  for (const auto& record : records) {
    if (record.role == ProcessRole::master) highest = std::max(highest, record.generation);
  }
  return highest;
}

std::string ProcessTable::describe() const {
  std::ostringstream out;
  bool any_master = false;
  for (const auto& record : records) {
    if (record.role != ProcessRole::master) continue;
    out << (any_master ? "; " : "") << "generation " << record.generation << " master " << record.pid;
    if (record.exited_ns) {
      out << " exited";
      if (record.exit_code >= 0) out << " (code " << record.exit_code << ")";
    } else {
      out << " with " << live_workers_of(record.pid) << " live workers";
    }
    any_master = true;
  }
  if (!any_master) out << "no master seen";
  out << "; nginx.pid " << (pid_file ? std::to_string(*pid_file) : std::string("absent"));
  out << ", nginx.pid.oldbin " << (oldbin_file ? std::to_string(*oldbin_file) : std::string("absent"));
  return out.str();
}

}  // namespace hotdeploy::orchestrator
