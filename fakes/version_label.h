// The version label fake-nginx reports (`nginx version: fake-nginx/<label>`) and serves
// in every `GET /` body, so a test can tell which executable answered.
#pragma once

#include <string_view>

namespace hotdeploy::fakes {

inline constexpr std::string_view default_version_label = "1.0";

}  // namespace hotdeploy::fakes
