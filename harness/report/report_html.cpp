#include "harness/report/report_html.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <optional>
#include <ostream>
#include <set>
#include <unordered_map>

#include "harness/history/utf8.h"
#include "harness/judge/generations.h"
#include "harness/report/result_file.h"

namespace hotdeploy::harness {
namespace {

// ---------------------------------------------------------------------------------------------
// Formatting

std::string fixed(double value, int decimals) {
  std::array<char, 64> buffer{};
  const int n = std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, value);
  return std::string(buffer.data(), static_cast<std::size_t>(std::clamp(n, 0, 63)));
}

double to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string ms_text(std::int64_t ns) { return fixed(to_ms(ns), 1); }

std::string signal_name(const Event& e) { return std::string(to_string(e.signal)); }

// Fill colours: one per generation (cycling), then the fixed series.
constexpr std::array<std::string_view, 5> kGenerationColours = {"#3b73d9", "#2da44e", "#8250df", "#0e8a8a", "#8a5a2b"};
constexpr std::string_view kUnknownColour = "#8c959f";
constexpr std::string_view kRetriedColour = "#f08c00";
constexpr std::string_view kDroppedColour = "#d1242f";

std::string_view generation_colour(std::int32_t generation) {
  if (generation <= 0) return kUnknownColour;
  return kGenerationColours[static_cast<std::size_t>(generation - 1) % kGenerationColours.size()];
}

std::string generation_label(std::int32_t generation) {
  return generation <= 0 ? std::string("unknown generation") : "generation " + std::to_string(generation);
}

// ---------------------------------------------------------------------------------------------
// Shared time axis: every chart maps 0 .. end_ns onto the same horizontal pixels, so the timeline
// and the lifelines line up.

constexpr double kSvgWidth = 1200;
constexpr double kPlotLeft = 170;
constexpr double kPlotWidth = 920;

struct TimeAxis {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 1;  // > start_ns
  [[nodiscard]] double x(std::int64_t t_ns) const {
    const auto t = std::clamp<std::int64_t>(t_ns, start_ns, end_ns) - start_ns;
    return kPlotLeft + kPlotWidth * static_cast<double>(t) / static_cast<double>(end_ns - start_ns);
  }
  [[nodiscard]] bool contains(std::int64_t t_ns) const { return t_ns >= start_ns && t_ns <= end_ns; }
};

std::int64_t history_end_ns(const History& history) { return history.empty() ? 0 : history.events().back().t_ns; }

TimeAxis axis_for(const History& history) { return TimeAxis{0, std::max<std::int64_t>(history_end_ns(history), 1)}; }

// The smallest of 1, 2, 5 x 10^k ns (at least `floor_ns`) that cuts span_ns into at most `count` pieces.
std::int64_t nice_step(std::int64_t span_ns, std::size_t count, std::int64_t floor_ns) {
  const auto pieces = static_cast<std::int64_t>(std::max<std::size_t>(count, 1));
  for (std::int64_t unit = 1;; unit *= 10) {
    for (const std::int64_t m : {1, 2, 5}) {
      const std::int64_t step = m * unit;
      if (step >= floor_ns && (span_ns + step - 1) / step <= pieces) return step;
    }
  }
}

std::string svg_text(double x, double y, std::string_view css_class, std::string_view anchor,
                     std::string_view escaped_text) {
  return "<text x=\"" + fixed(x, 1) + "\" y=\"" + fixed(y, 1) + "\" class=\"" + std::string(css_class) +
         "\" text-anchor=\"" + std::string(anchor) + "\">" + std::string(escaped_text) + "</text>";
}

// "250 ms", or "20 s" once the ticks are whole seconds apart.
std::string tick_label(std::int64_t t_ns, std::int64_t step_ns) {
  return step_ns >= 1'000'000'000 ? fixed(static_cast<double>(t_ns) / 1e9, 0) + " s" : fixed(to_ms(t_ns), 0) + " ms";
}

// Vertical grid lines from y_top to y_bottom, labelled at label_y.
void write_time_ticks(std::ostream& out, const TimeAxis& axis, double y_top, double y_bottom, double label_y) {
  const std::int64_t step = nice_step(axis.end_ns - axis.start_ns, 10, 1'000'000);
  for (std::int64_t t = (axis.start_ns + step - 1) / step * step; t <= axis.end_ns; t += step) {
    const double x = axis.x(t);
    out << "<line class=\"grid\" x1=\"" << fixed(x, 1) << "\" x2=\"" << fixed(x, 1) << "\" y1=\"" << fixed(y_top, 1)
        << "\" y2=\"" << fixed(y_bottom, 1) << "\"/>" << svg_text(x, label_y, "tick", "middle", tick_label(t, step))
        << '\n';
  }
}

// ---------------------------------------------------------------------------------------------
// Markers and transition windows

struct Marker {
  std::int64_t t_ns = 0;
  std::string label;   // raw, escaped when written
  std::string detail;  // raw
  bool swap = false;
};

std::vector<Marker> markers(const History& history, const Generations& generations) {
  std::vector<Marker> result;
  for (const Event& e : history.events()) {
    if (e.type == EventType::signal_sent) {
      const std::int32_t generation = e.generation > 0 ? e.generation : generations.of_master(e.pid).value_or(0);
      std::string label = signal_name(e);
      if (generation > 0) label += " → g" + std::to_string(generation);
      result.push_back({e.t_ns, std::move(label),
                        signal_name(e) + " sent to pid " + std::to_string(e.pid) + " (" + generation_label(generation) +
                            ") at " + ms_text(e.t_ns) + " ms",
                        false});
    } else if (e.type == EventType::binary_swapped) {
      result.push_back(
          {e.t_ns, "swap " + e.text, "binary swapped (" + e.text + ") at " + ms_text(e.t_ns) + " ms", true});
    }
  }
  return result;
}

struct Window {
  std::int64_t from_ns = 0;
  std::int64_t to_ns = 0;
  std::string detail;  // raw
};

// The judge's transition window (Metrics::transition_window, where blackout_ms is measured):
// the report shades it and never works out one of its own.
std::vector<Window> transition_windows(const Metrics& metrics) {
  if (!metrics.transition_window) return {};
  const TransitionWindow& t = *metrics.transition_window;
  const std::string until = t.ends_at_drain ? "the drain ended at " + ms_text(t.to_ns) + " ms"
                                            : "the last signal (" + std::string(to_string(t.last_signal)) + ") at " +
                                                  ms_text(t.to_ns) + " ms";
  return {{t.from_ns, t.to_ns,
           "transition window, where blackout_ms is measured: " + std::string(to_string(t.opened_by)) + " at " +
               ms_text(t.from_ns) + " ms until " + until}};
}

void write_windows(std::ostream& out, const std::vector<Window>& windows, const TimeAxis& axis, double y_top,
                   double y_bottom) {
  for (const Window& w : windows) {
    const double x = axis.x(w.from_ns);
    out << "<rect class=\"window\" data-from-ns=\"" << w.from_ns << "\" data-to-ns=\"" << w.to_ns << "\" x=\""
        << fixed(x, 1) << "\" y=\"" << fixed(y_top, 1) << "\" width=\"" << fixed(std::max(axis.x(w.to_ns) - x, 1.0), 1)
        << "\" height=\"" << fixed(y_bottom - y_top, 1) << "\"><title>" << html_escape(w.detail) << "</title></rect>\n";
  }
}

void write_marker_lines(std::ostream& out, const std::vector<Marker>& list, const TimeAxis& axis, double y_top,
                        double y_bottom) {
  for (const Marker& m : list) {
    const double x = axis.x(m.t_ns);
    out << "<line class=\"" << (m.swap ? "swap-line" : "signal-line") << "\" x1=\"" << fixed(x, 1) << "\" x2=\""
        << fixed(x, 1) << "\" y1=\"" << fixed(y_top, 1) << "\" y2=\"" << fixed(y_bottom, 1) << "\"/>\n";
  }
}

// Label rows above the plot: each marker's label goes on the first row where it does not overlap
// the previous label of that row, opening rows up to kMaxLabelRows (then the least crowded).
constexpr std::size_t kMaxLabelRows = 8;
constexpr double kLabelRowHeight = 15;
constexpr double kCharWidth = 8;  // generous for 12px bold capitals

double label_width(std::string_view label) {
  const auto code_points = std::count_if(label.begin(), label.end(), [](char c) { return (c & 0xc0) != 0x80; });
  return kCharWidth * static_cast<double>(code_points);
}

std::vector<std::size_t> label_rows(const std::vector<Marker>& list, const TimeAxis& axis) {
  std::vector<double> row_end;
  std::vector<std::size_t> rows;
  for (const Marker& m : list) {
    const double x = axis.x(m.t_ns);
    auto row = std::find_if(row_end.begin(), row_end.end(), [&](double end) { return end + 4 < x; });
    if (row == row_end.end() && row_end.size() < kMaxLabelRows) {
      row_end.push_back(0);
      row = row_end.end() - 1;
    } else if (row == row_end.end()) {
      row = std::min_element(row_end.begin(), row_end.end());
    }
    *row = x + label_width(m.label);
    rows.push_back(static_cast<std::size_t>(row - row_end.begin()));
  }
  return rows;
}

void write_marker_labels(std::ostream& out, const std::vector<Marker>& list, const std::vector<std::size_t>& rows,
                         const TimeAxis& axis, double y_bottom) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Marker& m = list[i];
    const double x = axis.x(m.t_ns);
    const double y = kLabelRowHeight * static_cast<double>(rows[i] + 1);
    out << "<g class=\"marker\" data-kind=\"" << (m.swap ? "swap" : "signal") << "\" data-label=\""
        << html_escape(m.label) << "\"><title>" << html_escape(m.detail) << "</title>"
        << "<line class=\"" << (m.swap ? "swap-line" : "signal-line") << "\" x1=\"" << fixed(x, 1) << "\" x2=\""
        << fixed(x, 1) << "\" y1=\"" << fixed(y - 11, 1) << "\" y2=\"" << fixed(y_bottom, 1) << "\"/>"
        << svg_text(x + 2, y, m.swap ? "swap-label" : "signal-label", "start", html_escape(m.label)) << "</g>\n";
  }
}

