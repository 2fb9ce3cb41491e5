#include "orchestrator/scenario_parser.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>

#include "harness/history/utf8.h"
#include "hotdeploy_fault_list.h"
#include "orchestrator/duration.h"
#include "orchestrator/kernel_counters.h"
#include "orchestrator/target.h"

namespace hotdeploy::orchestrator {
namespace {

struct SignalName {
  std::string_view name;
  int number;
};
constexpr SignalName kKnownSignals[] = {
    {"USR2", SIGUSR2}, {"WINCH", SIGWINCH}, {"QUIT", SIGQUIT}, {"TERM", SIGTERM},
    {"INT", SIGINT},   {"HUP", SIGHUP},     {"USR1", SIGUSR1}, {"KILL", SIGKILL},
};

std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (auto word : words) {
    if (!out.empty()) out += ", ";
    out += word;
  }
  return out;
}

// Reads nodes of one file; every error names the file and the node's position.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const { fail_at(node.Mark(), message); }
  // A node with no place in the text (the root of an empty file) is named at its start, 1:1.
  [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& message) const {
    std::ostringstream out;
    const bool placed = !mark.is_null();
    out << file_ << ':' << (placed ? mark.line + 1 : 1) << ':' << (placed ? mark.column + 1 : 1) << ": " << message;
    throw ScenarioError(out.str());
  }

  void expect_map(const YAML::Node& node, std::string_view what) const {
    if (!node.IsMap()) fail(node, std::string(what) + " must be a mapping");
  }

  // Every key of `node` must be one of `allowed`.
  void check_keys(const YAML::Node& node, std::string_view what,
                  std::initializer_list<std::string_view> allowed) const {
    expect_map(node, what);
    for (const auto& entry : node) {
      const auto key = entry.first.as<std::string>();
      bool known = false;
      for (auto candidate : allowed) known = known || key == candidate;
      if (!known) {
        fail(entry.first, "unknown key '" + key + "' in " + std::string(what) + " (known: " + join(allowed) + ")");
      }
    }
  }

  [[nodiscard]] std::string scalar(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar()) fail(node, "'" + std::string(key) + "' must be a single value");
    return node.Scalar();
  }

  [[nodiscard]] long long integer(const YAML::Node& node, std::string_view key, long long min, long long max) const {
    const auto text = scalar(node, key);
    long long value = 0;
    if (!YAML::convert<long long>::decode(node, value)) {
      fail(node, "'" + std::string(key) + "' must be an integer, got '" + text + "'");
    }
    if (value < min || value > max) {
      fail(node, "'" + std::string(key) + "' must be between " + std::to_string(min) + " and " + std::to_string(max) +
                     ", got " + text);
    }
    return value;
  }

  [[nodiscard]] double number(const YAML::Node& node, std::string_view key) const {
    const auto text = scalar(node, key);
    double value = 0;
    if (!YAML::convert<double>::decode(node, value) || !(value >= 0) || value > 1e9) {
      fail(node, "'" + std::string(key) + "' must be a non-negative number, got '" + text + "'");
    }
    return value;
  }

  [[nodiscard]] bool boolean(const YAML::Node& node, std::string_view key) const {
    const auto text = scalar(node, key);
    bool value = false;
    if (!YAML::convert<bool>::decode(node, value)) {
      fail(node, "'" + std::string(key) + "' must be true or false, got '" + text + "'");
    }
    return value;
  }

  [[nodiscard]] std::chrono::milliseconds duration(const YAML::Node& node, std::string_view key) const {
    const auto text = scalar(node, key);
    auto parsed = parse_duration(text);
    if (!parsed) {
      fail(node, "'" + std::string(key) +
                     "' must be a duration: whole numbers with ms, s or m, combined largest first as in nginx "
                     "(300ms, 5s, 1s500ms; no fractions), got '" +
                     text + "'");
    }
    return *parsed;
  }

  [[nodiscard]] std::string one_of(const YAML::Node& node, std::string_view key,
                                   std::initializer_list<std::string_view> choices) const {
    auto text = scalar(node, key);
    for (auto choice : choices) {
      if (text == choice) return text;
    }
    fail(node, "'" + std::string(key) + "' must be one of " + join(choices) + ", got '" + text + "'");
  }

  [[nodiscard]] MasterRef master(const YAML::Node& node, std::string_view key, bool all_allowed) const {
    const auto text = scalar(node, key);
    if (text == "all" && all_allowed) return {MasterRef::Kind::all, 0};
    if (text == "old") return {MasterRef::Kind::oldest, 0};
    if (text == "new") return {MasterRef::Kind::newest, 0};
    long long generation = 0;
    if (YAML::convert<long long>::decode(node, generation) && generation >= 1 && generation <= 1000) {
      return {MasterRef::Kind::generation, static_cast<int>(generation)};
    }
    fail(node, "'" + std::string(key) + "' must be old, new" + (all_allowed ? ", all" : "") +
                   " or a generation number, got '" + text + "'");
  }

 private:
  std::string file_;
};

// The faults fake-nginx knows (fakes/faults.list), for error messages: the bare names first, then
// the ones with a parameter as {name: D|N|SIG|CODE}.
std::string known_faults() {
  using fault_list::Parameter;
  std::string known = "known: ";
  for (const auto& entry : fault_list::kEntries) {
    if (entry.parameter == Parameter::none) known += std::string(entry.name) + ", ";
  }
  for (const auto& entry : fault_list::kEntries) {
    if (entry.parameter == Parameter::none) continue;
    const char* placeholder = entry.parameter == Parameter::time     ? "D"
                              : entry.parameter == Parameter::count  ? "N"
                              : entry.parameter == Parameter::signal ? "SIG"
                                                                     : "CODE";
    known += "{" + std::string(entry.name) + ": " + placeholder + "}, ";
  }
  return known.substr(0, known.size() - 2);
}

