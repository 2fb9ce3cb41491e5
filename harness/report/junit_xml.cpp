#include "harness/report/junit_xml.h"

#include <array>
#include <cstdio>
#include <ostream>

#include "harness/history/utf8.h"

namespace hotdeploy::harness {
namespace {

std::string seconds(double value) {
  std::array<char, 64> buffer{};
  const int n = std::snprintf(buffer.data(), buffer.size(), "%.3f", value < 0 ? 0.0 : value);
  return std::string(buffer.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
}

void hex_byte(std::string& out, unsigned char b) {
  constexpr std::string_view digits = "0123456789abcdef";
  out += "\\x";
  out += digits[b >> 4];
  out += digits[b & 0xf];
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x80) {
      const std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        hex_byte(out, b);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (b) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t':
      case '\n':
      case '\r': out += static_cast<char>(b); break;
      default:
        if (b < 0x20 || b == 0x7f) {
          hex_byte(out, b);
        } else {
          out += static_cast<char>(b);
        }
    }
    ++i;
  }
  return out;
}

void write_junit_xml(std::span<const ScenarioOutcome> outcomes, std::ostream& out) {
  std::size_t failures = 0;
  double total = 0;
  for (const ScenarioOutcome& o : outcomes) {
    if (o.judgement.verdict != Verdict::pass) ++failures;
    total += o.seconds;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuite name=\"hotdeploy\" tests=\"" + std::to_string(outcomes.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"0\" skipped=\"0\" time=\"" + seconds(total) + "\">\n";
  for (const ScenarioOutcome& o : outcomes) {
    xml += "  <testcase classname=\"hotdeploy\" name=\"" + xml_escape(o.name) + "\" time=\"" + seconds(o.seconds) + "\"";
    if (o.judgement.verdict == Verdict::pass) {
      xml += "/>\n";
      continue;
    }
    std::string names;
    std::string details;
    for (const Check& c : o.judgement.checks) {
      if (c.verdict == Verdict::pass) continue;
      names += (names.empty() ? "" : ", ") + c.name;
      details += c.name + " (" + std::string(to_string(c.verdict)) + "): " + c.detail + "\n";
    }
    xml += ">\n    <failure type=\"" + std::string(to_string(o.judgement.verdict)) + "\" message=\"" +
           xml_escape(std::string(to_string(o.judgement.verdict)) + ": " + names) + "\">" + xml_escape(details) +
           "</failure>\n  </testcase>\n";
  }
  xml += "</testsuite>\n";
  out << xml;
}

}  // namespace hotdeploy::harness
