// The checks on what the history says happened besides requests (log lines, masters left at
// the end, steps without effect), declared in checks.h.
#include <algorithm>
// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s <regex> (std::function in the
// NFA's states) when built with the sanitizers; the warning is about library code, not ours.
// Clang has no such warning (and -Werror refuses an unknown one).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <string>
#include <vector>

#include "harness/judge/checks.h"

namespace hotdeploy::harness {
namespace {

constexpr std::size_t kMaxQuotedLine = 200;

std::string quoted(std::string_view text) {
  if (text.size() <= kMaxQuotedLine) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, kMaxQuotedLine)) + "...\"";
}

void append(std::string& detail, const std::string& part) {
  if (!detail.empty()) detail += "; ";
  detail += part;
}

// Bounds that keep libstdc++'s std::regex out of its own trouble: it reads the digits of a
// back-reference (`\12`) or a repetition (`{2,5}`) into a long without an overflow check, and it
// builds a state per repetition, so `a{100000000}` costs that much memory. No log pattern needs
// more than these.
constexpr std::size_t kMaxPatternLength = 1024;
constexpr std::size_t kMaxPatternNumber = 1000;

// The digits starting at `at` as a number, or nullopt past kMaxPatternNumber; `end` is set past them.
std::optional<std::size_t> bounded_number(std::string_view pattern, std::size_t at, std::size_t& end) {
  std::size_t value = 0;
  for (end = at; end < pattern.size() && pattern[end] >= '0' && pattern[end] <= '9'; ++end) {
    value = value * 10 + static_cast<std::size_t>(pattern[end] - '0');
    if (value > kMaxPatternNumber) return std::nullopt;
  }
  return value;
}

std::optional<std::string> pattern_bound_error(std::string_view pattern) {
  if (pattern.size() > kMaxPatternLength) {
    return "longer than " + std::to_string(kMaxPatternLength) + " characters";
  }
  const std::string too_large = "a back-reference or repetition count above " + std::to_string(kMaxPatternNumber);
  std::size_t end = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (!bounded_number(pattern, i + 1, end)) return too_large;
      i = std::max(i + 1, end - 1);  // an escaped character is never an opening brace
    } else if (pattern[i] == '{') {
      if (!bounded_number(pattern, i + 1, end)) return too_large;
      if (end < pattern.size() && pattern[end] == ',' && !bounded_number(pattern, end + 1, end)) return too_large;
      i = end - 1;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> regex_error(const std::string& pattern) {
  if (auto bound = pattern_bound_error(pattern)) return bound;
  try {
    const std::regex re(pattern, std::regex::ECMAScript);
    static_cast<void>(re);
    return std::nullopt;
  } catch (const std::regex_error& e) {
    return std::string(e.what());
  }
}

Check check_log(const History& history, const Expectations& expect) {
  Check c{"log", Verdict::pass, {}};
  std::vector<const std::string*> lines;
  for (const Event& e : history.events()) {
    if (e.type == EventType::log_line) lines.push_back(&e.text);
  }
  std::string problems;
  std::size_t satisfied = 0;
  const auto compile = [&](const std::string& pattern) -> std::optional<std::regex> {
    if (const auto error = regex_error(pattern)) {
      append(problems, "invalid pattern " + quoted(pattern) + ": " + *error);
      return std::nullopt;
    }
    return std::regex(pattern, std::regex::ECMAScript);
  };
  for (const std::string& pattern : expect.log_contains) {
    const auto re = compile(pattern);
    if (!re) continue;
    const bool found =
        std::any_of(lines.begin(), lines.end(), [&](const std::string* l) { return std::regex_search(*l, *re); });
    if (found) {
      ++satisfied;
    } else {
      append(problems, "no log line matches " + quoted(pattern));
    }
  }
  for (const std::string& pattern : expect.log_not_contains) {
    const auto re = compile(pattern);
    if (!re) continue;
    const auto hit =
        std::find_if(lines.begin(), lines.end(), [&](const std::string* l) { return std::regex_search(*l, *re); });
    if (hit == lines.end()) {
      ++satisfied;
    } else {
      append(problems, quoted(pattern) + " matches " + quoted(**hit));
    }
  }
  if (!problems.empty()) {
    c.verdict = Verdict::fail;
    c.detail = problems + " (" + std::to_string(lines.size()) + " log lines)";
  } else {
    c.detail =
        "all " + std::to_string(satisfied) + " log patterns hold over " + std::to_string(lines.size()) + " log lines";
  }
  return c;
}

Check check_masters_at_end(const Metrics& metrics, std::uint64_t expected) {
  Check c{"masters_at_end", Verdict::pass, {}};
  if (!metrics.masters_at_end) {
    c.verdict = Verdict::unknown;
    c.detail = "no master process was recorded";
    return c;
  }
  c.detail =
      std::to_string(*metrics.masters_at_end) + " live masters at the end (expected " + std::to_string(expected) + ")";
  if (*metrics.masters_at_end != expected) c.verdict = Verdict::fail;
  return c;
}

Check check_no_effect(const History& history, const Expectations& expect) {
  Check c{"no_effect", Verdict::pass, {}};
  std::vector<std::string> texts;
  for (const Event& e : history.events()) {
    if (e.type == EventType::no_effect) texts.push_back(e.text);
  }
  std::string seen = std::to_string(texts.size()) + " steps had no effect";
  for (std::size_t k = 0; k < texts.size() && k < 5; ++k) seen += (k == 0 ? ": " : ", ") + quoted(texts[k]);
  if (expect.no_effect_count && texts.size() != *expect.no_effect_count) {
    c.verdict = Verdict::fail;
    c.detail = seen + "; expected " + std::to_string(*expect.no_effect_count);
    return c;
  }
  if (expect.no_effect_steps) {
    std::vector<bool> used(texts.size(), false);
    std::string missing;
    for (const std::string& want : *expect.no_effect_steps) {
      std::size_t k = 0;
      while (k < texts.size() && (used[k] || texts[k].find(want) == std::string::npos)) ++k;
      if (k == texts.size()) {
        append(missing, "no step without effect matches " + quoted(want));
      } else {
        used[k] = true;
      }
    }
    for (std::size_t k = 0; k < texts.size(); ++k) {
      if (!used[k]) append(missing, "unexpected: " + quoted(texts[k]));
    }
    if (!missing.empty()) {
      c.verdict = Verdict::fail;
      c.detail = seen + "; " + missing;
      return c;
    }
  }
  c.detail = seen + ", as expected";
  return c;
}

}  // namespace hotdeploy::harness