// A fault as fake-nginx-stamp takes it: "name" or "name=value", its parameter checked by kind.
std::string parse_fault(const Reader& r, const YAML::Node& node) {
  using fault_list::Parameter;
  const auto find = [](const std::string& name) -> const fault_list::Entry* {
    for (const auto& entry : fault_list::kEntries) {
      if (entry.name == name) return &entry;
    }
    return nullptr;
  };
  if (node.IsScalar()) {
    const auto* entry = find(node.Scalar());
    if (entry && entry->parameter == Parameter::none) return node.Scalar();
    r.fail(node, "unknown fault '" + node.Scalar() + "' or one that needs a parameter (" + known_faults() + ")");
  }
  if (!node.IsMap() || node.size() != 1) {
    r.fail(node, "a fault is a name or {name: parameter} (" + known_faults() + ")");
  }
  const auto item = *node.begin();
  const auto name = item.first.as<std::string>();
  const auto* entry = find(name);
  switch (entry ? entry->parameter : Parameter::none) {
    case Parameter::none:  // unknown, or a bare name given a parameter
      break;
    case Parameter::time: return name + "=" + format_duration(r.duration(item.second, name));
    case Parameter::count: return name + "=" + std::to_string(r.integer(item.second, name, 1, 1000000000));
    case Parameter::status: return name + "=" + std::to_string(r.integer(item.second, name, 100, 599));
    case Parameter::signal: {
      auto signal = r.scalar(item.second, name);
      if (signal.rfind("SIG", 0) == 0) signal = signal.substr(3);
      for (const auto& known_signal : kKnownSignals) {
        if (known_signal.name == signal && signal != "KILL") return name + "=" + signal;
      }
      r.fail(item.second, name + " takes USR2, WINCH, QUIT, TERM, INT, HUP or USR1, got '" + signal + "'");
    }
  }
  r.fail(item.first, "unknown fault '" + name + "' (" + known_faults() + ")");
}

// `versions` and `faults` are stamped into fake-nginx copies; Debian's nginx cannot carry them.
void parse_binary_extras(const Reader& r, const YAML::Node& target_node, TargetSpec& target) {
  if (target.binary.name == kMissingBinary) {
    r.fail(target_node["binary"], "'binary: missing' cannot start a master; only new_binary may be missing");
  }
  const auto is_real_nginx = [&](const BinarySpec& binary) {
    return binary.name == "nginx" || (binary.name == "default" && target.kind == TargetKind::nginx);
  };
  if (const auto versions = target_node["versions"]) {
    r.check_keys(versions, "versions", {"old", "new"});
    if (versions["old"]) target.binary.version = r.scalar(versions["old"], "old");
    if (versions["new"]) target.new_binary.version = r.scalar(versions["new"], "new");
  }
  if (const auto faults = target_node["faults"]) {
    r.check_keys(faults, "faults", {"old", "new"});
    for (const auto& [key, binary] : {std::pair{"old", &target.binary}, std::pair{"new", &target.new_binary}}) {
      const auto list = faults[key];
      if (!list) continue;
      if (!list.IsSequence()) r.fail(list, std::string("faults: '") + key + "' must be a list");
      if (binary->name == kMissingBinary) r.fail(list, "faults: a missing binary cannot carry faults");
      if (is_real_nginx(*binary)) {
        r.fail(list, std::string("faults: the ") + key + " binary is Debian's nginx, which cannot carry faults");
      }
      for (const auto& fault : list) binary->faults.push_back(parse_fault(r, fault));
    }
  }
}

std::map<std::string, std::string> parse_directives(const Reader& r, const YAML::Node& node) {
  r.expect_map(node, "directives");
  std::map<std::string, std::string> directives;
  for (const auto& entry : node) {
    directives[entry.first.as<std::string>()] = r.scalar(entry.second, entry.first.as<std::string>());
  }
  return directives;
}

// net.* keys only: they are set in the run's own network namespace, where they cannot touch the
// host. A key is dotted words of letters, digits, '_' and '-', so it always names a file under
// /proc/sys/net.
std::map<std::string, std::string> parse_sysctls(const Reader& r, const YAML::Node& node) {
  r.expect_map(node, "sysctls");
  std::map<std::string, std::string> sysctls;
  for (const auto& entry : node) {
    const auto key = r.scalar(entry.first, "sysctls");
    if (key.rfind("net.", 0) != 0) {
      r.fail(entry.first, "sysctl '" + key +
                              "' is not a net.* key; only net.* sysctls can be set, in the run's own "
                              "network namespace");
    }
    bool well_formed = key.back() != '.' && key.find("..") == std::string::npos;
    for (char c : key) {
      well_formed = well_formed && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
    }
    if (!well_formed) r.fail(entry.first, "sysctl '" + key + "' is not a dotted name like net.core.somaxconn");
    sysctls[key] = r.scalar(entry.second, key);
  }
  return sysctls;
}

// `config: PATH`, the user's own nginx.conf, relative to the scenario file's directory. It runs on
// real nginx only, and the keys that shape hotdeploy's generated config have no meaning beside it.
void parse_user_config(const Reader& r, const YAML::Node& node, const std::string& scenario_file, TargetSpec& target) {
  const auto path = r.scalar(node["config"], "config");
  if (path.empty()) r.fail(node["config"], "'config' must name the nginx.conf to run");
  if (node["kind"] && target.kind != TargetKind::nginx) {
    r.fail(node["kind"], "'config' runs the user's nginx.conf on real nginx: kind must be nginx");
  }
  target.kind = TargetKind::nginx;
  for (const char* generated : {"workers", "reuseport", "daemon", "directives", "versions", "faults"}) {
    if (node[generated]) {
      r.fail(node[generated], std::string("'") + generated +
                                  "' shapes hotdeploy's own nginx.conf; with 'config' the user's config says it");
    }
  }
  const std::filesystem::path written(path);
  const auto resolved = written.is_absolute() ? written : std::filesystem::path(scenario_file).parent_path() / written;
  target.config = std::filesystem::absolute(resolved).lexically_normal().string();
}

