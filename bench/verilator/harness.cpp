// Clocks mac_array with a full stream of random int8 vectors and prints one JSON line:
// {"rows","cols","cycles","seconds","cpuSeconds","peUpdatesPerSecond","peUpdatesPerCpuSecond","checksum"}.
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include "Vmac_array.h"
#include "verilated.h"

static uint64_t s = 88172645463325252ull;
static inline uint32_t rnd() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }

template <typename T> static void fill(T& port, int bits) {
  if constexpr (sizeof(T) <= 8) port = (T)(((uint64_t)rnd() << 32 | rnd()) & (bits >= 64 ? ~0ull : ((1ull << bits) - 1)));
  else for (int i = 0; i < (bits + 31) / 32; i++) port[i] = rnd();
}

template <typename T> static void zero(T& port, int bits) {
  if constexpr (sizeof(T) <= 8) port = 0;
  else for (int i = 0; i < (bits + 31) / 32; i++) port[i] = 0;
}

template <typename T> static uint32_t word0(const T& port) {
  if constexpr (sizeof(T) <= 8) return (uint32_t)port;
  else return port[0];
}

int main(int argc, char** argv) {
  const long cycles = argc > 1 ? atol(argv[1]) : 100000;
  VerilatedContext ctx;
  Vmac_array m{&ctx};
  zero(m.top, 32 * C_COLS);
  // Load bank 0: R shift steps.
  m.shift_en = 1;
  m.shift_bank = 0;
  for (int k = 0; k < R_ROWS; k++) {
    fill(m.shift_row, 8 * C_COLS);
    m.clk = 0; m.eval(); m.clk = 1; m.eval();
  }
  m.shift_en = 0;
  m.in_tag = 1;
  uint32_t checksum = 0;
  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  for (long t = 0; t < cycles; t++) {
    fill(m.in_vec, 8 * R_ROWS);
    m.clk = 0; m.eval(); m.clk = 1; m.eval();
    checksum += word0(m.bottom);
  }
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = (double)(std::clock() - c0) / CLOCKS_PER_SEC;
  printf("{\"rows\":%d,\"cols\":%d,\"cycles\":%ld,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"peUpdatesPerSecond\":%.0f,\"peUpdatesPerCpuSecond\":%.0f,\"checksum\":%u}\n",
         R_ROWS, C_COLS, cycles, sec, cpu, (double)cycles * R_ROWS * C_COLS / sec, (double)cycles * R_ROWS * C_COLS / cpu, checksum);
  m.final();
  return 0;
}
