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
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  out += "\\x";
  out += kHexDigits[b >> 4];
  out += kHexDigits[b & 0xf];
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

namespace {

std::string classname(const ScenarioOutcome& o) {
  return o.subject.target.empty() ? "hotdeploy" : "hotdeploy." + o.subject.target;
}

std::string property(const std::string& name, const std::string& value) {
  return "      <property name=\"" + xml_escape(name) + "\" value=\"" + xml_escape(value) + "\"/>\n";
}

std::string properties(const RunSubject& subject) {
  if (subject.target.empty()) return "";
  std::string xml = "    <properties>\n" + property("target", subject.target);
  for (const auto& binary : subject.binaries) {
    xml += property(binary.role + ".path", binary.path) + property(binary.role + ".version", binary.version) +
           property(binary.role + ".sha256", binary.sha256);
  }
  return xml + "    </properties>\n";
}

std::string failure(const Judgement& judgement) {
  std::string names;
  std::string details;
  for (const Check& c : judgement.checks) {
    if (c.verdict == Verdict::pass) continue;
    names += (names.empty() ? "" : ", ") + c.name;
    details += c.name + " (" + std::string(to_string(c.verdict)) + "): " + c.detail + "\n";
  }
  return "    <failure type=\"" + std::string(to_string(judgement.verdict)) + "\" message=\"" +
         xml_escape(std::string(to_string(judgement.verdict)) + ": " + names) + "\">" + xml_escape(details) +
         "</failure>\n";
}

}  // namespace

void write_junit_xml(std::span<const ScenarioOutcome> outcomes, std::ostream& out, std::string_view suite) {
  std::size_t failures = 0;
  std::size_t errors = 0;
  std::size_t skipped = 0;
  double total = 0;
  for (const ScenarioOutcome& o : outcomes) {
    if (!o.skipped.empty()) {
      ++skipped;
    } else if (!o.error.empty()) {
      ++errors;
    } else if (o.judgement.verdict != Verdict::pass) {
      ++failures;
    }
    total += o.seconds;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuite name=\"" + xml_escape(suite) + "\" tests=\"" + std::to_string(outcomes.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" +
         std::to_string(skipped) + "\" time=\"" + seconds(total) + "\">\n";
  for (const ScenarioOutcome& o : outcomes) {
    xml += "  <testcase classname=\"" + xml_escape(classname(o)) + "\" name=\"" + xml_escape(o.name) + "\" time=\"" +
           seconds(o.seconds) + "\"";
    std::string body = properties(o.subject);
    if (!o.skipped.empty()) {
      body += "    <skipped message=\"" + xml_escape(o.skipped) + "\"/>\n";
    } else if (!o.error.empty()) {
      body += "    <error type=\"environment\" message=\"" + xml_escape(o.error) + "\">" + xml_escape(o.error) +
              "</error>\n";
    } else if (o.judgement.verdict != Verdict::pass) {
      body += failure(o.judgement);
    }
    xml += body.empty() ? "/>\n" : ">\n" + body + "  </testcase>\n";
  }
  xml += "</testsuite>\n";
  out << xml;
}

}  // namespace hotdeploy::harness