TargetSpec parse_target(const Reader& r, const YAML::Node& node, const std::string& scenario_file) {
  r.check_keys(node, "target",
               {"kind", "workers", "binary", "new_binary", "versions", "faults", "reuseport", "backlog",
                "worker_connections", "daemon", "directives", "sysctls", "config"});
  TargetSpec target;
  if (node["kind"]) {
    target.kind = r.one_of(node["kind"], "kind", {"fake", "nginx"}) == "fake" ? TargetKind::fake : TargetKind::nginx;
  }
  if (node["config"]) parse_user_config(r, node, scenario_file, target);
  if (node["workers"]) target.workers = static_cast<int>(r.integer(node["workers"], "workers", 1, 64));
  if (node["binary"]) target.binary.name = r.scalar(node["binary"], "binary");
  if (node["new_binary"]) target.new_binary.name = r.scalar(node["new_binary"], "new_binary");
  parse_binary_extras(r, node, target);
  if (node["reuseport"]) target.reuseport = r.boolean(node["reuseport"], "reuseport");
  if (node["backlog"]) target.backlog = static_cast<int>(r.integer(node["backlog"], "backlog", 1, 65535));
  if (node["worker_connections"]) {
    target.worker_connections =
        static_cast<int>(r.integer(node["worker_connections"], "worker_connections", 16, 100000));
  }
  if (node["daemon"]) target.daemon = r.boolean(node["daemon"], "daemon");
  if (node["directives"]) target.directives = parse_directives(r, node["directives"]);
  if (node["sysctls"]) target.sysctls = parse_sysctls(r, node["sysctls"]);
  return target;
}

// The keys of `expect: dropped:` itself; a request of the mix may not take one as its name, as
// `dropped: {NAME: n}` bounds that request.
constexpr std::string_view dropped_keys[] = {"max", "min", "reasons", "get", "post", "held"};

// `expect_status`: a status (404), a class ("2xx"), or a list of them.
std::vector<harness::StatusRange> parse_expect_status(const Reader& r, const YAML::Node& node) {
  std::vector<harness::StatusRange> ranges;
  const auto one = [&](const YAML::Node& item) {
    const auto text = r.scalar(item, "expect_status");
    if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && text.substr(1) == "xx") {
      const auto low = static_cast<std::uint16_t>((text[0] - '0') * 100);
      ranges.push_back({low, static_cast<std::uint16_t>(low + 99)});
      return;
    }
    long long status = 0;
    if (!YAML::convert<long long>::decode(item, status) || status < 100 || status > 599) {
      r.fail(item, "'expect_status' takes statuses 100..599 or classes 1xx..5xx, got '" + text + "'");
    }
    ranges.push_back({static_cast<std::uint16_t>(status), static_cast<std::uint16_t>(status)});
  };
  if (node.IsSequence()) {
    if (node.size() == 0) r.fail(node, "'expect_status' needs at least one status");
    for (const auto& item : node) one(item);
  } else {
    one(node);
  }
  return ranges;
}

harness::MixRequest parse_request(const Reader& r, const YAML::Node& node) {
  r.check_keys(node, "a request", {"name", "method", "url", "headers", "body", "body_size", "expect_status", "weight"});
  harness::MixRequest request;
  if (!node["name"]) r.fail(node, "a request needs 'name'");
  request.name = r.scalar(node["name"], "name");
  for (const auto key : dropped_keys) {
    if (request.name == key) {
      r.fail(node["name"], "request name '" + request.name +
                               "' is one of expect: dropped's own keys (max, min, reasons, get, post, held); "
                               "choose another, so that dropped: {NAME: n} can bound it");
    }
  }
  if (node["method"]) request.method = r.scalar(node["method"], "method");
  if (!node["url"]) r.fail(node, "request '" + request.name + "' needs 'url' (http://HOST[:PORT]/PATH or /PATH)");
  std::string url_error;
  const auto url = harness::parse_request_url(r.scalar(node["url"], "url"), url_error);
  if (!url_error.empty()) r.fail(node["url"], "'url' " + node["url"].Scalar() + ": " + url_error);
  request.host = url.host;
  request.port = url.port;
  request.target = url.target;
  if (const auto headers = node["headers"]) {
    r.expect_map(headers, "headers");
    for (const auto& entry : headers) {
      const auto name = r.scalar(entry.first, "headers");
      request.headers.emplace_back(name, r.scalar(entry.second, name));
    }
  }
  if (node["body"] && node["body_size"]) r.fail(node["body_size"], "a request has 'body' or 'body_size', not both");
  if (node["body"]) request.body = r.scalar(node["body"], "body");
  if (node["body_size"]) {
    request.body.assign(static_cast<std::size_t>(r.integer(node["body_size"], "body_size", 1, harness::kMaxBodyBytes)),
                        'x');
  }
  if (node["expect_status"]) request.expect_status = parse_expect_status(r, node["expect_status"]);
  if (node["weight"]) {
    request.weight = static_cast<std::uint32_t>(r.integer(node["weight"], "weight", 1, harness::kMaxWeight));
  }
  if (const auto error = harness::mix_error({request})) r.fail(node, *error);
  return request;
}

