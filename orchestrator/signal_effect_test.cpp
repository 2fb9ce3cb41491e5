#include "orchestrator/signal_effect.h"

#include <gtest/gtest.h>

#include <csignal>

namespace hotdeploy::orchestrator {
namespace {

using harness::ProcessRole;

const ProcessRecord kOldMaster{100, 1, ProcessRole::master, 1, 0, std::nullopt, -1};

ProcessTable table_with(std::vector<ProcessRecord> extra) {
  ProcessTable table;
  table.records = {kOldMaster, {101, 100, ProcessRole::worker, 1, 0, std::nullopt, -1}};
  for (auto& record : extra) table.records.push_back(record);
  return table;
}

SentSignal sent(const char* name, int number, int workers = 1) { return {name, number, kOldMaster, 1000, workers, {}}; }

TEST(SignalEffect, Usr2TakesEffectWhenTheMasterForksANewOne) {
  EXPECT_EQ(effect_seen(sent("USR2", SIGUSR2), table_with({})), false);
  EXPECT_EQ(effect_seen(sent("USR2", SIGUSR2), table_with({{200, 100, ProcessRole::master, 2, 1500, {}, -1}})), true);
  EXPECT_EQ(effect_seen(sent("USR2", SIGUSR2), table_with({{200, 100, ProcessRole::none, 0, 1500, {}, -1}})), true)
      << "a forked child not yet classified is the new binary process";
  EXPECT_EQ(effect_seen(sent("USR2", SIGUSR2), table_with({{200, 100, ProcessRole::master, 2, 500, {}, -1}})), false)
      << "a master born before the signal is not its effect";
}

TEST(SignalEffect, WinchTakesEffectWhenAWorkerExits) {
  EXPECT_EQ(effect_seen(sent("WINCH", SIGWINCH), table_with({})), false);
  auto table = table_with({});
  table.records[1].exited_ns = 2000;
  EXPECT_EQ(effect_seen(sent("WINCH", SIGWINCH), table), true);
  EXPECT_EQ(effect_seen(sent("WINCH", SIGWINCH, 0), table_with({})), std::nullopt)
      << "a master without workers has nothing to stop";
}

TEST(SignalEffect, HupTakesEffectWhenANewWorkerStarts) {
  EXPECT_EQ(effect_seen(sent("HUP", SIGHUP), table_with({})), false);
  EXPECT_EQ(effect_seen(sent("HUP", SIGHUP), table_with({{102, 100, ProcessRole::worker, 1, 1200, {}, -1}})), true);
}

TEST(SignalEffect, WhatFollowsTheSameSignalAgainIsTheLaterSignalsEffect) {
  auto failed_hup = sent("HUP", SIGHUP);
  failed_hup.superseded_ns = 1800;
  const auto table = table_with({{102, 100, ProcessRole::worker, 1, 1900, {}, -1}});
  EXPECT_EQ(effect_seen(failed_hup, table), false) << "the worker came after the second HUP";
  failed_hup.superseded_ns = 2000;
  EXPECT_EQ(effect_seen(failed_hup, table), true);
}

TEST(SignalEffect, QuitTakesEffectWhenTheMasterOrAWorkerExits) {
  EXPECT_EQ(effect_seen(sent("QUIT", SIGQUIT), table_with({})), false);
  auto table = table_with({});
  table.records[0].exited_ns = 3000;
  EXPECT_EQ(effect_seen(sent("QUIT", SIGQUIT), table), true);
}

TEST(SignalEffect, Usr1AndSignalsToWorkersAreNotJudged) {
  EXPECT_EQ(effect_seen(sent("USR1", SIGUSR1), table_with({})), std::nullopt);
  SentSignal to_worker = sent("KILL", SIGKILL);
  to_worker.target = {101, 100, ProcessRole::worker, 1, 0, std::nullopt, -1};
  EXPECT_EQ(effect_seen(to_worker, table_with({})), std::nullopt);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
