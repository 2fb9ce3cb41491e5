#include "orchestrator/signal_effect.h"

#include <csignal>

namespace hotdeploy::orchestrator {

using harness::ProcessRole;

namespace {

// Whether t_ns falls between the signal and the next one of its kind to the same process.
bool in_window(const SentSignal& signal, std::int64_t t_ns) {
  return t_ns >= signal.sent_ns && (!signal.superseded_ns || t_ns < *signal.superseded_ns);
}

bool child_born_after(const SentSignal& signal, const ProcessTable& table, ProcessRole role) {
  for (const auto& record : table.records) {
    if (record.parent == signal.target.pid && in_window(signal, record.born_ns) &&
        (record.role == role || (role == ProcessRole::master && record.role == ProcessRole::none))) {
      return true;
    }
  }
  return false;
}

bool worker_exited_after(const SentSignal& signal, const ProcessTable& table) {
  for (const auto& record : table.records) {
    if (record.parent == signal.target.pid && record.role == ProcessRole::worker && record.exited_ns &&
        in_window(signal, *record.exited_ns)) {
      return true;
    }
  }
  return false;
}

bool target_exited(const SentSignal& signal, const ProcessTable& table) {
  const auto* now = table.find(signal.target.pid);
  return now == nullptr || now->exited_ns.has_value();
}

}  // namespace

std::optional<bool> effect_seen(const SentSignal& signal, const ProcessTable& table) {
  if (signal.target.role != ProcessRole::master) return std::nullopt;
  switch (signal.number) {
    case SIGUSR2: return child_born_after(signal, table, ProcessRole::master);
    case SIGWINCH:
      if (signal.workers_at_send == 0) return std::nullopt;
      return worker_exited_after(signal, table);
    case SIGHUP: return child_born_after(signal, table, ProcessRole::worker);
    case SIGQUIT:
    case SIGTERM:
    case SIGINT:
    case SIGKILL: return target_exited(signal, table) || worker_exited_after(signal, table);
    default: return std::nullopt;
  }
}

std::string missing_effect(const SentSignal& signal) {
  switch (signal.number) {
    case SIGUSR2: return "no new master was forked";
    case SIGWINCH: return "none of its workers exited";
    case SIGHUP: return "no new worker was started";
    default: return "neither it nor any of its workers exited";
  }
}

}  // namespace hotdeploy::orchestrator