// ---------------------------------------------------------------------------------------------
// Requests timeline

constexpr double kTimelineHeight = 240;
constexpr double kMinSegment = 2;   // px: a non-zero count never disappears
constexpr double kStripHeight = 9;  // the retried and dropped strips under the plot
constexpr double kStripGap = 4;

struct Series {
  std::string css_class;
  std::string_view colour;
  std::string label;
  std::string path;  // SVG path data
};

std::vector<Series> timeline_series(const RequestTimeline& timeline) {
  std::vector<Series> series;
  for (const std::int32_t g : timeline.generations) {
    series.push_back({"ok", generation_colour(g), "ok, " + generation_label(g), {}});
  }
  series.push_back({"retried", kRetriedColour, "retried (ok on attempt 2)", {}});
  series.push_back({"dropped", kDroppedColour, "dropped (fail or info)", {}});
  return series;
}

std::vector<std::uint64_t> bucket_counts(const RequestTimeline& timeline, const RequestBucket& bucket) {
  std::vector<std::uint64_t> counts;
  for (const std::int32_t g : timeline.generations) {
    const auto it = bucket.ok_by_generation.find(g);
    counts.push_back(it == bucket.ok_by_generation.end() ? 0 : it->second);
  }
  counts.push_back(bucket.retried);
  counts.push_back(bucket.dropped);
  return counts;
}

std::uint64_t largest_bucket(const RequestTimeline& timeline) {
  std::uint64_t largest = 0;
  for (const RequestBucket& b : timeline.buckets) largest = std::max(largest, b.total());
  return largest;
}

std::string bucket_title(const RequestTimeline& timeline, std::size_t i, const std::vector<Series>& series,
                         const std::vector<std::uint64_t>& counts) {
  const auto from = timeline.from_ns + static_cast<std::int64_t>(i) * timeline.bucket_ns;
  std::string title = ms_text(from) + " – " + ms_text(from + timeline.bucket_ns) + " ms:";
  for (std::size_t s = 0; s < series.size(); ++s) {
    if (counts[s] > 0) title += "\n" + series[s].label + ": " + std::to_string(counts[s]);
  }
  return title;
}