std::vector<harness::MixRequest> parse_requests(const Reader& r, const YAML::Node& node) {
  if (!node.IsSequence() || node.size() == 0) r.fail(node, "'requests' must be a list of at least one request");
  std::vector<harness::MixRequest> requests;
  for (const auto& item : node) {
    auto request = parse_request(r, item);
    for (const auto& earlier : requests) {
      if (earlier.name == request.name) r.fail(item["name"], "request name '" + request.name + "' is used twice");
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

harness::LoadConfig parse_load(const Reader& r, const YAML::Node& node) {
  r.check_keys(node, "load",
               {"scheme", "tls", "keepalive", "idle", "held", "rate", "post", "timeouts", "requests", "seed"});
  harness::LoadConfig load;
  // scheme https: every connection of every traffic shape is TLS; the run's test CA is trusted.
  if (node["scheme"]) load.tls.enabled = r.one_of(node["scheme"], "scheme", {"http", "https"}) == "https";
  if (const auto tls = node["tls"]) {
    if (!load.tls.enabled) r.fail(tls, "'tls' sets up TLS, which needs 'scheme: https'");
    r.check_keys(tls, "tls", {"server_name", "resume"});
    if (tls["server_name"]) {
      load.tls.server_name = r.scalar(tls["server_name"], "server_name");
      const bool valid =
          !load.tls.server_name.empty() && load.tls.server_name.size() <= 253 &&
          load.tls.server_name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
      if (!valid)
        r.fail(tls["server_name"], "'server_name' must be a DNS name in lower case (letters, digits, '.', '-')");
    }
    if (tls["resume"]) {
      const auto resume = r.one_of(tls["resume"], "resume", {"off", "tickets", "ids"});
      load.tls.resume = resume == "tickets" ? harness::TlsResume::tickets
                        : resume == "ids"   ? harness::TlsResume::ids
                                            : harness::TlsResume::off;
    }
  }
  const auto connections = [&](const YAML::Node& kind, const char* name) {
    if (!kind["connections"]) r.fail(kind, std::string(name) + " needs 'connections'");
    return static_cast<int>(r.integer(kind["connections"], "connections", 1, 10000));
  };
  const auto per_second = [&](const YAML::Node& kind, const char* name) {
    if (!kind["per_second"]) r.fail(kind, std::string(name) + " needs 'per_second'");
    const double rate = r.number(kind["per_second"], "per_second");
    if (rate <= 0 || rate > 100000) r.fail(kind["per_second"], "'per_second' must be above 0 and at most 100000");
    return rate;
  };
  if (const auto k = node["keepalive"]) {
    r.check_keys(k, "keepalive", {"connections"});
    load.keepalive.connections = connections(k, "keepalive");
  }
  if (const auto idle = node["idle"]) {
    r.check_keys(idle, "idle", {"connections", "every"});
    load.idle.connections = connections(idle, "idle");
    if (idle["every"]) load.idle.every = r.duration(idle["every"], "every");
  }
  if (const auto held = node["held"]) {
    r.check_keys(held, "held", {"connections", "seconds", "bytes", "start"});
    load.held.connections = connections(held, "held");
    if (held["seconds"]) {
      load.held.seconds = r.number(held["seconds"], "seconds");
      if (load.held.seconds <= 0 || load.held.seconds > 3600) r.fail(held["seconds"], "'seconds' must be in (0, 3600]");
    }
    if (held["bytes"]) load.held.bytes = static_cast<std::uint64_t>(r.integer(held["bytes"], "bytes", 1, 1LL << 30));
    if (held["start"])
      load.held.start_together = r.one_of(held["start"], "start", {"spread", "together"}) == "together";
  }
  if (const auto rate = node["rate"]) {
    r.check_keys(rate, "rate", {"per_second"});
    load.rate.per_second = per_second(rate, "rate");
  }
  // Either form of POST traffic, not both: per_second (each POST on a new connection), or
  // connections and every (keep-alive POSTs, as idle's GETs).
  if (const auto post = node["post"]) {
    r.check_keys(post, "post", {"per_second", "connections", "every"});
    if (post["per_second"] && post["connections"]) {
      r.fail(post, "post takes 'per_second' (a new connection per POST) or 'connections' (keep-alive), not both");
    }
    if (post["connections"]) {
      load.post.connections = connections(post, "post");
      if (post["every"]) load.post.every = r.duration(post["every"], "every");
    } else {
      if (post["every"]) r.fail(post["every"], "'every' is for keep-alive POSTs: it needs 'connections'");
      if (!post["per_second"]) r.fail(post, "post needs 'per_second' or 'connections'");
      load.post.per_second = per_second(post, "post");
    }
  }
  // The client's patience: each one set replaces its default (load_config.h); zero would end
  // every request at once, so each must be positive.
  if (const auto timeouts = node["timeouts"]) {
    r.check_keys(timeouts, "timeouts", {"connect", "first_byte", "response"});
    const auto positive = [&](const char* key, std::chrono::milliseconds& into) {
      if (!timeouts[key]) return;
      into = r.duration(timeouts[key], key);
      if (into.count() <= 0) r.fail(timeouts[key], "'" + std::string(key) + "' must be longer than 0ms");
    };
    positive("connect", load.connect_timeout);
    positive("first_byte", load.first_byte_timeout);
    positive("response", load.response_timeout);
  }
  if (node["seed"] && !node["requests"]) r.fail(node["seed"], "'seed' chooses among 'requests', which are missing");
  if (const auto requests = node["requests"]) {
    load.requests = parse_requests(r, requests);
    if (node["seed"]) {
      load.seed = static_cast<std::uint64_t>(r.integer(node["seed"], "seed", 0, std::numeric_limits<long long>::max()));
    }
    if (const auto post = node["post"]) {
      r.fail(post, "'post' (hotdeploy's own POST /echo) does not run beside 'requests': put POSTs in the mix");
    }
    if (const auto held = node["held"]; held && held["bytes"]) {
      r.fail(held["bytes"],
             "held 'bytes' asks hotdeploy's own GET /held for a size; with 'requests' the "
             "server decides the body");
    }
    if (load.keepalive.connections == 0 && load.idle.connections == 0 && load.held.connections == 0 &&
        load.rate.per_second == 0) {
      r.fail(requests, "'requests' need a traffic shape to send them: keepalive, idle, rate or held");
    }
  }
  return load;
}

constexpr auto kMaxCount = std::numeric_limits<std::int32_t>::max();

// `{max: x}` of a duration metric in milliseconds.
double parse_ms_max(const Reader& r, const YAML::Node& node, const char* key) {
  r.check_keys(node, key, {"max"});
  if (!node["max"]) r.fail(node, std::string(key) + " needs 'max'");
  return r.number(node["max"], "max");
}

// A count with bounds: `n` (at most n) or `{max: n, min: m}`.
void parse_count_bounds(const Reader& r, const YAML::Node& node, const char* key, std::optional<std::uint64_t>& max,
                        std::optional<std::uint64_t>& min) {
  if (!node.IsMap()) {
    max = r.integer(node, key, 0, kMaxCount);
    return;
  }
  r.check_keys(node, key, {"max", "min"});
  max.reset();
  if (node["max"]) max = r.integer(node["max"], "max", 0, kMaxCount);
  if (node["min"]) min = r.integer(node["min"], "min", 0, kMaxCount);
  if (max && min && *min > *max) r.fail(node, std::string(key) + ": min is greater than max");
}

// `{max: n, min: n}`, at least one of them.
void parse_bounds_map(const Reader& r, const YAML::Node& node, const char* key, harness::CountBounds& bounds) {
  r.check_keys(node, key, {"max", "min"});
  if (!node["max"] && !node["min"]) r.fail(node, std::string(key) + " needs max, min or both");
  parse_count_bounds(r, node, key, bounds.max, bounds.min);
}

// `kernel: {NAME: {min: n, max: n}, ...}`: NAME one of the counters a run keeps, in nstat's
// spelling (kernel_counters.h).
void parse_kernel(const Reader& r, const YAML::Node& node, std::map<std::string, harness::CountBounds>& kernel) {
  r.expect_map(node, "kernel");
  if (node.size() == 0) r.fail(node, "kernel needs at least one counter");
  std::vector<std::string_view> kept(kept_kernel_counters().begin(), kept_kernel_counters().end());
  for (const auto& entry : node) {
    const auto name = r.scalar(entry.first, "kernel");
    if (std::find(kept.begin(), kept.end(), name) == kept.end()) {
      std::string known;
      for (const auto k : kept) known += (known.empty() ? "" : ", ") + std::string(k);
      r.fail(entry.first, "unknown kernel counter '" + name + "' (known: " + known + ")");
    }
    parse_bounds_map(r, entry.second, name.c_str(), kernel[name]);
  }
}

// `dropped: N`, or a mapping of max, min, reasons (the only reasons allowed) and a maximum per
// request kind (get, post, held). A mapping sets only the bounds it names: without `max` the
// total is unbounded.
void parse_dropped(const Reader& r, const YAML::Node& node, const std::vector<harness::MixRequest>& requests,
                   harness::Expectations& expect) {
  if (!node.IsMap()) {
    parse_count_bounds(r, node, "dropped", expect.dropped_max, expect.dropped_min);
    return;
  }
  for (const auto& entry : node) {
    const auto key = r.scalar(entry.first, "dropped");
    if (std::find(std::begin(dropped_keys), std::end(dropped_keys), key) != std::end(dropped_keys)) continue;
    const bool named = std::any_of(requests.begin(), requests.end(), [&](const auto& q) { return q.name == key; });
    if (!named) {
      std::string names;
      for (const auto& q : requests) names += ", " + q.name;
      r.fail(entry.first, "unknown key '" + key + "' in dropped (known: max, min, reasons, get, post, held" +
                              (requests.empty() ? std::string(")") : std::string("; the requests") + names + ")"));
    }
    expect.dropped_max_by_name[key] = static_cast<std::uint64_t>(r.integer(entry.second, key, 0, kMaxCount));
  }
  expect.dropped_max.reset();
  if (node["max"]) expect.dropped_max = r.integer(node["max"], "max", 0, kMaxCount);
  if (node["min"]) expect.dropped_min = r.integer(node["min"], "min", 0, kMaxCount);
  if (expect.dropped_max && expect.dropped_min && *expect.dropped_min > *expect.dropped_max) {
    r.fail(node, "dropped: min is greater than max");
  }
  for (const char* kind : {"get", "post", "held"}) {
    if (!node[kind]) continue;
    expect.dropped_max_by_kind[*harness::from_string<harness::RequestKind>(kind)] =
        r.integer(node[kind], kind, 0, kMaxCount);
  }
  if (const auto reasons = node["reasons"]) {
    if (!reasons.IsSequence()) r.fail(reasons, "'reasons' must be a list of drop reasons");
    std::vector<harness::Reason> allowed;
    for (const auto& item : reasons) {
      const auto name = r.scalar(item, "reasons");
      const auto reason = harness::from_string<harness::Reason>(name);
      if (!reason || *reason == harness::Reason::none) r.fail(item, "unknown drop reason '" + name + "'");
      allowed.push_back(*reason);
    }
    expect.dropped_reasons = std::move(allowed);
  }
}

std::string parse_pattern(const Reader& r, const YAML::Node& node, const char* key) {
  auto pattern = r.scalar(node, key);
  if (const auto error = harness::regex_error(pattern)) {
    r.fail(node, "invalid regular expression '" + pattern + "': " + *error);
  }
  return pattern;
}

std::vector<std::string> parse_patterns(const Reader& r, const YAML::Node& node, const char* key) {
  if (!node.IsSequence()) r.fail(node, std::string("'") + key + "' must be a list of regular expressions");
  std::vector<std::string> patterns;
  for (const auto& item : node) patterns.push_back(parse_pattern(r, item, key));
  return patterns;
}

SignalStep parse_signal(const Reader& r, const YAML::Node& node) {
  r.check_keys(node, "signal", {"send", "to"});
  if (!node["send"]) r.fail(node, "signal needs 'send' (one of USR2, WINCH, QUIT, TERM, INT, HUP, USR1, KILL)");
  SignalStep step;
  auto name = r.scalar(node["send"], "send");
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  for (const auto& known : kKnownSignals) {
    if (known.name == name) {
      step.signal_name = name;
      step.signal_number = known.number;
    }
  }
  if (step.signal_number == 0) {
    r.fail(node["send"], "unknown signal '" + name + "' (known: USR2, WINCH, QUIT, TERM, INT, HUP, USR1, KILL)");
  }
  if (node["to"]) step.to = r.master(node["to"], "to", true);
  return step;
}

WaitStep parse_wait(const Reader& r, const YAML::Node& node) {
  r.check_keys(node, "wait", {"until", "of", "timeout", "pattern"});
  if (!node["until"]) r.fail(node, "wait needs 'until' (serving, master_ready, workers_exited, master_exited, log)");
  WaitStep step;
  const auto until =
      r.one_of(node["until"], "until", {"serving", "master_ready", "workers_exited", "master_exited", "log"});
  if (until == "log") {
    step.until = WaitCondition::log;
    if (!node["pattern"]) r.fail(node, "wait until log needs 'pattern' (a regular expression)");
    if (node["of"]) r.fail(node["of"], "wait until log takes no 'of': it reads the one error.log");
    step.pattern = parse_pattern(r, node["pattern"], "pattern");
  } else if (node["pattern"]) {
    r.fail(node["pattern"], "'pattern' belongs to wait until log");
  }
  if (until == "serving") step.until = WaitCondition::serving;
  if (until == "master_ready") step.until = WaitCondition::master_ready;
  if (until == "workers_exited") step.until = WaitCondition::workers_exited;
  if (until == "master_exited") step.until = WaitCondition::master_exited;
  if (node["of"]) step.of = r.master(node["of"], "of", false);
  if (node["timeout"]) step.timeout = r.duration(node["timeout"], "timeout");
  return step;
}

// The procedures of the reference (nginx-upgrade-semantics.md), step for step.
std::vector<decltype(Step::action)> procedure_steps(std::string_view procedure) {
  using namespace std::chrono_literals;
  const MasterRef old_master{MasterRef::Kind::oldest, 0};
  const MasterRef new_master{MasterRef::Kind::newest, 0};
  if (procedure == "upgrade") {
    return {
        SwapBinaryStep{BinaryChoice::next},
        SignalStep{"USR2", SIGUSR2, old_master},
        WaitStep{WaitCondition::master_ready, new_master, 5000ms, {}},
        SignalStep{"WINCH", SIGWINCH, old_master},
        WaitStep{WaitCondition::workers_exited, old_master, 10000ms, {}},
        SignalStep{"QUIT", SIGQUIT, old_master},
        WaitStep{WaitCondition::master_exited, old_master, 10000ms, {}},
    };
  }
  if (procedure == "rollback via hup") {  // doc variant (a)
    return {
        SwapBinaryStep{BinaryChoice::previous},
        SignalStep{"HUP", SIGHUP, old_master},
        WaitStep{WaitCondition::serving, old_master, 10000ms, {}},
        SignalStep{"QUIT", SIGQUIT, new_master},
        WaitStep{WaitCondition::master_exited, new_master, 10000ms, {}},
    };
  }
  if (procedure == "rollback via term") {  // doc variant (b): the old master restarts its workers itself
    return {
        SwapBinaryStep{BinaryChoice::previous},
        SignalStep{"TERM", SIGTERM, new_master},
        WaitStep{WaitCondition::master_exited, new_master, 10000ms, {}},
        WaitStep{WaitCondition::serving, old_master, 10000ms, {}},
    };
  }
  // The seed walkthrough: its USR2 to the new master is ignored by nginx (the old master lives).
  return {
      SwapBinaryStep{BinaryChoice::previous},
      SignalStep{"HUP", SIGHUP, old_master},
      WaitStep{WaitCondition::serving, old_master, 10000ms, {}},
      SignalStep{"USR2", SIGUSR2, new_master},
      SignalStep{"WINCH", SIGWINCH, new_master},
      WaitStep{WaitCondition::workers_exited, new_master, 10000ms, {}},
      SignalStep{"QUIT", SIGQUIT, new_master},
      WaitStep{WaitCondition::master_exited, new_master, 10000ms, {}},
  };
}

void append_procedure(std::vector<Step>& steps, int line, const std::string& procedure) {
  for (auto& action : procedure_steps(procedure)) steps.push_back(Step{std::move(action), line, procedure});
}

ConfigStep parse_config(const Reader& r, const YAML::Node& node) {
  r.check_keys(node, "config", {"workers", "directives", "broken"});
  if (node.size() == 0) r.fail(node, "config needs at least one of workers, directives, broken");
  ConfigStep step;
  if (node["workers"]) step.workers = static_cast<int>(r.integer(node["workers"], "workers", 1, 64));
  if (node["directives"]) step.directives = parse_directives(r, node["directives"]);
  if (node["broken"]) step.broken = r.boolean(node["broken"], "broken");
  return step;
}

// `exec: {run: [argv...] | "shell line", timeout: D, expect_exit: N}`, run from the scenario
// file's folder.
ExecStep parse_exec(const Reader& r, const YAML::Node& node, const std::string& file) {
  r.check_keys(node, "exec", {"run", "timeout", "expect_exit"});
  if (!node["run"]) r.fail(node, "exec needs 'run': a list [program, arguments...] or a shell command line");
  ExecStep step;
  const auto run = node["run"];
  if (run.IsSequence()) {
    if (run.size() == 0) r.fail(run, "'run' needs at least the program");
    for (const auto& item : run) step.argv.push_back(r.scalar(item, "run"));
    if (step.argv.front().empty()) r.fail(run, "'run' names an empty program");
  } else {
    step.shell_line = r.scalar(run, "run");
    if (step.shell_line.empty()) r.fail(run, "'run' is an empty command line");
  }
  for (const auto& text : step.argv) {
    if (text.find('\0') != std::string::npos) r.fail(run, "'run' holds a NUL byte");
  }
  if (node["timeout"]) {
    step.timeout = r.duration(node["timeout"], "timeout");
    if (step.timeout.count() <= 0 || step.timeout > std::chrono::hours(1)) {
      r.fail(node["timeout"], "'timeout' must be above 0ms and at most 1h");
    }
  }
  if (node["expect_exit"]) step.expect_exit = static_cast<int>(r.integer(node["expect_exit"], "expect_exit", 0, 255));
  std::error_code error;
  const auto absolute = std::filesystem::absolute(file, error);
  step.directory = (error ? std::filesystem::path(file) : absolute).parent_path().string();
  return step;
}

void parse_steps(const Reader& r, const YAML::Node& node, const std::string& file, std::vector<Step>& steps) {
  if (!node.IsSequence()) r.fail(node, "steps must be a list");
  for (const auto& item : node) {
    if (!item.IsMap() || item.size() != 1) r.fail(item, "each step must be a mapping with exactly one step kind");
    const auto entry = *item.begin();
    const auto kind = entry.first.as<std::string>();
    const auto& body = entry.second;
    const int line = entry.first.Mark().line + 1;
    if (kind == "swap_binary") {
      const auto which = r.one_of(body, "swap_binary", {"new", "old"});
      steps.push_back(Step{SwapBinaryStep{which == "new" ? BinaryChoice::next : BinaryChoice::previous}, line, ""});
    } else if (kind == "signal") {
      steps.push_back(Step{parse_signal(r, body), line, ""});
    } else if (kind == "wait") {
      steps.push_back(Step{parse_wait(r, body), line, ""});
    } else if (kind == "sleep") {
      steps.push_back(Step{SleepStep{r.duration(body, "sleep")}, line, ""});
    } else if (kind == "config") {
      steps.push_back(Step{parse_config(r, body), line, ""});
    } else if (kind == "exec") {
      steps.push_back(Step{parse_exec(r, body, file), line, ""});
    } else if (kind == "upgrade") {
      if (!(body.IsMap() && body.size() == 0) && !body.IsNull())
        r.fail(body, "upgrade takes no parameters: write 'upgrade: {}'");
      append_procedure(steps, line, "upgrade");
    } else if (kind == "rollback") {
      r.check_keys(body, "rollback", {"via"});
      if (!body["via"]) r.fail(body, "rollback needs 'via' (hup, term or seed)");
      append_procedure(steps, line, "rollback via " + r.one_of(body["via"], "via", {"hup", "term", "seed"}));
    } else {
      r.fail(entry.first, "unknown step kind '" + kind +
                              "' (known: swap_binary, signal, wait, sleep, config, exec, upgrade, rollback)");
    }
  }
}

// `listen`: "PORT" (on 127.0.0.1), "HOST:PORT" or "[::1]:PORT", HOST a numeric loopback address.
void parse_listen(const Reader& r, const YAML::Node& node, harness::UpstreamConfig& upstream) {
  const std::string text = r.scalar(node, "listen");
  std::string host = "127.0.0.1";
  std::string port = text;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string::npos) r.fail(node, "'listen' must be PORT, HOST:PORT or [::1]:PORT, got '" + text + "'");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  in_addr v4{};
  in6_addr v6{};
  const bool loopback = (inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) ||
                        (inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6));
  if (!loopback) {
    r.fail(node, "'listen' must be on a numeric loopback address (127.0.0.0/8 or [::1]), got '" + text + "'");
  }
  const bool digits = !port.empty() && port.size() <= 5 &&
                      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    r.fail(node, "'listen' needs a port from 1 to 65535, got '" + text + "'");
  }
  upstream.host = host;
  upstream.port = static_cast<std::uint16_t>(std::stoi(port));
}

