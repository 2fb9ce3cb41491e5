#include "orchestrator/user_config.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "orchestrator/environment_error.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

// Include chains deeper than this are taken as a loop (nginx itself would recurse until it runs
// out of descriptors).
constexpr int kMaxIncludeDepth = 32;

struct Token {
  enum class Kind : std::uint8_t { word, semicolon, open, close };
  Kind kind = Kind::word;
  std::string text;
  int line = 0;
  std::size_t end = 0;  // offset just past the token
};

// A problem in a file, thrown inside the reader and kept as UserConfig::problem.
struct ReadProblem : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void problem_at(const fs::path& file, int line, const std::string& what) {
  throw ReadProblem(file.string() + ":" + std::to_string(line) + ": " + what);
}

// nginx's escapes in words and quoted strings: \" \' \\ are the character, \t \r \n the control.
void append_escaped(std::string& out, char next) {
  switch (next) {
    case 't': out += '\t'; break;
    case 'r': out += '\r'; break;
    case 'n': out += '\n'; break;
    case '"':
    case '\'':
    case '\\': out += next; break;
    default: out += '\\'; out += next;
  }
}

// Splits a file into nginx's tokens (ngx_conf_read_token): words end at whitespace, ';' or '{'
// (but "${" stays in a word); '}' closes a block only where a token starts; '#' starts a comment
// only where a token starts.
std::vector<Token> tokenize(const fs::path& file, const std::string& text) {
  std::vector<Token> tokens;
  int line = 1;
  std::size_t i = 0;
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (is_space(c)) {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == ';' || c == '{' || c == '}') {
      const auto kind = c == ';' ? Token::Kind::semicolon : c == '{' ? Token::Kind::open : Token::Kind::close;
      tokens.push_back({kind, std::string(1, c), line, i + 1});
      ++i;
    } else if (c == '"' || c == '\'') {
      const int start_line = line;
      std::string word;
      ++i;
      while (i < text.size() && text[i] != c) {
        if (text[i] == '\n') ++line;
        if (text[i] == '\\' && i + 1 < text.size()) {
          append_escaped(word, text[i + 1]);
          i += 2;
          continue;
        }
        word += text[i++];
      }
      if (i >= text.size()) problem_at(file, start_line, std::string("unterminated quoted string (") + c + ")");
      ++i;
      if (i < text.size() && !is_space(text[i]) && text[i] != ';' && text[i] != '{' && text[i] != ')') {
        problem_at(file, line, std::string("unexpected \"") + text[i] + "\" after a quoted string");
      }
      tokens.push_back({Token::Kind::word, word, start_line, i});
    } else {
      std::string word;
      bool after_dollar = false;
      while (i < text.size() && !is_space(text[i]) && text[i] != ';' && (text[i] != '{' || after_dollar)) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          append_escaped(word, text[i + 1]);
          i += 2;
          after_dollar = false;
          continue;
        }
        after_dollar = text[i] == '$';
        word += text[i++];
      }
      tokens.push_back({Token::Kind::word, word, line, i});
    }
  }
  return tokens;
}

struct Directive {
  std::string name;
  std::vector<std::string> args;
  ConfigPlace where;
  bool block = false;
  std::size_t body_offset = 0;  // just after '{' in where.file
  std::vector<Directive> children;
};