void write_timeline_bars(std::ostream& out, const RequestTimeline& timeline, const TimeAxis& axis,
                         std::vector<Series>& series, double top, double y_max) {
  const double bottom = top + kTimelineHeight;
  std::string hover;
  for (std::size_t i = 0; i < timeline.buckets.size(); ++i) {
    const auto counts = bucket_counts(timeline, timeline.buckets[i]);
    const auto from = timeline.from_ns + static_cast<std::int64_t>(i) * timeline.bucket_ns;
    const double x = axis.x(from);
    const double w = std::max(axis.x(from + timeline.bucket_ns) - x, 0.5);
    double y = bottom;
    for (std::size_t s = 0; s < series.size(); ++s) {
      if (counts[s] == 0) continue;
      const double h = std::max(kMinSegment, kTimelineHeight * static_cast<double>(counts[s]) / y_max);
      y -= h;
      series[s].path +=
          "M" + fixed(x, 2) + " " + fixed(y, 2) + "h" + fixed(w, 2) + "v" + fixed(h, 2) + "h" + fixed(-w, 2) + "z";
    }
    if (timeline.buckets[i].total() == 0) continue;
    hover += "<rect class=\"hover\" x=\"" + fixed(x, 2) + "\" y=\"" + fixed(top, 1) + "\" width=\"" + fixed(w, 2) +
             "\" height=\"" + fixed(kTimelineHeight, 1) + "\"><title>" +
             html_escape(bucket_title(timeline, i, series, counts)) + "</title></rect>";
  }
  for (const Series& s : series) {
    if (s.path.empty()) continue;
    out << "<path class=\"series " << s.css_class << "\" fill=\"" << s.colour << "\" d=\"" << s.path << "\"/>\n";
  }
  out << hover << '\n';
}

void write_count_ticks(std::ostream& out, double top, double y_max) {
  for (const double fraction : {0.0, 0.5, 1.0}) {
    const double y = top + kTimelineHeight * (1 - fraction);
    out << "<line class=\"grid\" x1=\"" << kPlotLeft << "\" x2=\"" << kPlotLeft + kPlotWidth << "\" y1=\""
        << fixed(y, 1) << "\" y2=\"" << fixed(y, 1) << "\"/>"
        << svg_text(kPlotLeft - 6, y + 4, "tick", "end", fixed(y_max * fraction, 0)) << '\n';
  }
}

void write_legend(std::ostream& out, const std::vector<Series>& series) {
  out << "<div class=\"legend\">";
  for (const Series& s : series) {
    out << "<span><i style=\"background:" << s.colour << "\"></i>" << html_escape(s.label) << "</span>";
  }
  out << "<span><i class=\"window-swatch\"></i>transition window (USR2 → old or new master exit)</span>"
      << "<span><i class=\"signal-swatch\"></i>signal</span><span><i class=\"swap-swatch\"></i>binary swap</span>"
      << "</div>\n";
}

// A strip under the plot with a mark over every bucket where count(bucket) > 0, so that a single
// retried or dropped request stays visible next to thousands of ok ones.
template <typename Count>
void write_strip(std::ostream& out, const RequestTimeline& timeline, const TimeAxis& axis, double y,
                 std::string_view name, std::string_view colour, Count count) {
  out << svg_text(kPlotLeft - 6, y + kStripHeight - 1, "tick", "end", name) << "<rect class=\"strip\" x=\"" << kPlotLeft
      << "\" y=\"" << fixed(y, 1) << "\" width=\"" << kPlotWidth << "\" height=\"" << kStripHeight << "\"/>";
  for (std::size_t i = 0; i < timeline.buckets.size(); ++i) {
    const std::uint64_t n = count(timeline.buckets[i]);
    if (n == 0) continue;
    const auto from = timeline.from_ns + static_cast<std::int64_t>(i) * timeline.bucket_ns;
    const double x = axis.x(from);
    out << "<rect class=\"strip-mark\" x=\"" << fixed(x, 2) << "\" y=\"" << fixed(y, 1) << "\" width=\""
        << fixed(std::max(axis.x(from + timeline.bucket_ns) - x, 2.0), 2) << "\" height=\"" << kStripHeight
        << "\" fill=\"" << colour << "\"><title>" << n << " " << name << " at " << ms_text(from) << " – "
        << ms_text(from + timeline.bucket_ns) << " ms</title></rect>";
  }
  out << '\n';
}

// The transition windows with a quarter of their extent added on each side, when that is under
// a third of the run (a short blackout would be lost in the whole run's buckets); else nullopt.
std::optional<TimeAxis> close_up(const std::vector<Window>& windows, const TimeAxis& whole) {
  if (windows.empty()) return std::nullopt;
  std::int64_t from = whole.end_ns;
  std::int64_t to = whole.start_ns;
  for (const Window& w : windows) {
    from = std::min(from, w.from_ns);
    to = std::max(to, w.to_ns);
  }
  const std::int64_t margin = std::max<std::int64_t>((to - from) / 4, 1'000'000);
  const TimeAxis zoom{std::max(whole.start_ns, from - margin), std::min(whole.end_ns, to + margin)};
  if (zoom.end_ns <= zoom.start_ns || 3 * (zoom.end_ns - zoom.start_ns) >= whole.end_ns - whole.start_ns) {
    return std::nullopt;
  }
  return zoom;
}

struct ChartTitle {
  std::string_view id;
  std::string_view heading;
};

void write_timeline(std::ostream& out, ChartTitle title, const RequestTimeline& timeline, const TimeAxis& axis,
                    const std::vector<Marker>& all_marks, const std::vector<Window>& windows) {
  std::vector<Marker> marks;
  std::copy_if(all_marks.begin(), all_marks.end(), std::back_inserter(marks),
               [&](const Marker& m) { return axis.contains(m.t_ns); });
  auto series = timeline_series(timeline);
  const double y_max = static_cast<double>(std::max<std::uint64_t>(largest_bucket(timeline), 1));
  const auto rows = label_rows(marks, axis);
  const std::size_t row_count = rows.empty() ? 1 : *std::max_element(rows.begin(), rows.end()) + 1;
  const double top = kLabelRowHeight * static_cast<double>(row_count) + 8;
  const double bottom = top + kTimelineHeight;
  const double retried_strip = bottom + kStripGap + 2;
  const double dropped_strip = retried_strip + kStripHeight + kStripGap;
  const double tick_labels = dropped_strip + kStripHeight + 14;
  out << "<h2>" << title.heading << "</h2>\n<p class=\"note\">" << ms_text(axis.start_ns) << " – "
      << ms_text(axis.end_ns) << " ms. Requests per " << ms_text(timeline.bucket_ns)
      << " ms bucket, counted where their final attempt ended; hover a column for its counts.</p>\n";
  write_legend(out, series);
  out << "<svg class=\"chart\" id=\"" << title.id << "\" viewBox=\"0 0 " << kSvgWidth << " " << tick_labels + 8
      << "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"" << title.heading << "\">\n";
  write_windows(out, windows, axis, top, bottom);
  write_count_ticks(out, top, y_max);
  write_time_ticks(out, axis, top, bottom, tick_labels);
  write_timeline_bars(out, timeline, axis, series, top, y_max);
  write_strip(out, timeline, axis, retried_strip, "retried", kRetriedColour,
              [](const RequestBucket& b) { return b.retried; });
  write_strip(out, timeline, axis, dropped_strip, "dropped", kDroppedColour,
              [](const RequestBucket& b) { return b.dropped; });
  if (largest_bucket(timeline) == 0) {
    out << svg_text(kPlotLeft + kPlotWidth / 2, top + kTimelineHeight / 2, "empty", "middle",
                    "no requests were recorded");
  }
  write_marker_labels(out, marks, rows, axis, bottom);
  out << svg_text(kPlotLeft - 40, top + kTimelineHeight / 2, "axis-title", "end", "requests") << "</svg>\n";
}