// `upstreams:`: a list of application servers (harness/upstream/upstream_server.h), each with a
// unique name and a unique listen address.
std::vector<harness::UpstreamConfig> parse_upstreams(const Reader& r, const YAML::Node& node) {
  if (!node.IsSequence()) r.fail(node, "'upstreams' must be a list of {name, listen, ...}");
  std::vector<harness::UpstreamConfig> upstreams;
  for (const auto& item : node) {
    r.check_keys(item, "an upstream",
                 {"name", "listen", "delay", "keepalive_timeout", "keepalive_requests", "status", "body_bytes"});
    harness::UpstreamConfig upstream;
    if (!item["name"]) r.fail(item, "an upstream needs 'name'");
    upstream.name = r.scalar(item["name"], "name");
    const bool name_ok = !upstream.name.empty() && std::all_of(upstream.name.begin(), upstream.name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!name_ok) r.fail(item["name"], "an upstream's 'name' may hold only letters, digits, '_' and '-'");
    if (!item["listen"]) r.fail(item, "upstream " + upstream.name + " needs 'listen' (PORT or HOST:PORT)");
    parse_listen(r, item["listen"], upstream);
    if (item["delay"]) upstream.delay_ns = r.duration(item["delay"], "delay").count() * 1'000'000;
    if (item["keepalive_timeout"]) {
      upstream.keepalive_timeout_ns = r.duration(item["keepalive_timeout"], "keepalive_timeout").count() * 1'000'000;
    }
    if (item["keepalive_requests"]) {
      upstream.keepalive_requests =
          static_cast<std::uint64_t>(r.integer(item["keepalive_requests"], "keepalive_requests", 0, 1'000'000'000));
    }
    if (item["status"]) upstream.status = static_cast<std::uint16_t>(r.integer(item["status"], "status", 200, 599));
    if (item["body_bytes"]) {
      upstream.body_bytes = static_cast<std::uint64_t>(r.integer(item["body_bytes"], "body_bytes", 0, 64LL << 20));
    }
    for (const auto& other : upstreams) {
      if (other.name == upstream.name) r.fail(item["name"], "two upstreams are named '" + upstream.name + "'");
      if (other.host == upstream.host && other.port == upstream.port) {
        r.fail(item["listen"], "upstreams " + other.name + " and " + upstream.name + " both listen on " +
                                   r.scalar(item["listen"], "listen"));
      }
    }
    upstreams.push_back(std::move(upstream));
  }
  return upstreams;
}

harness::Expectations parse_expect(const Reader& r, const YAML::Node& node,
                                   const std::vector<harness::MixRequest>& requests) {
  r.check_keys(node, "expect",
               {"dropped", "retried", "switchover_ms", "ready_ms", "drain_ms", "blackout_ms", "connect_ms",
                "served_by_at_end", "masters_at_end", "no_effect", "log", "upstream_answered_lost", "kernel"});
  harness::Expectations expect;
  if (const auto dropped = node["dropped"]) parse_dropped(r, dropped, requests, expect);
  if (const auto retried = node["retried"])
    parse_count_bounds(r, retried, "retried", expect.retried_max, expect.retried_min);
  if (const auto n = node["switchover_ms"]) expect.switchover_ms_max = parse_ms_max(r, n, "switchover_ms");
  if (const auto n = node["ready_ms"]) expect.ready_ms_max = parse_ms_max(r, n, "ready_ms");
  if (const auto n = node["drain_ms"]) expect.drain_ms_max = parse_ms_max(r, n, "drain_ms");
  if (const auto n = node["blackout_ms"]) expect.blackout_ms_max = parse_ms_max(r, n, "blackout_ms");
  if (const auto n = node["connect_ms"]) {
    // Bounds on connect latency's figures, each `{max: x}` as the other duration metrics.
    // over_1s: the count of connects over 1 s, `{min: n}` / `{max: n}` as the other counts.
    r.check_keys(n, "connect_ms", {"p50", "p99", "max", "over_1s"});
    if (!n["p50"] && !n["p99"] && !n["max"] && !n["over_1s"]) {
      r.fail(n, "connect_ms needs at least one of p50, p99, max, over_1s");
    }
    if (n["p50"]) expect.connect_ms_p50_max = parse_ms_max(r, n["p50"], "p50");
    if (n["p99"]) expect.connect_ms_p99_max = parse_ms_max(r, n["p99"], "p99");
    if (n["max"]) expect.connect_ms_max_max = parse_ms_max(r, n["max"], "max");
    if (n["over_1s"]) parse_bounds_map(r, n["over_1s"], "over_1s", expect.connect_over_1s);
  }
  if (const auto n = node["kernel"]) parse_kernel(r, n, expect.kernel);
  if (const auto n = node["masters_at_end"]) expect.masters_at_end = r.integer(n, "masters_at_end", 0, 64);
  if (const auto n = node["upstream_answered_lost"]) {
    expect.upstream_answered_lost_max = r.integer(n, "upstream_answered_lost", 0, kMaxCount);
  }
  if (const auto no_effect = node["no_effect"]) {
    if (no_effect.IsSequence()) {
      std::vector<std::string> steps;
      for (const auto& item : no_effect) steps.push_back(r.scalar(item, "no_effect"));
      expect.no_effect_steps = std::move(steps);
    } else {
      expect.no_effect_count = r.integer(no_effect, "no_effect", 0, 1000);
    }
  }
  if (const auto log = node["log"]) {
    r.check_keys(log, "log", {"contains", "not_contains"});
    if (log["contains"]) expect.log_contains = parse_patterns(r, log["contains"], "contains");
    if (log["not_contains"]) expect.log_not_contains = parse_patterns(r, log["not_contains"], "not_contains");
  }
  if (const auto served = node["served_by_at_end"]) {
    expect.served_by_at_end = r.one_of(served, "served_by_at_end", {"old", "new"}) == "old"
                                  ? harness::ServedBy::old_generation
                                  : harness::ServedBy::new_generation;
  }
  return expect;
}

// diff: {allow: [rule, ...]}: the rules by which `hotdeploy diff` may leave this scenario's dropped
// requests out (harness/judge/run_comparison.h names them).
harness::DiffAllowances parse_diff(const Reader& r, const YAML::Node& node) {
  r.check_keys(node, "diff", {"allow"});
  harness::DiffAllowances allowed;
  const auto allow = node["allow"];
  if (!allow) return allowed;
  if (!allow.IsSequence()) r.fail(allow, "'allow' must be a list of rule names");
  for (const auto& item : allow) {
    const auto name = r.scalar(item, "allow");
    const auto rule = harness::diff_rule_named(name);
    if (!rule) {
      r.fail(item, "unknown diff rule '" + name +
                       "' (known: sent_after_steps, reset_after_shutdown, cut_by_fast_shutdown, "
                       "keepalive_close_race, refusal_count)");
    }
    if (!allowed.insert(*rule).second) r.fail(item, "diff rule '" + name + "' is listed twice");
  }
  return allowed;
}

Scenario parse_root(const Reader& r, const YAML::Node& root, const std::string& file) {
  if (!root.IsMap()) r.fail(root, "a scenario must be a mapping with name, target, load, steps and expect");
  r.check_keys(root, "the scenario", {"name", "summary", "target", "load", "upstreams", "steps", "expect", "diff"});
  Scenario scenario;
  scenario.file = file;
  if (!root["name"]) r.fail(root, "missing 'name'");
  scenario.name = r.scalar(root["name"], "name");
  if (scenario.name.empty()) r.fail(root["name"], "'name' must not be empty");
  for (char c : scenario.name) {
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!allowed || scenario.name[0] == '.') {
      r.fail(root["name"],
             "'name' may hold only letters, digits, '_', '-' and '.' and must not start with '.' "
             "(it names a directory), got '" +
                 scenario.name + "'");
    }
  }
  if (root["summary"]) scenario.summary = r.scalar(root["summary"], "summary");
  if (root["target"]) scenario.target = parse_target(r, root["target"], file);
  if (root["load"]) scenario.load = parse_load(r, root["load"]);
  if (root["upstreams"]) scenario.upstreams = parse_upstreams(r, root["upstreams"]);
  if (!root["steps"]) r.fail(root, "missing 'steps'");
  parse_steps(r, root["steps"], file, scenario.steps);
  for (const auto& item : root["steps"]) {
    if (!scenario.target.config.empty() && item["config"]) {
      r.fail(item, "a config step rewrites hotdeploy's own nginx.conf; with target.config, change the user's files");
    }
  }
  if (root["expect"]) scenario.expect = parse_expect(r, root["expect"], scenario.load.requests);
  if (root["diff"]) scenario.diff_allow = parse_diff(r, root["diff"]);
  return scenario;
}

// The code point of the well-formed UTF-8 sequence at text[i], `length` bytes long.
unsigned code_point(std::string_view text, std::size_t i, std::size_t length) {
  unsigned value = static_cast<unsigned char>(text[i]) & (length == 1 ? 0x7fu : 0x7fu >> length);
  for (std::size_t k = 1; k < length; ++k) value = value << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3fu);
  return value;
}

