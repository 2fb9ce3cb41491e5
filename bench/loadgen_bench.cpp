// loadgen_bench: drives hotdeploy's load generator with keep-alive connections against a
// loopback HTTP server for a fixed time and prints the ok requests per second, the figure that
// bench/loadgen_vs_wrk compares with wrk's. Every request is recorded in the event log as in a
// real run (the log is reserved for the expected count up front). LOOPS is the number of event
// loop threads asked for (default: LoadGenerator::default_loops()).
//
//   loadgen_bench HOST PORT SECONDS CONNECTIONS [LOOPS]
//   -> "requests/s 123456.7 ok 617283 dropped 0 retried 0 loops 2"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

#include "harness/load/load_generator.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: loadgen_bench HOST PORT SECONDS CONNECTIONS [LOOPS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hotdeploy::harness;
  if (argc != 5 && argc != 6) return usage();
  try {
    const double seconds = std::stod(argv[3]);
    const int connections = std::stoi(argv[4]);
    const int port = std::stoi(argv[2]);
    const int loops = argc == 6 ? std::stoi(argv[5]) : LoadGenerator::default_loops();
    if (seconds <= 0 || seconds > 600 || connections <= 0 || port <= 0 || port > 65535 || loops < 1 || loops > 64) {
      return usage();
    }
    LoadConfig config;
    config.host = argv[1];
    config.port = static_cast<std::uint16_t>(port);
    config.keepalive.connections = connections;
    // Two events per request at up to 200,000 requests/s.
    config.reserve_events = static_cast<std::size_t>(seconds * 400'000) + 1024;
    RunClock clock;
    LoadGenerator generator(config, clock, loops);
    generator.start();
    const auto began = std::chrono::steady_clock::now();
    std::this_thread::sleep_until(began + std::chrono::duration<double>(seconds));
    const LoadProgress at_end = generator.progress();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    generator.stop(std::chrono::milliseconds{1000});
    if (const auto error = generator.error()) {
      std::fprintf(stderr, "loadgen_bench: %s\n", error->c_str());
      return 1;
    }
    const LoadProgress p = generator.progress();
    std::printf("requests/s %.1f ok %llu dropped %llu retried %llu loops %d\n",
                static_cast<double>(at_end.ok) / elapsed, static_cast<unsigned long long>(p.ok),
                static_cast<unsigned long long>(p.dropped), static_cast<unsigned long long>(p.retried),
                generator.loops());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen_bench: %s\n", e.what());
    return 1;
  }
}