// ---------------------------------------------------------------------------------------------
// Process lifelines

constexpr std::size_t kMaxLifelines = 200;
constexpr double kLifelineRow = 17;

struct Lifeline {
  std::int32_t pid = 0;
  std::int32_t generation = 0;
  ProcessRole role = ProcessRole::none;
  std::int64_t born_ns = 0;
  std::optional<std::int64_t> exited_ns;
  std::int32_t exit_code = -1;
};

std::int32_t generation_of(const Event& e, const Generations& generations) {
  if (e.generation > 0) return e.generation;
  if (e.role == ProcessRole::master) return generations.of_master(e.pid).value_or(0);
  if (e.role == ProcessRole::worker) return generations.of_worker(e.pid).value_or(0);
  return 0;
}

int role_rank(ProcessRole role) { return role == ProcessRole::master ? 0 : role == ProcessRole::worker ? 1 : 2; }

// One per process_born (an exit without a recorded birth starts at 0), grouped by generation
// (unknown last), masters before workers, then by birth.
std::vector<Lifeline> lifelines(const History& history, const Generations& generations) {
  std::vector<Lifeline> result;
  std::unordered_map<std::int32_t, std::size_t> latest;  // pid -> index of its latest lifeline
  for (const Event& e : history.events()) {
    if (e.type == EventType::process_born) {
      latest[e.pid] = result.size();
      result.push_back({e.pid, generation_of(e, generations), e.role, e.t_ns, std::nullopt, -1});
    } else if (e.type == EventType::process_exited) {
      const auto it = latest.find(e.pid);
      if (it == latest.end() || result[it->second].exited_ns) {
        latest[e.pid] = result.size();
        result.push_back({e.pid, generation_of(e, generations), e.role, 0, std::nullopt, -1});
      }
      Lifeline& line = result[latest[e.pid]];
      line.exited_ns = e.t_ns;
      line.exit_code = e.exit_code;
    }
  }
  const auto group = [](const Lifeline& l) {
    return l.generation > 0 ? l.generation : std::numeric_limits<std::int32_t>::max();
  };
  std::stable_sort(result.begin(), result.end(), [&](const Lifeline& a, const Lifeline& b) {
    if (group(a) != group(b)) return group(a) < group(b);
    if (role_rank(a.role) != role_rank(b.role)) return role_rank(a.role) < role_rank(b.role);
    return a.born_ns < b.born_ns;
  });
  return result;
}

std::string exit_text(const Lifeline& line) {
  if (!line.exited_ns) return "alive at end";
  if (line.exit_code < 0) return "exit ?";
  if (line.exit_code > 128)
    return "exit " + std::to_string(line.exit_code) + " (signal " + std::to_string(line.exit_code - 128) + ")";
  return "exit " + std::to_string(line.exit_code);
}

std::string group_label(std::int32_t generation) {
  return generation > 0 ? generation_label(generation) : "other (no generation: launcher, unknown)";
}

std::string role_text(ProcessRole role) { return role == ProcessRole::none ? "process" : std::string(to_string(role)); }

void write_lifeline(std::ostream& out, const Lifeline& line, const TimeAxis& axis, double y) {
  const double x0 = axis.x(line.born_ns);
  const double x1 = axis.x(line.exited_ns.value_or(axis.end_ns));
  const bool master = line.role == ProcessRole::master;
  const double h = master ? 11 : 7;
  const std::string label = role_text(line.role) + " " + std::to_string(line.pid);
  const bool bad_exit = line.exited_ns && line.exit_code != 0;
  out << "<g class=\"lifeline\" data-pid=\"" << line.pid << "\"><title>"
      << html_escape(label + ", " + generation_label(line.generation) + ": born " + ms_text(line.born_ns) + " ms, " +
                     (line.exited_ns ? "exited " + ms_text(*line.exited_ns) + " ms, " : std::string()) +
                     exit_text(line))
      << "</title>" << svg_text(kPlotLeft - 8, y + 4, master ? "proc-label master" : "proc-label", "end", label)
      << "<rect x=\"" << fixed(x0, 1) << "\" y=\"" << fixed(y - h / 2, 1) << "\" width=\""
      << fixed(std::max(x1 - x0, 1.5), 1) << "\" height=\"" << h << "\" rx=\"2\" fill=\""
      << generation_colour(line.generation) << "\"" << (master ? "" : " fill-opacity=\"0.7\"") << "/>"
      << svg_text(x1 + 5, y + 4, bad_exit ? "exit bad" : "exit", "start", exit_text(line)) << "</g>\n";
}

void write_lifelines(std::ostream& out, const History& history, const Generations& generations, const TimeAxis& axis,
                     const std::vector<Marker>& marks, const std::vector<Window>& windows) {
  const auto all = lifelines(history, generations);
  const std::size_t shown = std::min(all.size(), kMaxLifelines);
  out << "<h2>Processes</h2>\n";
  if (all.empty()) {
    out << "<p class=\"note\">No process was recorded.</p>\n";
    return;
  }
  std::size_t groups = 0;
  for (std::size_t i = 0; i < shown; ++i) groups += (i == 0 || all[i].generation != all[i - 1].generation) ? 1 : 0;
  const double top = 10;
  const double bottom = top + kLifelineRow * static_cast<double>(shown + groups);
  out << "<svg class=\"chart\" id=\"lifelines\" viewBox=\"0 0 " << kSvgWidth << " " << bottom + 30
      << "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"process lifelines\">\n";
  write_windows(out, windows, axis, top, bottom);
  write_time_ticks(out, axis, top, bottom, bottom + 14);
  write_marker_lines(out, marks, axis, top, bottom);
  double y = top;
  for (std::size_t i = 0; i < shown; ++i) {
    if (i == 0 || all[i].generation != all[i - 1].generation) {
      y += kLifelineRow;
      out << svg_text(8, y - 3, "group", "start", group_label(all[i].generation));
    }
    y += kLifelineRow;
    write_lifeline(out, all[i], axis, y - kLifelineRow / 2);
  }
  out << "</svg>\n";
  if (all.size() > shown) {
    out << "<p class=\"note\">" << all.size() - shown << " more processes not shown.</p>\n";
  }
}