bool has_pattern(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

class Reader {
 public:
  Reader(UserConfig& config, fs::path conf_prefix) : config_(config), conf_prefix_(std::move(conf_prefix)) {}

  std::vector<Directive> read_file(const fs::path& file, int depth) {
    if (depth > kMaxIncludeDepth) {
      throw ReadProblem(file.string() + ": included more than " + std::to_string(kMaxIncludeDepth) +
                        " levels deep (an include loop?)");
    }
    if (!config_.texts.contains(file)) {
      std::ifstream in(file, std::ios::binary);
      if (!in) throw ReadProblem(file.string() + ": cannot open it");
      std::ostringstream content;
      content << in.rdbuf();
      config_.texts[file] = content.str();
      config_.files.push_back(file);
    }
    const auto tokens = tokenize(file, config_.texts.at(file));
    std::size_t at = 0;
    auto directives = parse_list(file, tokens, at, depth, false);
    return directives;
  }

 private:
  std::vector<Directive> parse_list(const fs::path& file, const std::vector<Token>& tokens, std::size_t& at, int depth,
                                    bool in_block) {
    std::vector<Directive> list;
    std::vector<const Token*> words;
    while (at < tokens.size()) {
      const auto& token = tokens[at++];
      switch (token.kind) {
        case Token::Kind::word: words.push_back(&token); break;
        case Token::Kind::semicolon: {
          if (words.empty()) problem_at(file, token.line, "unexpected \";\"");
          Directive directive = make(file, words);
          words.clear();
          if (directive.name == "include" && directive.args.size() == 1) {
            for (auto& included : include(directive, depth)) list.push_back(std::move(included));
          } else {
            list.push_back(std::move(directive));
          }
          break;
        }
        case Token::Kind::open: {
          if (words.empty()) problem_at(file, token.line, "unexpected \"{\"");
          Directive directive = make(file, words);
          words.clear();
          directive.block = true;
          directive.where.line = token.line;
          directive.body_offset = token.end;
          directive.children = parse_list(file, tokens, at, depth, true);
          list.push_back(std::move(directive));
          break;
        }
        case Token::Kind::close:
          if (!words.empty()) problem_at(file, token.line, "unexpected \"}\"");
          if (!in_block) problem_at(file, token.line, "unexpected \"}\"");
          return list;
      }
    }
    const int last_line = tokens.empty() ? 1 : tokens.back().line;
    if (!words.empty()) problem_at(file, last_line, "unexpected end of file, expecting \";\" or \"}\"");
    if (in_block) problem_at(file, last_line, "unexpected end of file, expecting \"}\"");
    return list;
  }

  static Directive make(const fs::path& file, const std::vector<const Token*>& words) {
    Directive directive;
    directive.name = words.front()->text;
    directive.where = {file, words.front()->line};
    for (std::size_t k = 1; k < words.size(); ++k) directive.args.push_back(words[k]->text);
    return directive;
  }

  std::vector<Directive> include(const Directive& directive, int depth) {
    fs::path target(directive.args.front());
    if (target.is_relative()) target = conf_prefix_ / target;
    std::vector<fs::path> matches;
    if (has_pattern(target.string())) {
      glob_t found{};
      const int status = ::glob(target.c_str(), 0, nullptr, &found);
      if (status == 0) {
        for (std::size_t k = 0; k < found.gl_pathc; ++k) matches.emplace_back(found.gl_pathv[k]);
      }
      ::globfree(&found);
      if (status != 0 && status != GLOB_NOMATCH) {
        problem_at(directive.where.file, directive.where.line, "cannot expand include " + target.string());
      }
    } else {
      matches.push_back(target);
    }
    std::vector<Directive> spliced;
    for (const auto& match : matches) {
      std::error_code error;
      if (!fs::is_regular_file(match, error)) {
        if (has_pattern(target.string())) continue;  // nginx skips what a pattern matches that is no file
        problem_at(directive.where.file, directive.where.line, "include " + match.string() + ": no such file");
      }
      for (auto& d : read_file(match.lexically_normal(), depth + 1)) spliced.push_back(std::move(d));
    }
    return spliced;
  }

  UserConfig& config_;
  fs::path conf_prefix_;
};

enum class Context : std::uint8_t {
  main,
  events,
  http,
  server,
  location,
  if_in_location,
  stream,
  stream_server,
  other
};

// Blocks whose entries are data, not directives.
bool is_data_block(const std::string& name) {
  return name == "types" || name == "map" || name == "geo" || name == "split_clients" || name == "charset_map" ||
         name == "match" || name == "upstream";
}

bool is_temp_or_cache_path(const std::string& name) {
  for (const char* known :
       {"client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path",
        "proxy_cache_path", "fastcgi_cache_path", "uwsgi_cache_path", "scgi_cache_path"}) {
    if (name == known) return true;
  }
  return false;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "127.0.0.1:8080", "8080", "[::]:80", "localhost", "unix:/x" -> host and port (80 when absent).
std::optional<ListenAddress> parse_listen(const std::string& text) {
  ListenAddress address;
  if (text.rfind("unix:", 0) == 0) {
    address.host = text;
    return address;
  }
  std::string host = text;
  std::string port = "80";
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = text.substr(0, close + 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return std::nullopt;
      port = text.substr(close + 2);
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  } else if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(c) != 0; })) {
    host.clear();
    port = text;
  }
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(c); }))
    return std::nullopt;
  const auto number = std::stoi(port);
  if (number < 1 || number > 65535) return std::nullopt;
  address.host = host;
  address.port = static_cast<std::uint16_t>(number);
  return address;
}

class Analysis {
 public:
  Analysis(UserConfig& config, const NginxBuildDefaults& defaults, bool as_root)
      : config_(config), defaults_(defaults), as_root_(as_root) {}

  void walk(const std::vector<Directive>& list, Context context, const std::string& block_name) {
    for (const auto& d : list) visit(d, context, block_name);
  }

