#include "binary_identity.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hotdeploy::fakes {
namespace {

constexpr std::string_view kTrailerMagic = "FAKE-NGINX-TRAILER\n";
constexpr std::string_view kPayloadHeader = "fake-nginx identity\n";
constexpr size_t kLengthDigits = 16;
constexpr size_t kFooterSize = kLengthDigits + 1 + kTrailerMagic.size();

// The bytes of `contents` before its trailer, and the trailer's payload if there is one.
struct Split {
  std::string_view image;
  std::optional<std::string_view> payload;
  std::string error;
};

Split split_trailer(std::string_view contents) {
  if (contents.size() < kFooterSize || !contents.ends_with(kTrailerMagic)) return {contents, std::nullopt, {}};
  std::string_view digits = contents.substr(contents.size() - kFooterSize, kLengthDigits);
  size_t length = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (ec != std::errc() || end != digits.data() + digits.size() || length > contents.size() - kFooterSize) {
    return {contents, std::nullopt, "malformed fake-nginx trailer length"};
  }
  size_t payload_start = contents.size() - kFooterSize - length;
  return {contents.substr(0, payload_start), contents.substr(payload_start, length), {}};
}

}  // namespace

std::string format_trailer(const BinaryIdentity& identity) {
  std::string payload(kPayloadHeader);
  payload += "version=" + identity.version_label + "\n";
  for (const Fault& fault : identity.faults.all()) payload += "fault=" + format_fault(fault) + "\n";
  char digits[kLengthDigits + 1];
  std::snprintf(digits, sizeof(digits), "%016zu", payload.size());
  return payload + digits + "\n" + std::string(kTrailerMagic);
}

IdentityRead parse_trailer(std::string_view file_contents) {
  IdentityRead result;
  Split split = split_trailer(file_contents);
  if (!split.error.empty()) {
    result.error = split.error;
    return result;
  }
  if (!split.payload) return result;
  std::string_view payload = *split.payload;
  if (!payload.starts_with(kPayloadHeader)) {
    result.error = "fake-nginx trailer without its header line";
    return result;
  }
  std::vector<Fault> faults;
  std::istringstream lines{std::string(payload.substr(kPayloadHeader.size()))};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("version=")) {
      result.identity.version_label = line.substr(8);
    } else if (line.starts_with("fault=")) {
      FaultParse parsed = parse_fault(line.substr(6));
      if (!parsed.fault) {
        result.error = parsed.error;
        return result;
      }
      faults.push_back(*parsed.fault);
    } else {
      result.error = "unknown fake-nginx trailer line \"" + line + "\"";
      return result;
    }
  }
  result.identity.faults = Faults(std::move(faults));
  return result;
}

IdentityRead read_binary_identity(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    IdentityRead failed;
    failed.error = "cannot read " + path + ": " + std::strerror(errno);
    return failed;
  }
  // Only the end of the file can hold a trailer; read the tail, then the payload.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < static_cast<std::streamoff>(kFooterSize)) return {};
  std::string footer(kFooterSize, '\0');
  in.seekg(size - static_cast<std::streamoff>(kFooterSize));
  in.read(footer.data(), static_cast<std::streamsize>(kFooterSize));
  if (!std::string_view(footer).ends_with(kTrailerMagic)) return {};
  size_t length = 0;
  std::from_chars(footer.data(), footer.data() + kLengthDigits, length);
  const std::streamoff tail_size = std::min<std::streamoff>(size, static_cast<std::streamoff>(length + kFooterSize));
  std::string tail(static_cast<size_t>(tail_size), '\0');
  in.seekg(size - tail_size);
  in.read(tail.data(), tail_size);
  return parse_trailer(tail);
}

std::optional<std::string> write_stamped_binary(const std::string& input, const std::string& output,
                                                const BinaryIdentity& identity) {
  std::ifstream in(input, std::ios::binary);
  if (!in) return "cannot read " + input + ": " + std::strerror(errno);
  std::stringstream contents;
  contents << in.rdbuf();
  const std::string text = contents.str();
  Split split = split_trailer(text);
  if (!split.error.empty()) return input + ": " + split.error;

  const std::string temporary = output + ".stamping";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot write " + temporary + ": " + std::strerror(errno);
    out << split.image << format_trailer(identity);
    if (!out.flush()) return "cannot write " + temporary + ": " + std::strerror(errno);
  }
  if (::chmod(temporary.c_str(), 0755) == -1 || std::rename(temporary.c_str(), output.c_str()) == -1) {
    std::string error = "cannot install " + output + ": " + std::strerror(errno);
    std::remove(temporary.c_str());
    return error;
  }
  return std::nullopt;
}

}  // namespace hotdeploy::fakes
