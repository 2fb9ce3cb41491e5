#include "harness/judge/tls_metrics.h"

#include <gtest/gtest.h>

#include "harness/history/history.h"
#include "harness/judge/metrics.h"

namespace hotdeploy::harness {
namespace {

TEST(TlsMetricsTest, NoneWithoutTlsConnections) { EXPECT_FALSE(tls_metrics({}, 5)); }

TEST(TlsMetricsTest, CountsFullAndResumedAroundTheSwitchoverAndByGeneration) {
  const std::vector<TlsHandshakeSample> samples = {{1, 10, false, 1}, {2, 20, true, 1}, {3, 30, true, 1},
                                                   {4, 40, false, 2}, {5, 50, true, 2}, {6, 60, false, 0}};
  const auto m = tls_metrics(samples, 40);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->total, (HandshakeCounts{3, 3}));
  EXPECT_EQ(m->before_switchover, (HandshakeCounts{1, 2}));
  EXPECT_EQ(m->after_switchover, (HandshakeCounts{2, 1}));
  EXPECT_EQ(m->by_generation.at(1), (HandshakeCounts{1, 2}));
  EXPECT_EQ(m->by_generation.at(2), (HandshakeCounts{1, 1}));
  EXPECT_EQ(m->by_generation.at(0), (HandshakeCounts{1, 0}));
  EXPECT_EQ(tls_metrics(samples, std::nullopt)->after_switchover, (HandshakeCounts{0, 0}));
}

// From a history: a connection's generation is its first ok response's worker's.
TEST(TlsMetricsTest, ComputeMetricsAttributesEachConnectionToTheWorkerThatServedIt) {
  std::vector<Event> events;
  const auto born = [&](std::int64_t t, std::int32_t pid, std::int32_t parent, ProcessRole role, std::int32_t gen) {
    Event e;
    e.t_ns = t;
    e.type = EventType::process_born;
    e.pid = pid;
    e.parent_pid = parent;
    e.role = role;
    e.generation = gen;
    events.push_back(e);
  };
  const auto request = [&](std::int64_t t, std::uint64_t id, std::uint32_t connection, TlsHandshake handshake,
                           std::int32_t pid) {
    Event sent;
    sent.t_ns = t;
    sent.type = EventType::request_sent;
    sent.request_id = id;
    sent.connection_id = connection;
    sent.connect_ns = handshake == TlsHandshake::none ? 0 : 5;
    sent.reused = handshake == TlsHandshake::none;
    sent.handshake = handshake;
    events.push_back(sent);
    Event end = sent;
    end.t_ns = t + 1;
    end.type = EventType::request_ended;
    end.connect_ns = 0;
    end.handshake = TlsHandshake::none;
    end.outcome = Outcome::ok;
    end.status = 200;
    end.bytes = 10;
    end.pid = pid;
    events.push_back(end);
  };
  born(1, 100, 1, ProcessRole::master, 1);
  born(2, 101, 100, ProcessRole::worker, 1);
  born(3, 200, 100, ProcessRole::master, 2);
  born(4, 201, 200, ProcessRole::worker, 2);
  request(10, 1, 1, TlsHandshake::full, 101);
  request(20, 2, 1, TlsHandshake::none, 101);
  request(30, 3, 2, TlsHandshake::resumed, 201);
  const Metrics m = compute_metrics(History::from_events(std::move(events)));
  ASSERT_TRUE(m.tls);
  EXPECT_EQ(m.tls->total, (HandshakeCounts{1, 1}));
  EXPECT_EQ(m.tls->by_generation.at(1), (HandshakeCounts{1, 0}));
  EXPECT_EQ(m.tls->by_generation.at(2), (HandshakeCounts{0, 1}));
  EXPECT_EQ(m.tls->before_switchover, (HandshakeCounts{1, 1})) << "no USR2: no switchover";
}

}  // namespace
}  // namespace hotdeploy::harness