  void finish() {
    if (!pid_seen_) {
      config_.pid_file = defaults_.resolve(defaults_.pid_file);
      add_written(config_.pid_file.parent_path(),
                  "the pid file " + config_.pid_file.string() + " (compiled-in: the config names no pid)");
    }
    if (!error_log_seen_) {
      config_.error_log = log_target(defaults_.error_log);
    }
    // nginx opens its compiled-in error log before it reads the config.
    if (const auto early = log_target(defaults_.error_log); !early.empty() && early != "stderr") {
      add_written(fs::path(early).parent_path(), "the compiled-in error log " + early + ", opened before the config");
    }
    if (config_.has_http) {
      for (const auto& temp : defaults_.temp_paths) {
        const auto path = defaults_.resolve(temp);
        add_written(path, "compiled-in temp directory " + path.string(), true);
      }
      if (!http_access_log_seen_) {
        const auto path = defaults_.resolve(defaults_.access_log);
        add_written(path.parent_path(), "the compiled-in access log " + path.string());
      }
    }
  }

 private:
  // A log's target: a resolved path, "stderr", or "" (syslog:, memory:).
  std::string log_target(const std::string& value) const {
    if (value == "stderr") return value;
    if (value.rfind("syslog:", 0) == 0 || value.rfind("memory:", 0) == 0) return "";
    return defaults_.resolve(value).string();
  }

  void add_written(const fs::path& path, const std::string& why, bool created_by_nginx = false) {
    // Under /dev, /proc and /sys nginx writes to devices (/dev/stderr, /dev/null), not files.
    for (const char* system : {"/dev", "/proc", "/sys"}) {
      const auto relative = path.lexically_normal().lexically_relative(system);
      if (!relative.empty() && *relative.begin() != "..") return;
    }
    config_.written.push_back({path.lexically_normal(), why, created_by_nginx});
  }

  // A log path that may hold variables: the directory up to the first component with a '$'.
  void add_log(const std::string& directive, const std::string& value, const ConfigPlace& where) {
    const auto target = log_target(value);
    if (target.empty() || target == "stderr") return;
    fs::path directory;
    for (const auto& part : fs::path(target).parent_path()) {
      if (part.string().find('$') != std::string::npos) break;
      directory /= part;
    }
    add_written(directory, directive + " " + value + " at " + describe(where));
  }

