// Peak FLOP/s by a register-only FMA loop per ISA, timed on 1 and on N threads.
#include "peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>
#include <vector>

#include "cpu.h"
#include "parallel.h"

#if defined(CEFM_X86)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace cefm {

namespace {

// Each loop keeps 12 independent accumulator chains, more than FMA latency x FMA ports on current
// cores, so the loop runs at FMA throughput. Returns the FLOPs done (2 per lane per FMA).
constexpr int kChains = 12;

#if defined(CEFM_X86)
CEFM_TARGET_AVX512 double fmaLoopAvx512(int64_t iters, float* sink) {
  __m512 acc[kChains];
  const __m512 m = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-6f);
  for (int i = 0; i < kChains; i++) acc[i] = _mm512_set1_ps(float(i));
  for (int64_t it = 0; it < iters; it++)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; i++) acc[i] = _mm512_fmadd_ps(acc[i], m, add);
  for (int i = 1; i < kChains; i++) acc[0] = _mm512_add_ps(acc[0], acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, acc[0]);
  *sink = lanes[0];  // keeps the loop alive
  return double(iters) * kChains * 16 * 2;
}

CEFM_TARGET_AVX2 double fmaLoopAvx2(int64_t iters, float* sink) {
  __m256 acc[kChains];
  const __m256 m = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-6f);
  for (int i = 0; i < kChains; i++) acc[i] = _mm256_set1_ps(float(i));
  for (int64_t it = 0; it < iters; it++)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; i++) acc[i] = _mm256_fmadd_ps(acc[i], m, add);
  for (int i = 1; i < kChains; i++) acc[0] = _mm256_add_ps(acc[0], acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc[0]);
  *sink = lanes[0];
  return double(iters) * kChains * 8 * 2;
}
#endif

#if defined(__aarch64__)
double fmaLoopNeon(int64_t iters, float* sink) {
  float32x4_t acc[kChains];
  const float32x4_t m = vdupq_n_f32(0.999999f), add = vdupq_n_f32(1e-6f);
  for (int i = 0; i < kChains; i++) acc[i] = vdupq_n_f32(float(i));
  for (int64_t it = 0; it < iters; it++)
    for (int i = 0; i < kChains; i++) acc[i] = vfmaq_f32(add, acc[i], m);
  for (int i = 1; i < kChains; i++) acc[0] = vaddq_f32(acc[0], acc[i]);
  *sink = vgetq_lane_f32(acc[0], 0);
  return double(iters) * kChains * 4 * 2;
}
#endif

// No FMA instruction assumed: a multiply and an add, still 2 FLOPs per element.
double fmaLoopScalar(int64_t iters, float* sink) {
  float acc[kChains];
  for (int i = 0; i < kChains; i++) acc[i] = float(i);
  for (int64_t it = 0; it < iters; it++)
    for (int i = 0; i < kChains; i++) acc[i] = acc[i] * 0.999999f + 1e-6f;
  float s = 0;
  for (int i = 0; i < kChains; i++) s += acc[i];
  *sink = s;
  return double(iters) * kChains * 2;
}

using FmaLoop = double (*)(int64_t, float*);

struct Isa {
  const char* name;
  FmaLoop loop;
};

Isa widestIsa() {
  const CpuFeatures& f = cpu();
#if defined(CEFM_X86)
  if (f.avx512f && f.fma) return {"avx512", fmaLoopAvx512};
  if (f.avx2 && f.fma) return {"avx2", fmaLoopAvx2};
#endif
#if defined(__aarch64__)
  if (f.neon) return {"neon", fmaLoopNeon};
#endif
  (void)f;
  return {"scalar", fmaLoopScalar};
}

// CPU time of the calling thread: other processes on the machine do not count against the loop.
double threadSeconds() {
#if defined(CLOCK_THREAD_CPUTIME_ID)
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
#else
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

// Runs the loop on `threads` fresh threads released together (so they share whatever the cores
// share: clocks, power); the sum of each thread's FLOPs over its own CPU time.
double runOn(int threads, FmaLoop loop, int64_t iters) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<double> rates(static_cast<size_t>(threads), 0.0);
  std::vector<float> sinks(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&, t] {
      ready++;
      while (!go.load()) std::this_thread::yield();
      double t0 = threadSeconds();
      double flops = loop(iters, &sinks[size_t(t)]);
      rates[size_t(t)] = flops / std::max(threadSeconds() - t0, 1e-9);
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  go = true;
  for (auto& th : pool) th.join();
  double total = 0;
  for (double r : rates) total += r;
  return total;
}

// Best of a few runs of ~0.1 s each: interference only ever slows a run down.
double bestOf(int threads, FmaLoop loop) {
  int64_t iters = 1 << 16;
  while (true) {  // calibrate on one thread
    auto t0 = std::chrono::steady_clock::now();
    float sink;
    loop(iters, &sink);
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > 0.02) break;
    iters *= 2;
  }
  iters *= 5;
  double best = 0;
  for (int r = 0; r < 3; r++) best = std::max(best, runOn(threads, loop, iters));
  return best;
}

}  // namespace

PeakFlops measurePeakFlops(int threads) {
  PeakFlops p;
  const Isa isa = widestIsa();
  p.isa = isa.name;
  p.threads = std::max(1, threads);
  p.perCoreGflops = bestOf(1, isa.loop) / 1e9;
  p.totalGflops = p.threads == 1 ? p.perCoreGflops : bestOf(p.threads, isa.loop) / 1e9;
  return p;
}

Napi::Value MeasurePeak(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int threads = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : numThreads();
  PeakFlops p = measurePeakFlops(threads);
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", p.isa);
  o.Set("threads", p.threads);
  o.Set("perCoreGflops", p.perCoreGflops);
  o.Set("totalGflops", p.totalGflops);
  return o;
}

}  // namespace cefm
