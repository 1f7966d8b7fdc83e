// sim/engine/prng.hpp — the engine's own PRNG (SplitMix64). std distributions differ between
// standard libraries, so every random decision goes through this and `below()`.
#pragma once

#include <cstdint>

namespace kesim::engine {

class Prng {
 public:
  explicit Prng(std::uint64_t seed = 0) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by rejection (no modulo bias); n > 0.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t v;
    do v = next(); while (v >= limit);
    return v % n;
  }

 private:
  std::uint64_t state_;
};

}  // namespace kesim::engine
