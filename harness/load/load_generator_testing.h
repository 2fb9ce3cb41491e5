// Helpers for tests that drive a LoadGenerator against the scripted loopback servers (test
// support, not in the library): a config with N keep-alive connections to a loopback port, a
// deadline-bounded wait on the generator's progress, the request_ended events of a log, and a
// check that a log is a well-formed client history.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "harness/history/history.h"
#include "harness/load/load_config.h"
#include "harness/load/load_generator.h"

namespace hotdeploy::harness::testing {

// How long a test waits for the generator to make the progress it asserts.
constexpr std::chrono::milliseconds kLoadWait{5000};

// Keep-alive load only: `connections` connections to 127.0.0.1:port.
[[nodiscard]] LoadConfig config_for(std::uint16_t port, int connections);

// Polls the generator's progress until pred holds or the timeout passes; reports the last
// progress seen on timeout.
[[nodiscard]] ::testing::AssertionResult wait_for_progress(const LoadGenerator& g,
                                                           const std::function<bool(const LoadProgress&)>& pred,
                                                           std::chrono::milliseconds timeout, const char* what);

// The request_ended events of the log, in order.
[[nodiscard]] std::vector<Event> ended(const EventLog& log);

// Checks that every event is a client event, timestamps never go backwards, and each request
// attempt has at most one request_sent followed by exactly one request_ended.
void expect_well_formed(const EventLog& log);

}  // namespace hotdeploy::harness::testing
