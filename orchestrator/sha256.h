// SHA-256 (FIPS 180-4) of a file, as lowercase hex: how a run's artifacts identify the binaries
// that ran. Written here, small and dependency-free; throws EnvironmentError when the file cannot
// be read.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace hotdeploy::orchestrator {

[[nodiscard]] std::string sha256_hex(std::string_view bytes);
[[nodiscard]] std::string sha256_file_hex(const std::filesystem::path& file);

}  // namespace hotdeploy::orchestrator
