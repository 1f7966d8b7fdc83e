#include "sim/explore/token.hpp"

#include <fmt/format.h>

namespace kesim::explore {

std::string scenario_hash(std::string_view bytes) {
  std::uint32_t h = 2166136261u;  // FNV-1a offset basis and prime (32-bit)
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return fmt::format("{:08x}", h);
}

SplitToken split_token(const std::string& token) {
  SplitToken s;
  const auto slash = token.find('/');
  if (slash == 8) {
    bool hex = true;
    for (std::size_t i = 0; i < 8; ++i) {
      const char c = token[i];
      hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
    }
    if (hex) {
      s.hash = token.substr(0, 8);
      for (char& c : *s.hash) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
      s.schedule = token.substr(9);
      return s;
    }
  }
  s.schedule = token;
  return s;
}

}  // namespace kesim::explore
