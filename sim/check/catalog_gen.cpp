// sim/check/catalog_gen.cpp — build-time tool: reads the catalogue's data files
// (sim/check/catalog/*.yaml) and writes a C++ file with the tables as constexpr arrays, so the
// texts are data, yet nothing is read, parsed or allocated when kesim runs.
//
// It also enforces what a reviewer would: every entry has a public source (a Microsoft Learn
// page, a ReactOS file, a seed document, or kesim's own README for kesim-only steps), codes
// are sorted and unique, no text cites an internal document. An error is reported as
// file:line:column: message and fails the build.
//
// Usage: kesim_catalog_gen OUT.cpp DATA_DIR
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string g_file;  // the data file being read, for messages

[[noreturn]] void fail(const YAML::Mark& m, const std::string& msg) {
  throw DataError(g_file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) +
                  ": " + msg);
}

// Documents that are not public: the project's working notes. A user of `kesim explain`
// cannot read them, so no text may send them there.
constexpr const char* kInternalDocs[] = {"SEMANTICS", "ARCHITECTURE.md", "SCENARIO-FORMAT",
                                         "STYLE.md", "§"};

std::string text(const YAML::Node& map, const char* key) {
  const YAML::Node n = map[key];
  if (!n) fail(map.Mark(), std::string("missing key '") + key + "'");
  if (!n.IsScalar()) fail(n.Mark(), std::string("'") + key + "' must be text");
  std::string s = n.as<std::string>();
  // Prose needs a few characters; a name may be as short as the control step `if`.
  const std::size_t least = std::string_view(key) == "name" ? 2 : 3;
  if (s.size() < least) fail(n.Mark(), std::string("'") + key + "' is empty");
  for (const char* doc : kInternalDocs) {
    if (s.find(doc) != std::string::npos)
      fail(n.Mark(), std::string("'") + key + "' cites an internal document (" + doc +
                         "); cite the public source instead");
  }
  if (s.find("  ") != std::string::npos) fail(n.Mark(), "double space in '" + std::string(key) + "'");
  return s;
}

void only_keys(const YAML::Node& map, std::initializer_list<const char*> keys) {
  if (!map.IsMap()) fail(map.Mark(), "expected a mapping");
  for (const auto& kv : map) {
    const std::string k = kv.first.as<std::string>();
    if (std::none_of(keys.begin(), keys.end(), [&](const char* x) { return k == x; }))
      fail(kv.first.Mark(), "unknown key '" + k + "'");
  }
}

std::uint32_t hex_code(const YAML::Node& map, const char* key) {
  const YAML::Node n = map[key];
  if (!n || !n.IsScalar()) fail(map.Mark(), std::string("missing key '") + key + "'");
  const std::string s = n.Scalar();
  if (s.size() < 3 || s[0] != '0' || s[1] != 'x') fail(n.Mark(), "write codes in hex as 0x...");
  std::uint64_t v = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    const char c = s[i];
    const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) fail(n.Mark(), "hex digits in upper case, as Microsoft writes codes: " + s);
    v = v * 16 + static_cast<std::uint64_t>(d);
    if (v > 0xFFFFFFFFu) fail(n.Mark(), "code wider than 32 bits: " + s);
  }
  return static_cast<std::uint32_t>(v);
}

std::vector<std::string> text_list(const YAML::Node& map, const char* key, std::size_t count) {
  const YAML::Node n = map[key];
  if (!n || !n.IsSequence() || n.size() != count)
    fail(n ? n.Mark() : map.Mark(),
         std::string("'") + key + "' must list " + std::to_string(count) + " texts");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    if (!n[i].IsScalar()) fail(n[i].Mark(), "expected text");
    out.push_back(n[i].as<std::string>());
    for (const char* doc : kInternalDocs)
      if (out.back().find(doc) != std::string::npos) fail(n[i].Mark(), "cites an internal document");
  }
  return out;
}

// ---- sources ---------------------------------------------------------------------------------

struct Seed {
  std::string id, title, where;
};
std::map<std::string, Seed> g_seeds;

struct Source {
  std::string kind, title, location;
};

