// simdjson's DOM parse of one file, timed as RiskScreen's ProfileEvaluation times its decode:
// ROUNDS rounds of ITERATIONS parses with one reused parser, the median of the rounds' means.
// Built and run by scripts/bench-compare (Debian's libsimdjson-dev):
//   g++ -O3 -std=c++17 bench-compare-simdjson.cpp -lsimdjson -o bench-simdjson
//   ./bench-simdjson FILE ITERATIONS ROUNDS     → prints "median_ns=…"
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s FILE ITERATIONS ROUNDS\n", argv[0]);
    return 2;
  }
  const long iterations = std::atol(argv[2]);
  const long rounds = std::atol(argv[3]);
  simdjson::padded_string json;
  if (simdjson::padded_string::load(argv[1]).get(json)) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  simdjson::dom::parser parser;
  std::vector<double> means;
  size_t sink = 0;
  for (long round = 0; round < rounds; round++) {
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; i++) {
      simdjson::dom::element document;
      if (parser.parse(json).get(document)) {
        std::fprintf(stderr, "%s is not valid JSON\n", argv[1]);
        return 1;
      }
      // Touch the result so the parse cannot be skipped.
      sink += document.is_object() ? 1 : 0;
    }
    auto elapsed = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    means.push_back(elapsed / double(iterations));
  }
  std::sort(means.begin(), means.end());
  size_t n = means.size();
  double median = n % 2 ? means[n / 2] : (means[n / 2 - 1] + means[n / 2]) / 2;
  std::printf("simdjson: %ld rounds of %ld parses, %zu objects, median_ns=%.1f\n", rounds,
              iterations, sink, median);
  return 0;
}