  void visit(const Directive& d, Context context, const std::string& block_name) {
    const auto& name = d.name;
    if (context == Context::main) {
      if (name == "pid" && !d.args.empty()) {
        pid_seen_ = true;
        config_.pid_file = defaults_.resolve(d.args[0]);
        add_written(config_.pid_file.parent_path(), "pid " + d.args[0] + " at " + describe(d.where));
      }
      if (name == "worker_processes" && !d.args.empty()) {
        if (d.args[0] == "auto") {
          config_.workers = std::max(1, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
        } else {
          try {
            config_.workers = std::max(1, std::stoi(d.args[0]));
          } catch (const std::exception&) {
            // nginx -t names the bad value.
          }
        }
      }
      if (name == "error_log" && !d.args.empty() && !error_log_seen_) {
        error_log_seen_ = true;
        config_.error_log = log_target(d.args[0]);
      }
    }
    if (name == "error_log" && !d.args.empty()) add_log(name, d.args[0], d.where);
    if (name == "access_log" && !d.args.empty() && d.args[0] != "off") {
      add_log(name, d.args[0], d.where);
    }
    if (name == "access_log" && context == Context::http) http_access_log_seen_ = true;
    if (is_temp_or_cache_path(name) && !d.args.empty() && (context != Context::main)) {
      const auto path = defaults_.resolve(d.args[0]);
      add_written(path, name + " " + d.args[0] + " at " + describe(d.where), true);
    }
    if (name == "listen" && !d.args.empty() && (context == Context::server || context == Context::stream_server)) {
      if (auto address = parse_listen(d.args[0])) {
        address->where = d.where;
        address->stream = context == Context::stream_server;
        address->server_names = block_name;
        for (std::size_t k = 1; k < d.args.size(); ++k) {
          address->default_server |= d.args[k] == "default_server" || d.args[k] == "default";
          address->ssl |= d.args[k] == "ssl";
        }
        config_.listens.push_back(*address);
      }
    }
    if (!d.block || is_data_block(name)) return;
    const auto inner = inner_context(context, name);
    if (inner == Context::http) config_.has_http = true;
    std::string inner_name = name;
    if (inner == Context::server || inner == Context::stream_server) inner_name = server_names(d);
    if (inner == Context::location || inner == Context::if_in_location) {
      for (const auto& arg : d.args) inner_name += " " + arg;
    }
    const auto listens_before = config_.listens.size();
    walk(d.children, inner, inner_name);
    if (inner == Context::server && config_.listens.size() == listens_before) {
      ListenAddress implicit;
      implicit.host = "*";
      implicit.port = as_root_ ? 80 : 8000;
      implicit.server_names = inner_name;
      implicit.where = d.where;
      config_.listens.push_back(implicit);
    }
    plan_injection(d, inner, inner == Context::server ? "server (server_name " + inner_name + ")" : inner_name);
  }

  static std::string server_names(const Directive& server) {
    std::string names;
    for (const auto& child : server.children) {
      if (child.name != "server_name") continue;
      for (const auto& arg : child.args) names += (names.empty() ? "" : " ") + arg;
    }
    return names.empty() ? "\"\"" : names;
  }

  static Context inner_context(Context outer, const std::string& name) {
    if (outer == Context::main && name == "http") return Context::http;
    if (outer == Context::main && name == "events") return Context::events;
    if (outer == Context::main && name == "stream") return Context::stream;
    if (outer == Context::http && name == "server") return Context::server;
    if (outer == Context::stream && name == "server") return Context::stream_server;
    if ((outer == Context::server || outer == Context::location) && name == "location") return Context::location;
    if (outer == Context::location && name == "if") return Context::if_in_location;
    return Context::other;
  }

  void plan_injection(const Directive& block, Context context, const std::string& shown) {
    const bool header_context = context == Context::http || context == Context::server ||
                                context == Context::location || context == Context::if_in_location;
    if (!header_context) return;
    bool own_headers = false;
    bool names_worker_pid = false;
    for (const auto& child : block.children) {
      if (child.name != "add_header") continue;
      own_headers = true;
      names_worker_pid |= !child.args.empty() && lower(child.args[0]) == "x-worker-pid";
    }
    if (names_worker_pid) return;
    std::string why;
    if (context == Context::http) {
      why =
          "every response names the worker process that served it, which is how hotdeploy tells old and new "
          "generations apart";
    } else if (own_headers) {
      why =
          "this block has add_header directives of its own, so it inherits none from the level above "
          "(nginx's rule); without this line its responses would not name their worker";
    } else {
      return;
    }
    config_.injections.push_back({block.where, block.body_offset, context == Context::http ? "http" : shown, why});
  }

  UserConfig& config_;
  const NginxBuildDefaults& defaults_;
  bool as_root_;
  bool pid_seen_ = false;
  bool error_log_seen_ = false;
  bool http_access_log_seen_ = false;
};

}  // namespace

std::string describe(const ConfigPlace& place) { return place.file.string() + ":" + std::to_string(place.line); }

UserConfig read_user_config(const fs::path& main_file, const NginxBuildDefaults& defaults, bool as_root) {
  UserConfig config;
  config.main_file = fs::absolute(main_file).lexically_normal();
  std::error_code error;
  if (!fs::is_regular_file(config.main_file, error)) {
    throw EnvironmentError(config.main_file.string() + ": no such file");
  }
  if (::access(config.main_file.c_str(), R_OK) != 0) {
    throw EnvironmentError(config.main_file.string() + ": cannot read it");
  }
  Reader reader(config, config.main_file.parent_path());
  Analysis analysis(config, defaults, as_root);
  try {
    analysis.walk(reader.read_file(config.main_file, 0), Context::main, "");
  } catch (const ReadProblem& e) {
    config.problem = e.what();
  }
  analysis.finish();
  return config;
}

std::map<fs::path, std::string> rewritten_files(const UserConfig& config) {
  std::map<fs::path, std::vector<std::size_t>> offsets;
  for (const auto& injection : config.injections) offsets[injection.where.file].push_back(injection.offset);
  std::map<fs::path, std::string> rewritten;
  for (auto& [file, at] : offsets) {
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    const auto& text = config.texts.at(file);
    std::string out;
    std::size_t from = 0;
    for (std::size_t offset : at) {
      out.append(text, from, offset - from);
      out += " ";
      out += kWorkerPidHeader;
      from = offset;
    }
    out.append(text, from, std::string::npos);
    rewritten[file] = std::move(out);
  }
  return rewritten;
}

const ListenAddress* load_address(const UserConfig& config) {
  for (const auto& listen : config.listens) {
    if (listen.stream || listen.ssl) continue;
    const auto& h = listen.host;
    if (h.empty() || h == "*" || h == "0.0.0.0" || h == "127.0.0.1" || h == "localhost") return &listen;
  }
  return nullptr;
}

}  // namespace hotdeploy::orchestrator