// `source:` is a list; each item is one of
//   {microsoft: TITLE, url: https://learn.microsoft.com/...}
//   {reactos: PATH}                       a file of reactos/reactos
//   {seed: S0..S4}                        a seed document, printed with its title
//   {kesim: TEXT}                         kesim's own behaviour, documented in its README
std::vector<Source> sources(const YAML::Node& entry) {
  const YAML::Node list = entry["source"];
  if (!list) fail(entry.Mark(), "missing 'source': every entry names where its facts come from");
  if (!list.IsSequence() || list.size() == 0) fail(list.Mark(), "'source' must be a non-empty list");
  std::vector<Source> out;
  for (const YAML::Node& s : list) {
    if (s["microsoft"]) {
      only_keys(s, {"microsoft", "url"});
      const std::string url = s["url"] ? s["url"].as<std::string>() : "";
      if (url.rfind("https://learn.microsoft.com/", 0) != 0)
        fail(s.Mark(), "a Microsoft source needs its url: https://learn.microsoft.com/...");
      out.push_back({"microsoft", s["microsoft"].as<std::string>(), url});
    } else if (s["reactos"]) {
      only_keys(s, {"reactos"});
      const std::string path = s["reactos"].as<std::string>();
      static const char* kTop[] = {"ntoskrnl/", "hal/", "sdk/", "modules/rostests/"};
      if (std::none_of(std::begin(kTop), std::end(kTop),
                       [&](const char* t) { return path.rfind(t, 0) == 0; }) ||
          path.find("..") != std::string::npos)
        fail(s.Mark(), "a ReactOS source is a path in reactos/reactos (ntoskrnl/..., sdk/..., "
                       "hal/..., modules/rostests/...)");
      out.push_back({"reactos", path, "https://github.com/reactos/reactos/blob/master/" + path});
    } else if (s["seed"]) {
      only_keys(s, {"seed"});
      const auto it = g_seeds.find(s["seed"].as<std::string>());
      if (it == g_seeds.end()) fail(s.Mark(), "unknown seed (seeds.yaml lists them)");
      out.push_back({"seed", "Seed " + it->second.id + ": \"" + it->second.title + "\" (" +
                                 it->second.where + ")",
                     ""});
    } else if (s["kesim"]) {
      only_keys(s, {"kesim"});
      out.push_back({"kesim", s["kesim"].as<std::string>(), ""});
    } else {
      fail(s.Mark(), "a source is microsoft:, reactos:, seed: or kesim:");
    }
    for (const char* doc : kInternalDocs)
      if (out.back().title.find(doc) != std::string::npos)
        fail(s.Mark(), "an internal document is not a source a user can read");
  }
  return out;
}

// ---- output ----------------------------------------------------------------------------------

// A C string literal. Bytes outside printable ASCII become 3-digit octal escapes, which cannot
// run into a following digit the way \x escapes can.
std::string lit(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%X", v);
  return buf;
}

struct Emitter {
  std::ostringstream out;
  int next_source_array = 0;

  // Emits the source array and returns "{name, n}" for the span member, plus the one-line form.
  std::string source_span(const std::vector<Source>& list, std::string& joined) {
    const std::string name = "kSources" + std::to_string(next_source_array++);
    out << "constexpr SourceRef " << name << "[] = {\n";
    joined.clear();
    for (const Source& s : list) {
      const char* kind = s.kind == "microsoft" ? "SourceKind::microsoft"
                         : s.kind == "reactos" ? "SourceKind::reactos"
                         : s.kind == "seed"    ? "SourceKind::seed"
                                               : "SourceKind::kesim";
      out << "    {" << kind << ", " << lit(s.title) << ", " << lit(s.location) << "},\n";
      if (!joined.empty()) joined += "; ";
      joined += s.kind == "microsoft" ? "Microsoft Learn, " + s.title
                : s.kind == "reactos" ? "ReactOS " + s.title
                : s.kind == "kesim"   ? "kesim README, " + s.title
                                      : s.title;
    }
    out << "};\n";
    return "std::span<const SourceRef>(" + name + ")";
  }
};

YAML::Node load(const fs::path& p) {
  g_file = p.string();
  try {
    return YAML::LoadFile(p.string());
  } catch (const YAML::Exception& e) {
    fail(e.mark, e.msg);
  }
}

void read_seeds(const fs::path& dir) {
  const YAML::Node doc = load(dir / "seeds.yaml");
  for (const YAML::Node& s : doc["seeds"]) {
    only_keys(s, {"id", "title", "where"});
    Seed seed{s["id"].as<std::string>(), text(s, "title"), text(s, "where")};
    if (!g_seeds.emplace(seed.id, seed).second) fail(s.Mark(), "duplicate seed " + seed.id);
  }
}