// ---------------------------------------------------------------------------------------------
// Tables and lists

void write_head(std::ostream& out, std::string_view title) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" << html_escape(title)
      << " · hotdeploy report</title>\n<style>\n"
      << "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;margin:0 auto;"
         "padding:16px 24px 40px;max-width:1240px}\n"
         "h1{font-size:22px;margin:4px 0 8px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #d0d7de;"
         "padding-bottom:3px}\n"
         "table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:3px 9px;"
         "text-align:left;vertical-align:top}th{background:#f6f8fa}td.num{text-align:right;"
         "font-variant-numeric:tabular-nums}\n"
         ".badge{display:inline-block;padding:1px 9px;border-radius:10px;color:#fff;font-weight:600;"
         "text-transform:uppercase;font-size:12px}\n"
         ".badge.pass{background:#1a7f37}.badge.unknown{background:#9a6700}.badge.fail{background:#cf222e}\n"
         "h1 .badge{font-size:16px;vertical-align:middle}\n"
         ".note{color:#59636e;margin:2px 0 6px}.summary{font-size:15px}\n"
         ".legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0}.legend i{display:inline-block;width:12px;"
         "height:12px;margin-right:5px;vertical-align:-1px;border-radius:2px}\n"
         ".window-swatch{background:#fff1c2;border:1px solid "
         "#e6c86e}.signal-swatch{background:#1f2328;width:2px!important}"
         ".swap-swatch{background:#9a6700;width:2px!important}\n"
         "svg.chart{width:100%;height:auto;display:block;font-family:system-ui,sans-serif}\n"
         "svg .grid{stroke:#eaeef2;stroke-width:1}svg .tick{font-size:11px;fill:#59636e}\n"
         "svg .strip{fill:#f6f8fa;stroke:#d0d7de;stroke-width:.5}svg .window{fill:#fff1c2;fill-opacity:.75}svg "
         ".hover{fill:transparent}svg .hover:hover{fill:#0001}\n"
         "svg .signal-line{stroke:#1f2328;stroke-width:1.2;stroke-dasharray:4 3}"
         "svg .swap-line{stroke:#9a6700;stroke-width:1.2;stroke-dasharray:2 2}\n"
         "svg .signal-label{font-size:12px;font-weight:600;fill:#1f2328}svg .swap-label{font-size:12px;fill:#9a6700}\n"
         "svg .signal-label,svg .swap-label{paint-order:stroke;stroke:#fff;stroke-width:3px}\n"
         "svg .empty{font-size:15px;fill:#59636e}svg .axis-title{font-size:12px;fill:#59636e}\n"
         "svg .proc-label{font-size:12px;fill:#1f2328}svg .proc-label.master{font-weight:600}"
         "svg .group{font-size:12px;font-weight:600;fill:#59636e}\n"
         "svg .exit{font-size:11px;fill:#59636e}svg .exit.bad{fill:#cf222e;font-weight:600}\n"
         ".scroll{max-height:380px;overflow:auto;border:1px solid #d0d7de}.scroll table{margin:0;width:100%}"
         ".scroll td{border-width:0 0 1px 0;font:12px/1.4 ui-monospace,'DejaVu Sans Mono',monospace;"
         "white-space:pre-wrap;word-break:break-all}.scroll th{position:sticky;top:0;border-width:0 0 1px 0}.scroll "
         "td.num{width:90px;white-space:nowrap}\n"
         "tr.sev-error td{background:#ffebe9}tr.sev-warn td{background:#fff8c5}\n"
      << "</style>\n</head>\n<body>\n";
}

void write_verdict(std::ostream& out, std::string_view scenario_name, const RunSubject& subject, const History& history,
                   const Judgement& judgement) {
  const Metrics& m = judgement.metrics;
  out << "<h1>" << html_escape(scenario_name) << " <span class=\"badge " << to_string(judgement.verdict) << "\">"
      << to_string(judgement.verdict) << "</span></h1>\n<p class=\"summary\">" << m.requests << " requests, " << m.ok
      << " ok, <b>" << m.dropped << " dropped</b>, " << m.retried << " retried";
  if (m.switchover_ms) out << ", switchover " << fixed(*m.switchover_ms, 1) << " ms";
  out << "; run length " << ms_text(history_end_ns(history)) << " ms.</p>\n";
  if (!subject.target.empty()) {
    out << "<p id=\"subject\">Target <b>" << html_escape(subject.target) << "</b>";
    for (const auto& binary : subject.binaries) {
      out << "; " << html_escape(binary.role) << " <code>" << html_escape(binary.path) << "</code> ("
          << html_escape(binary.version) << ", sha256 <code>" << html_escape(binary.sha256) << "</code>)";
    }
    out << ".</p>\n";
  }
}

void write_checks(std::ostream& out, const Judgement& judgement) {
  out << "<h2>Checks</h2>\n<table id=\"checks\"><tr><th>check</th><th>verdict</th><th>detail</th></tr>\n";
  for (const Check& c : judgement.checks) {
    out << "<tr><td>" << html_escape(c.name) << "</td><td><span class=\"badge " << to_string(c.verdict) << "\">"
        << to_string(c.verdict) << "</span></td><td>" << html_escape(c.detail) << "</td></tr>\n";
  }
  out << "</table>\n";
}

void metric_row(std::ostream& out, std::string_view name, std::string_view escaped_value) {
  out << "<tr><th>" << name << "</th><td class=\"num\">" << escaped_value << "</td></tr>\n";
}