// Whether the character at text[i], `length` bytes long, is one YAML 1.2 lets a stream hold
// (§5.1, c-printable): tab, line feed, carriage return and the printable characters; not the
// other C0 and C1 controls, DEL, U+FFFE or U+FFFF.
bool yaml_printable(std::string_view text, std::size_t i, std::size_t length) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (length == 1) return byte == '\t' || byte == '\n' || byte == '\r' || (byte >= 0x20 && byte != 0x7f);
  const auto second = static_cast<unsigned char>(text[i + 1]);
  if (byte == 0xc2) return second >= 0xa0 || second == 0x85;
  if (byte == 0xef && second == 0xbf) return static_cast<unsigned char>(text[i + 2]) < 0xbe;
  return true;
}

// YAML text is UTF-8 made of printable characters. yaml-cpp reads other bytes as they are but
// writes a byte that is not UTF-8 as U+FFFD and a NUL as something else again, so the copy a run
// keeps (run_record.h) would differ from the scenario that ran: refused here instead.
void refuse_non_yaml_text(const Reader& r, std::string_view text) {
  int line = 0;
  int column = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const std::size_t length = byte >= 0x80 ? harness::utf8_sequence_length(text, i) : 1;
    if (length == 0 || !yaml_printable(text, i, length)) {
      YAML::Mark mark;
      mark.line = line;
      mark.column = column;
      char what[32];
      if (length == 0) {
        std::snprintf(what, sizeof what, "byte 0x%02x", byte);
        r.fail_at(mark, std::string(what) + " is not UTF-8 (a scenario file is UTF-8 text)");
      }
      std::snprintf(what, sizeof what, "character U+%04X", code_point(text, i, length));
      r.fail_at(mark, std::string(what) + " is not printable (a scenario file holds text, tabs and line ends)");
    }
    ++column;
    if (byte == '\n') {
      ++line;
      column = 0;
    }
    i += length;
  }
}

}  // namespace

Scenario parse_scenario_text(std::string_view text, const std::string& file_label) {
  const Reader reader(file_label);
  refuse_non_yaml_text(reader, text);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    reader.fail_at(e.mark, e.msg);
  }
  try {
    return parse_root(reader, root, file_label);
  } catch (const YAML::Exception& e) {
    reader.fail_at(e.mark, e.msg);
  }
}

Scenario parse_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path + ": cannot open the scenario file");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw ScenarioError(path + ": cannot read the scenario file");
  return parse_scenario_text(content.str(), path);
}

}  // namespace hotdeploy::orchestrator