void emit_bugchecks(const fs::path& dir, Emitter& e) {
  const YAML::Node doc = load(dir / "bugchecks.yaml");
  std::vector<std::string> rows;
  std::uint32_t last = 0;
  std::set<std::string> names;
  for (const YAML::Node& b : doc["bugchecks"]) {
    only_keys(b, {"code", "name", "summary", "params", "teaching", "source"});
    const std::uint32_t code = hex_code(b, "code");
    if (!rows.empty() && code <= last) fail(b["code"].Mark(), "codes must be sorted and unique");
    last = code;
    const std::string name = text(b, "name");
    if (name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
      fail(b["name"].Mark(), "a bug check name is upper case with underscores");
    if (!names.insert(name).second) fail(b["name"].Mark(), "duplicate name " + name);
    const auto params = text_list(b, "params", 4);
    std::string joined;
    const std::string span = e.source_span(sources(b), joined);
    std::string row = "    {" + hex(code) + ", " + lit(name) + ", " + lit(text(b, "summary")) + ",\n     {";
    for (std::size_t i = 0; i < 4; ++i) row += (i ? ", " : "") + lit(params[i]);
    row += "},\n     " + lit(text(b, "teaching")) + ",\n     " + lit(joined) + ", " + span + "},\n";
    rows.push_back(row);
  }
  e.out << "constexpr BugcheckInfo kBugchecks[] = {\n";
  for (const auto& r : rows) e.out << r;
  e.out << "};\n\n";
}

void emit_subcodes(const fs::path& dir, Emitter& e) {
  const YAML::Node doc = load(dir / "verifier_subcodes.yaml");
  std::vector<std::string> rows;
  std::uint32_t last = 0;
  for (const YAML::Node& s : doc["subcodes"]) {
    // `option` (the Verifier option that reports it) and `kesim` (whether and where kesim
    // raises it) are optional so that a dump-reading entry can be added with its source alone.
    only_keys(s, {"subcode", "summary", "params", "option", "kesim", "source"});
    const std::uint32_t code = hex_code(s, "subcode");
    if (!rows.empty() && code <= last) fail(s["subcode"].Mark(), "subcodes must be sorted and unique");
    last = code;
    const auto params = text_list(s, "params", 3);
    std::string joined;
    const std::string span = e.source_span(sources(s), joined);
    std::string row = "    {" + hex(code) + ", " + lit(text(s, "summary")) + ", {";
    for (std::size_t i = 0; i < 3; ++i) row += (i ? ", " : "") + lit(params[i]);
    row += "}, " + span + ", " + lit(s["option"] ? text(s, "option") : std::string()) + ", " +
           lit(s["kesim"] ? text(s, "kesim") : std::string()) + "},\n";
    rows.push_back(row);
  }
  e.out << "constexpr VerifierSubcodeInfo kVerifierSubcodes[] = {\n";
  for (const auto& r : rows) e.out << r;
  e.out << "};\n\n";
}

void emit_operations(const fs::path& dir, Emitter& e) {
  // One file per group; the file names' numeric prefixes give the order (the scenario
  // format's order), the entries keep their order inside a file.
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir / "operations"))
    if (f.path().extension() == ".yaml") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> rows;
  std::set<std::string> names;
  for (const fs::path& f : files) {
    const YAML::Node doc = load(f);
    only_keys(doc, {"group", "operations"});
    const std::string group = text(doc, "group");
    for (const YAML::Node& op : doc["operations"]) {
      only_keys(op, {"name", "summary", "irql", "misuse", "source"});
      const std::string name = text(op, "name");
      if (!names.insert(name).second) fail(op["name"].Mark(), "duplicate operation " + name);
      std::string joined;
      const std::string span = e.source_span(sources(op), joined);
      rows.push_back("    {" + lit(name) + ", " + lit(text(op, "summary")) + ",\n     " +
                     lit(text(op, "irql")) + ",\n     " + lit(text(op, "misuse")) + ",\n     " +
                     lit(joined) + ", " + lit(group) + ", " + span + "},\n");
    }
  }
  e.out << "constexpr OperationInfo kOperations[] = {\n";
  for (const auto& r : rows) e.out << r;
  e.out << "};\n\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: kesim_catalog_gen OUT.cpp DATA_DIR\n");
    return 2;
  }
  const fs::path dir = argv[2];
  Emitter e;
  try {
    read_seeds(dir);
    e.out << "// Generated by sim/check/catalog_gen.cpp from sim/check/catalog/*.yaml: edit the\n"
             "// data files, not this file.\n"
             "#include \"sim/check/catalog_data.hpp\"\n\n"
             "namespace kesim::check::detail {\nnamespace {\n\n";
    emit_bugchecks(dir, e);
    emit_subcodes(dir, e);
    emit_operations(dir, e);
    e.out << "}  // namespace\n\n"
             "std::span<const BugcheckInfo> bugcheck_table() { return kBugchecks; }\n"
             "std::span<const VerifierSubcodeInfo> verifier_subcode_table() { return "
             "kVerifierSubcodes; }\n"
             "std::span<const OperationInfo> operation_table() { return kOperations; }\n\n"
             "}  // namespace kesim::check::detail\n";
  } catch (const DataError& err) {
    std::fprintf(stderr, "%s\n", err.what());
    return 2;
  } catch (const YAML::Exception& err) {
    std::fprintf(stderr, "%s:%d:%d: %s\n", g_file.c_str(), err.mark.line + 1, err.mark.column + 1,
                 err.msg.c_str());
    return 2;
  }
  // Write only when the content changed, so an unchanged catalogue rebuilds nothing.
  const std::string content = e.out.str();
  {
    std::ifstream old(argv[1], std::ios::binary);
    std::stringstream buf;
    buf << old.rdbuf();
    if (old && buf.str() == content) return 0;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << content;
  return out ? 0 : 2;
}