void write_metrics(std::ostream& out, const Metrics& m) {
  out << "<h2>Metrics</h2>\n<table id=\"metrics\">\n";
  metric_row(out, "requests", std::to_string(m.requests));
  metric_row(out, "ok", std::to_string(m.ok));
  metric_row(out, "dropped", std::to_string(m.dropped));
  for (const auto& [reason, count] : m.dropped_by_reason) {
    metric_row(out, "&nbsp;&nbsp;dropped: " + html_escape(reason), std::to_string(count));
  }
  metric_row(out, "retried", std::to_string(m.retried));
  metric_row(out, "switchover_ms", m.switchover_ms ? fixed(*m.switchover_ms, 1) : "—");
  out << "</table>\n";
  const ObserverMetrics& o = m.observer;
  out << "<p class=\"note\" id=\"observer\">Process observer: " << o.processes << " processes, " << o.inferred
      << " inferred (birth or exit not seen directly), " << o.exit_code_unknown << " exit codes unknown, "
      << o.born_after_serving << " seen only after serving; births seen within ";
  if (o.birth_lag_p99_ms && o.birth_lag_max_ms) {
    out << fixed(*o.birth_lag_p99_ms, 2) << " ms (p99), " << fixed(*o.birth_lag_max_ms, 2) << " ms (max).</p>\n";
  } else {
    out << "— (no bound recorded).</p>\n";
  }
}

// The judge's phases (metrics.h), as result.json has them: nothing here recomputes them.
void write_phases(std::ostream& out, const Metrics& m) {
  out << "<h2>Phases</h2>\n<p class=\"note\">The judge's phases, as in result.json: a request counts in the phase "
         "in which it ended; latency is of the requests that ended ok.</p>\n<table id=\"phases\"><tr><th>phase</th>"
         "<th>from ms</th><th>to ms</th><th>requests</th><th>ok</th><th>dropped</th><th>p50 ms</th><th>p99 ms</th>"
         "<th>p99.9 ms</th><th>max ms</th></tr>\n";
  if (m.phases.empty()) out << "<tr><td></td><td class=\"note\" colspan=\"9\">none: the history is empty</td></tr>\n";
  for (std::size_t k = 0; k < m.phases.size(); ++k) {
    const PhaseMetrics& p = m.phases[k];
    const std::string until = k + 1 < m.phases.size() ? m.phases[k + 1].name : "end";
    const auto latency = [&](double ms) { return p.latency.count == 0 ? std::string("—") : fixed(ms, 2); };
    out << "<tr><td>" << html_escape(p.name + " → " + until) << "</td><td class=\"num\">" << fixed(p.from_ms, 1)
        << "</td><td class=\"num\">" << fixed(p.to_ms, 1) << "</td><td class=\"num\">" << p.requests
        << "</td><td class=\"num\">" << p.ok << "</td><td class=\"num\">" << p.dropped << "</td><td class=\"num\">"
        << latency(p.latency.p50_ms) << "</td><td class=\"num\">" << latency(p.latency.p99_ms)
        << "</td><td class=\"num\">" << latency(p.latency.p999_ms) << "</td><td class=\"num\">"
        << latency(p.latency.max_ms) << "</td></tr>\n";
  }
  out << "</table>\n";
}

// The requests of the load's mix by name (metrics.h's NamedRequestMetrics), as result.json's
// by_name has them; nothing without a mix.
void write_by_name(std::ostream& out, const Metrics& m) {
  if (m.by_name.empty()) return;
  out << "<h2>Requests by name</h2>\n<p class=\"note\">The load's requests, as in result.json's by_name: dropped "
         "with their reasons, retried, and the latency of those that ended ok.</p>\n<table id=\"by-name\"><tr>"
         "<th>name</th><th>requests</th><th>ok</th><th>dropped</th><th>reasons</th><th>retried</th><th>p50 ms</th>"
         "<th>p99 ms</th><th>max ms</th></tr>\n";
  // Not a structured binding: clang 14 cannot capture one in the lambda below.
  for (const auto& named : m.by_name) {
    const auto& name = named.first;
    const auto& n = named.second;
    std::string reasons;
    for (const auto& [reason, count] : n.dropped_by_reason) {
      reasons += (reasons.empty() ? "" : ", ") + reason + ": " + std::to_string(count);
    }
    const auto latency = [&](double ms) { return n.latency.count == 0 ? std::string("—") : fixed(ms, 2); };
    out << "<tr" << (n.dropped > 0 ? " class=\"sev-warn\"" : "") << "><td>" << html_escape(name)
        << "</td><td class=\"num\">" << n.requests << "</td><td class=\"num\">" << n.ok << "</td><td class=\"num\">"
        << n.dropped << "</td><td>" << html_escape(reasons) << "</td><td class=\"num\">" << n.retried
        << "</td><td class=\"num\">" << latency(n.latency.p50_ms) << "</td><td class=\"num\">"
        << latency(n.latency.p99_ms) << "</td><td class=\"num\">" << latency(n.latency.max_ms) << "</td></tr>\n";
  }
  out << "</table>\n";
}

