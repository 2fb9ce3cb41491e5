// report.html: one run's History and Judgement as a single self-contained HTML page, the file a
// person opens when a run fails. It needs no network (CSS and SVG inline, no scripts, no fonts)
// and shows, top to bottom: the verdict, what ran (target and binaries), the checks and the
// metrics; a timeline of requests (per time bucket, stacked ok by serving generation / retried / dropped) with a marker
// for every signal_sent and binary_swapped and the transition windows shaded; one lifeline per process; a close-up of
// the same around the transition windows when they are a small part of a long run; the judge's phases (metrics.h:
// requests, drops and latency); connect latency by phase; the orchestrator's run events; the error.log lines.
//
// Promises: every number the judge computed is rendered from the Judgement, never recomputed;
// every string that comes from the history, the judgement or the scenario is
// HTML-escaped (html_escape); the work is linear in the history and the page's size does not
// grow with the number of requests (they are aggregated into at most kMaxBuckets buckets; the
// process, event and log lists are capped and say how much they left out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/history/history.h"
#include "harness/judge/checks.h"
#include "harness/report/run_subject.h"

namespace hotdeploy::harness {

// text with & < > " ' replaced by character references and every byte that is not part of a
// well-formed UTF-8 sequence replaced by U+FFFD, so it is safe as element content and as a
// quoted attribute value.
[[nodiscard]] std::string html_escape(std::string_view text);

inline constexpr std::size_t kMaxBuckets = 600;

// The requests of a run counted per time bucket. Each request (request_id) is counted once, in
// the bucket where its final attempt ended: as ok under the generation of the worker that served
// it (0 when the pid has no known generation), as retried when the final attempt (2) ended ok, or
// as dropped when it ended fail or info. A final attempt that never ended is dropped, counted
// where it was sent.
struct RequestBucket {
  std::map<std::int32_t, std::uint64_t> ok_by_generation;
  std::uint64_t retried = 0;
  std::uint64_t dropped = 0;

  [[nodiscard]] std::uint64_t total() const;
};

struct RequestTimeline {
  std::int64_t from_ns = 0;
  std::int64_t bucket_ns = 0;             // 1, 2 or 5 times a power of ten, at least 1 ms
  std::vector<std::int32_t> generations;  // ascending: every generation that served an ok
  std::vector<RequestBucket> buckets;     // bucket i covers [from_ns + i * bucket_ns, from_ns + (i + 1) * bucket_ns)
};

// Buckets cover from_ns .. to_ns (a request counted at to_ns goes in the last one; requests counted
// outside are left out); there are at least 1 and at most max(max_buckets, 1).
[[nodiscard]] RequestTimeline bucket_requests(const History& history, std::int64_t from_ns, std::int64_t to_ns,
                                              std::size_t max_buckets = kMaxBuckets);
// The whole run: 0 .. the last event's t_ns.
[[nodiscard]] RequestTimeline bucket_requests(const History& history, std::size_t max_buckets = kMaxBuckets);

void write_report_html(std::string_view scenario_name, const RunSubject& subject, const History& history,
                       const Judgement& judgement, std::ostream& out);

}  // namespace hotdeploy::harness