// The kernel counters' rise per phase (metrics.h), only the counters that rose in some phase:
// a strip under the phase table, as result.json has them.
void write_kernel_counters(std::ostream& out, const Metrics& m, const RunSubject& subject) {
  out << "<h2>Kernel counters</h2>\n";
  if (m.kernel_samples == 0) {
    out << "<p class=\"note\" id=\"kernel-counters\">Not read: " << html_escape(kernel_counters_missing(subject))
        << ".</p>\n";
    return;
  }
  std::set<std::string> risen;
  for (const PhaseMetrics& p : m.phases) {
    for (const auto& [name, delta] : p.kernel_deltas) {
      if (delta != 0) risen.insert(name);
    }
  }
  out << "<p class=\"note\">The kernel's own TCP counters in the run's network namespace (nstat names), their rise "
         "in each phase, from "
      << m.kernel_samples << " samples; counters that did not move are left out.</p>\n";
  if (risen.empty()) {
    out << "<p class=\"note\" id=\"kernel-counters\">No counter moved.</p>\n";
    return;
  }
  out << "<table id=\"kernel-counters\"><tr><th>phase</th>";
  for (const auto& name : risen) out << "<th>" << html_escape(name) << "</th>";
  out << "</tr>\n";
  for (const PhaseMetrics& p : m.phases) {
    out << "<tr><td>" << html_escape(p.name) << "</td>";
    for (const auto& name : risen) {
      const auto found = p.kernel_deltas.find(name);
      out << "<td class=\"num\">" << (found == p.kernel_deltas.end() ? std::string("—") : std::to_string(found->second))
          << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
}

// Connect latency by phase (metrics.h's ConnectSummary), as result.json has it, and over the run.
void write_connects(std::ostream& out, const Metrics& m) {
  out << "<h2>Connect latency</h2>\n<p class=\"note\">connect() start → first request byte written, of every "
         "new connection, by the phase in which the connect began. Over 1 s: a SYN the kernel dropped (a full "
         "listen queue) and sent again after the initial RTO.</p>\n<table id=\"connects\"><tr><th>phase</th>"
         "<th>connects</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th><th>over 1 s</th></tr>\n";
  const auto row = [&](const std::string& name, const ConnectSummary& c) {
    const auto figure = [&](double ms) { return c.count == 0 ? std::string("—") : fixed(ms, 2); };
    out << "<tr><td>" << html_escape(name) << "</td><td class=\"num\">" << c.count << "</td><td class=\"num\">"
        << figure(c.p50_ms) << "</td><td class=\"num\">" << figure(c.p99_ms) << "</td><td class=\"num\">"
        << figure(c.max_ms) << "</td><td class=\"num\">" << c.over_1s << "</td></tr>\n";
  };
  for (std::size_t k = 0; k < m.phases.size(); ++k) {
    const std::string until = k + 1 < m.phases.size() ? m.phases[k + 1].name : "end";
    row(m.phases[k].name + " → " + until, m.phases[k].connect);
  }
  row("whole run", m.connect);
  out << "</table>\n";
}

// The upstreams' side next to the client's (upstream_join.h): per upstream, what it read and
// answered and what the client got for each answer; the client's requests no upstream read; the
// first answered requests the client did not get.
void write_upstreams(std::ostream& out, const UpstreamJoin& join) {
  out << "<h2>Upstreams</h2>\n<p class=\"note\">Each request an upstream of the run read, joined to the "
         "client's by its X-Hotdeploy-Request id. Answered: the response was written in full; the columns "
         "after it say what the client got for those.</p>\n<table id=\"upstreams\"><tr><th>upstream</th>"
         "<th>received</th><th>answered</th><th>not answered</th><th>client ok</th><th>client 502</th>"
         "<th>client 504</th><th>client other status</th><th>client nothing</th><th>without id</th>"
         "<th>unknown id</th></tr>\n";
  const auto cell = [&](std::uint64_t n) { out << "<td class=\"num\">" << n << "</td>"; };
  for (const UpstreamCounts& u : join.upstreams) {
    out << "<tr><td>" << html_escape(u.name) << "</td>";
    cell(u.received);
    cell(u.answered);
    cell(u.unanswered);
    for (std::uint64_t n : u.answered_then) cell(n);
    cell(u.no_request_id);
    cell(u.unknown_request);
    out << "</tr>\n";
  }
  if (join.joinable) {
    out << "<tr><td>reached no upstream</td><td class=\"num\">—</td><td class=\"num\">—</td>"
           "<td class=\"num\">—</td>";
    for (std::uint64_t n : join.not_received) cell(n);
    out << "<td class=\"num\">—</td><td class=\"num\">—</td></tr>\n";
  }
  out << "</table>\n";
  if (!join.lost_listed.empty()) {
    out << "<p>" << join.answered_lost << " request(s) answered upstream did not end ok at the client:</p>\n<ul>\n";
    for (const std::string& text : join.lost_listed) out << "<li>" << html_escape(text) << "</li>\n";
    if (join.answered_lost > join.lost_listed.size()) out << "<li>...</li>\n";
    out << "</ul>\n";
  }
}

// Writes rows for the first and last `cap / 2` of the matching events, with one row in between
// saying how many were left out.
template <typename Matches, typename Row>
void write_capped_rows(std::ostream& out, const History& history, std::size_t cap, Matches matches, Row row) {
  std::size_t total = 0;
  for (const Event& e : history.events()) total += matches(e) ? 1 : 0;
  if (total == 0) out << "<tr><td></td><td class=\"note\">none recorded</td></tr>\n";
  const std::size_t head = total <= cap ? total : cap / 2;
  const std::size_t tail_from = total <= cap ? total : total - cap / 2;
  std::size_t n = 0;
  for (const Event& e : history.events()) {
    if (!matches(e)) continue;
    if (n < head || n >= tail_from) row(e);
    if (n == head && head < tail_from) {
      out << "<tr><td></td><td class=\"note\">… " << tail_from - head << " lines left out …</td></tr>\n";
    }
    ++n;
  }
}

constexpr std::size_t kMaxRunEvents = 1000;
constexpr std::size_t kMaxLogLines = 2000;

bool is_run_event(const Event& e) {
  switch (e.type) {
    case EventType::step_started:
    case EventType::signal_sent:
    case EventType::binary_swapped:
    case EventType::wait_satisfied:
    case EventType::wait_timed_out:
    case EventType::no_effect:
    case EventType::run_error:
    case EventType::exec_ended:
    case EventType::pid_file_changed: return true;
    default: return false;
  }
}

std::string run_event_text(const Event& e) {
  if (e.type == EventType::signal_sent) {
    // A signal the observer read in the master's error.log was sent by an exec step's command.
    return signal_name(e) + " to pid " + std::to_string(e.pid) +
           (e.seen == ProcessSeen::inferred_from_log ? " (sent by the exec step's command; seen in error.log)" : "");
  }
  if (e.type == EventType::exec_ended) {
    return e.text + ": " + (e.exit_code == -1 ? "killed at its timeout" : "exit " + std::to_string(e.exit_code)) +
           " after " + ms_text(e.duration_ns) + " ms (pid " + std::to_string(e.pid) + ")";
  }
  return e.text;
}

void write_run_events(std::ostream& out, const History& history) {
  out << "<h2>Run events</h2>\n<div class=\"scroll\"><table id=\"run-events\">\n"
      << "<tr><th>ms</th><th>event</th></tr>\n";
  write_capped_rows(out, history, kMaxRunEvents, is_run_event, [&](const Event& e) {
    const bool bad = e.type == EventType::run_error || e.type == EventType::wait_timed_out;
    out << "<tr"
        << (bad                              ? " class=\"sev-error\""
            : e.type == EventType::no_effect ? " class=\"sev-warn\""
                                             : "")
        << "><td class=\"num\">" << ms_text(e.t_ns) << "</td><td>" << to_string(e.type) << ": "
        << html_escape(run_event_text(e));
    if (e.type == EventType::exec_ended && !e.output.empty()) {
      out << "<details><summary>output</summary><pre>" << html_escape(e.output) << "</pre></details>";
    }
    out << "</td></tr>\n";
  });
  out << "</table></div>\n";
}

// By the line's level (error.log's order: error, crit, alert, emerg are errors).
std::string_view severity_class(LogLevel level) {
  if (level >= LogLevel::error) return " class=\"sev-error\"";
  return level == LogLevel::warn ? " class=\"sev-warn\"" : "";
}

void write_log(std::ostream& out, const History& history) {
  const auto is_log = [](const Event& e) { return e.type == EventType::log_line; };
  out << "<h2>error.log</h2>\n<div class=\"scroll\"><table id=\"log\">\n"
      << "<tr><th>ms</th><th>line</th></tr>\n";
  write_capped_rows(out, history, kMaxLogLines, is_log, [&](const Event& e) {
    out << "<tr" << severity_class(e.level) << "><td class=\"num\">" << ms_text(e.t_ns) << "</td><td>"
        << html_escape(e.text) << "</td></tr>\n";
  });
  out << "</table></div>\n";
}

// ---------------------------------------------------------------------------------------------
// Request bookkeeping for the timeline

// request_id -> its highest attempt, for requests with more than one. A retry that could not
// connect has a request_ended but no request_sent, so both count.
std::unordered_map<std::uint64_t, std::uint8_t> later_attempts(const History& history) {
  std::unordered_map<std::uint64_t, std::uint8_t> result;
  for (const Event& e : history.events()) {
    const bool client = e.type == EventType::request_sent || e.type == EventType::request_ended;
    if (client && e.attempt > 1) {
      std::uint8_t& highest = result[e.request_id];
      highest = std::max(highest, e.attempt);
    }
  }
  return result;
}

bool is_final_attempt(std::uint64_t request_id, std::uint8_t attempt,
                      const std::unordered_map<std::uint64_t, std::uint8_t>& later) {
  const auto it = later.find(request_id);
  return it == later.end() || attempt >= it->second;
}

struct Outstanding {
  std::uint8_t attempt = 0;
  std::int64_t sent_ns = 0;
};

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const std::size_t n = utf8_sequence_length(text, i);
      out += n == 0 ? std::string_view("\xEF\xBF\xBD") : text.substr(i, n);
      i += std::max<std::size_t>(n, 1);
      continue;
    }
    switch (text[i]) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += text[i];
    }
    ++i;
  }
  return out;
}

std::uint64_t RequestBucket::total() const {
  std::uint64_t sum = retried + dropped;
  for (const auto& [generation, count] : ok_by_generation) sum += count;
  return sum;
}

RequestTimeline bucket_requests(const History& history, std::size_t max_buckets) {
  return bucket_requests(history, 0, history_end_ns(history), max_buckets);
}

RequestTimeline bucket_requests(const History& history, std::int64_t from_ns, std::int64_t to_ns,
                                std::size_t max_buckets) {
  const std::int64_t span = std::max<std::int64_t>(to_ns - from_ns, 1);
  RequestTimeline timeline;
  timeline.from_ns = from_ns;
  timeline.bucket_ns = nice_step(span, max_buckets, 1'000'000);
  timeline.buckets.resize(static_cast<std::size_t>((span + timeline.bucket_ns - 1) / timeline.bucket_ns));
  RequestBucket outside;
  const auto bucket_at = [&](std::int64_t t_ns) -> RequestBucket& {
    if (t_ns < from_ns || t_ns > to_ns) return outside;
    const auto i = static_cast<std::size_t>((t_ns - from_ns) / timeline.bucket_ns);
    return timeline.buckets[std::min(i, timeline.buckets.size() - 1)];
  };
  const Generations generations = Generations::from(history);
  const auto later = later_attempts(history);
  std::unordered_map<std::uint64_t, Outstanding> outstanding;
  std::vector<std::int32_t> served;
  for (const Event& e : history.events()) {
    if (e.type == EventType::request_sent) {
      outstanding[e.request_id] = {e.attempt, e.t_ns};
      continue;
    }
    if (e.type != EventType::request_ended) continue;
    const auto it = outstanding.find(e.request_id);
    if (it != outstanding.end() && it->second.attempt == e.attempt) outstanding.erase(it);
    if (!is_final_attempt(e.request_id, e.attempt, later)) continue;
    RequestBucket& bucket = bucket_at(e.t_ns);
    if (e.outcome != Outcome::ok) {
      ++bucket.dropped;
    } else if (e.attempt > 1) {
      ++bucket.retried;
    } else {
      const std::int32_t g = generations.of_worker(e.pid).value_or(0);
      if (bucket.ok_by_generation[g]++ == 0 && &bucket != &outside) served.push_back(g);
    }
  }
  for (const auto& [id, attempt] : outstanding) {
    if (is_final_attempt(id, attempt.attempt, later)) ++bucket_at(attempt.sent_ns).dropped;
  }
  std::sort(served.begin(), served.end());
  served.erase(std::unique(served.begin(), served.end()), served.end());
  timeline.generations = std::move(served);
  return timeline;
}

void write_report_html(std::string_view scenario_name, const RunSubject& subject, const History& history,
                       const Judgement& judgement, std::ostream& out) {
  const Generations generations = Generations::from(history);
  const TimeAxis axis = axis_for(history);
  const auto marks = markers(history, generations);
  const auto windows = transition_windows(judgement.metrics);
  write_head(out, scenario_name);
  write_verdict(out, scenario_name, subject, history, judgement);
  if (subject.isolation)
    out << "<p class=\"note\" id=\"isolation\">" << html_escape(describe(*subject.isolation)) << "</p>\n";
  write_checks(out, judgement);
  write_metrics(out, judgement.metrics);
  write_timeline(out, {"timeline", "Requests over time"}, bucket_requests(history), axis, marks, windows);
  if (const auto zoom = close_up(windows, axis)) {
    write_timeline(out, {"close-up", "Transition close-up"}, bucket_requests(history, zoom->start_ns, zoom->end_ns),
                   *zoom, marks, windows);
  }
  write_lifelines(out, history, generations, axis, marks, windows);
  write_phases(out, judgement.metrics);
  write_by_name(out, judgement.metrics);
  write_kernel_counters(out, judgement.metrics, subject);
  write_connects(out, judgement.metrics);
  if (!judgement.metrics.upstream.empty()) write_upstreams(out, judgement.metrics.upstream);
  write_run_events(out, history);
  write_log(out, history);
  out << "<p class=\"note\">Generated by hotdeploy from the run's history.jsonl.</p>\n</body>\n</html>\n";
}

}  // namespace hotdeploy::harness
