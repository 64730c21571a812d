// N-API surface of the native backend: buffers, the kernel stream, timing and info.
#include "bindings.h"
#include "buffer_cache.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <future>
#include <limits>

#include "cpu.h"
#include "kernel.h"
#include "parallel.h"
#include "peak.h"
#include "profiler.h"
#include "stream.h"

#ifndef _WIN32
#include <unistd.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace cefm {

// ---- NativeBuffer: a JS handle to shared float storage ----------------------------------

Napi::FunctionReference NativeBuffer::constructor;

Napi::Object NativeBuffer::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "NativeBuffer",
                                   {InstanceMethod("free", &NativeBuffer::Free),
                                    InstanceAccessor("size", &NativeBuffer::Size, nullptr)});
  constructor = Napi::Persistent(cls);
  constructor.SuppressDestruct();
  exports.Set("NativeBuffer", cls);
  return exports;
}

static const napi_type_tag kNativeBufferTag = {0x6cefe1a7b0f3a11dULL, 0x9b2e4d6f1c3a5e7fULL};

NativeBuffer::NativeBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeBuffer>(info) {
  info.This().As<Napi::Object>().TypeTag(&kNativeBufferTag);
}

Napi::Value NativeBuffer::Free(const Napi::CallbackInfo& info) {
  storage_.reset();  // queued tasks keep their own reference
  return info.Env().Undefined();
}

Napi::Value NativeBuffer::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), storage_ ? double(storage_->size) : 0.0);
}

static Napi::Object wrapStorage(Napi::Env env, StoragePtr s) {
  Napi::Object obj = NativeBuffer::constructor.New({});
  NativeBuffer::Unwrap(obj)->storage_ = std::move(s);
  return obj;
}

// The storage of `v`; throws naming the tensor (`what()`, built only on an error) when `v` is not
// a NativeBuffer or was freed. napi_unwrap alone cannot tell our objects from another addon's
// wrapped ones, so NativeBuffers carry a type tag (cheaper to check than instanceof, which every
// tensor of every call paid).
template <class What>
static StoragePtr checkedStorage(const Napi::Value& v, What what) {
  void* wrapped = nullptr;
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kNativeBufferTag) || napi_unwrap(v.Env(), v, &wrapped) != napi_ok || !wrapped) {
    throw Napi::TypeError::New(v.Env(), what() + " is not a NativeBuffer");
  }
  StoragePtr s = static_cast<NativeBuffer*>(wrapped)->storage_;
  if (!s) throw Napi::Error::New(v.Env(), what() + " was used after free()");
  return s;
}

StoragePtr storageOf(const Napi::Value& v, const char* what) {
  return checkedStorage(v, [what] { return std::string(what); });
}

// ---- helpers -----------------------------------------------------------------------------

static size_t checkedCount(const Napi::Value& v) {
  double n = v.ToNumber().DoubleValue();
  if (!(n >= 0) || n > 1e12 || std::floor(n) != n) throw Napi::RangeError::New(v.Env(), "invalid element count");
  return size_t(n);
}

static Attrs parseAttrs(const Napi::Value& v) {
  Attrs a;
  if (!v.IsObject()) return a;
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string k = keys.Get(i).ToString().Utf8Value();
    Napi::Value x = o.Get(k);
    if (x.IsNumber()) a.nums[k] = {x.As<Napi::Number>().DoubleValue()};
    else if (x.IsBoolean()) a.nums[k] = {x.As<Napi::Boolean>().Value() ? 1.0 : 0.0};
    else if (x.IsString()) a.strs[k] = x.As<Napi::String>().Utf8Value();
    else if (x.IsArray()) {
      Napi::Array arr = x.As<Napi::Array>();
      std::vector<double> vals;
      for (uint32_t j = 0; j < arr.Length(); j++) vals.push_back(arr.Get(j).ToNumber().DoubleValue());
      a.nums[k] = vals;
    }
  }
  return a;
}

// A kernel call captured for the stream: views into storages that the task keeps alive.
struct PreparedCall {
  KernelFn fn;
  KernelCost cost = KernelCost::ComputeBound;
  KernelCall call;
  std::vector<StoragePtr> keep;
};

// A view of `s` with `shape`; `what` names the tensor in an error.
template <class What>
static TensorView viewOf(Napi::Env env, const Napi::Value& buffer, std::vector<int64_t> shape, std::vector<StoragePtr>& keep, What what) {
  StoragePtr s = checkedStorage(buffer, what);
  TensorView tv;
  tv.data = s->data;
  tv.shape = std::move(shape);
  if (size_t(tv.numel()) > s->size) throw Napi::RangeError::New(env, what() + ": shape larger than its buffer");
  keep.push_back(std::move(s));
  return tv;
}

static void addViews(const Napi::Array& bufs, const Napi::Array& shapes, std::vector<TensorView>& views,
                     std::vector<StoragePtr>& keep, const std::string& kernel, const char* role) {
  if (bufs.Length() != shapes.Length()) throw Napi::Error::New(bufs.Env(), kernel + ": buffer and shape counts differ");
  const uint32_t count = bufs.Length();
  views.reserve(views.size() + count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Array sh = shapes.Get(i).As<Napi::Array>();
    std::vector<int64_t> shape(sh.Length());
    for (uint32_t d = 0; d < shape.size(); d++) shape[d] = int64_t(sh.Get(d).ToNumber().DoubleValue());
    // the tensor's name is only spelled out on an error (building it each call cost ~1 µs)
    views.push_back(viewOf(bufs.Env(), bufs.Get(i), std::move(shape), keep, [&] { return kernel + " " + role + " " + std::to_string(i); }));
  }
}

// args: name, inputs[], inShapes[][], outputs[], outShapes[][], attrs
static std::shared_ptr<PreparedCall> prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto p = std::make_shared<PreparedCall>();
  p->call.name = info[0].ToString().Utf8Value();
  p->fn = findKernel(p->call.name, &p->cost);
  if (!p->fn) throw Napi::Error::New(env, "native backend has no kernel '" + p->call.name + "'");
  addViews(info[1].As<Napi::Array>(), info[2].As<Napi::Array>(), p->call.in, p->keep, p->call.name, "input");
  addViews(info[3].As<Napi::Array>(), info[4].As<Napi::Array>(), p->call.out, p->keep, p->call.name, "output");
  p->call.attrs = parseAttrs(info[5]);
  return p;
}

// The per-kernel-call fast path (what the native backend's run uses): reading arrays of buffers
// and of shapes element by element cost more N-API calls than a small kernel's work.
// args: kernel index (kernelIndex), attrs (object or undefined), meta, buffers...
// meta (Float64Array): nIn, nOut, then each tensor's rank and dims, inputs first; the buffers
// follow as arguments in the same order.
static std::shared_ptr<PreparedCall> prepareIndexed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelEntry* k = info[0].IsNumber() ? kernelAt(info[0].As<Napi::Number>().Int32Value()) : nullptr;
  if (!k) throw Napi::Error::New(env, "enqueueIndexed: no kernel with index " + info[0].ToString().Utf8Value());
  auto p = std::make_shared<PreparedCall>();
  p->call.name = k->name;
  p->fn = k->fn;
  p->cost = k->cost;
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, k->name + ": enqueueIndexed expects a Float64Array of shapes");
  }
  Napi::Float64Array meta = info[2].As<Napi::Float64Array>();
  const double* m = meta.Data();
  const size_t len = meta.ElementLength();
  // Every count and dim is checked before it becomes an integer: a negative or huge value from a
  // bad caller would otherwise wrap around the size checks.
  auto small = [](double v, double limit) { return v >= 0 && v <= limit && std::floor(v) == v; };
  if (len < 2 || !small(m[0], 1024) || !small(m[1], 1024)) throw Napi::Error::New(env, k->name + ": bad tensor counts");
  const size_t nIn = size_t(m[0]), nOut = size_t(m[1]);
  if (info.Length() < 3 || info.Length() - 3 != nIn + nOut) throw Napi::Error::New(env, k->name + ": buffer and shape counts differ");
  p->call.in.reserve(nIn);
  p->call.out.reserve(nOut);
  p->keep.reserve(nIn + nOut);
  size_t at = 2;
  for (size_t t = 0; t < nIn + nOut; t++) {
    if (at >= len || !small(m[at], 64) || size_t(m[at]) > len - at - 1) throw Napi::Error::New(env, k->name + ": shapes are truncated");
    const size_t rank = size_t(m[at++]);
    std::vector<int64_t> shape(rank);
    for (size_t d = 0; d < rank; d++) {
      if (!small(m[at + d], 9.0e15)) throw Napi::Error::New(env, k->name + ": a dim is not a non-negative integer");
      shape[d] = int64_t(m[at + d]);
    }
    at += rank;
    const bool input = t < nIn;
    const size_t i = input ? t : t - nIn;
    TensorView tv = viewOf(env, info[3 + t], std::move(shape), p->keep,
                           [&] { return k->name + (input ? " input " : " output ") + std::to_string(i); });
    (input ? p->call.in : p->call.out).push_back(std::move(tv));
  }
  if (info[1].IsObject()) p->call.attrs = parseAttrs(info[1]);
  return p;
}

static void runPrepared(PreparedCall& p) {
  try {
    if (profilingKernels()) {
      auto t0 = std::chrono::steady_clock::now();
      p.fn(p.call);
      recordKernel(p.call, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    } else {
      p.fn(p.call);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(p.call.name + ": " + e.what());
  }
}

// A kernel met with an idle stream runs on the JS thread at once when it is small: memory-bound
// and touching at most CEFM_INLINE_BYTES (default 16 MB), or compute-bound and touching at most
// 1/16 of that (a 7-class head, a 256³ matmul: at most ~0.4 ms of work). Handing such a kernel to
// the stream's worker and waking the caller again costs 30-50 µs (measured: ~30 µs for a 1 µs
// linear, 20-30% of a 256³ matmul). Bigger kernels go to the stream, so JS keeps working while
// they run. CEFM_INLINE_BYTES=0: never inline.
static bool runsInline(const PreparedCall& p) {
  static const int64_t limit = [] {
    const char* env = std::getenv("CEFM_INLINE_BYTES");
    return env ? std::max<int64_t>(0, std::atoll(env)) : int64_t(16) << 20;
  }();
  if (limit == 0) return false;
  int64_t bytes = 0;
  for (const TensorView& t : p.call.in) bytes += t.numel() * int64_t(sizeof(float));
  for (const TensorView& t : p.call.out) bytes += t.numel() * int64_t(sizeof(float));
  return bytes <= (p.cost == KernelCost::MemoryBound ? limit : limit / 16);
}

// ---- async work: waits on the stream from a libuv thread, settles a promise ---------------

class StreamWaiter : public Napi::AsyncWorker {
 public:
  StreamWaiter(Napi::Env env, std::function<void()> waitFn, std::function<Napi::Value(Napi::Env)> result)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), wait_(std::move(waitFn)), result_(std::move(result)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    wait_();
    std::string err = defaultStream().takeError();
    if (!err.empty()) SetError(err);
  }
  void OnOK() override { deferred_.Resolve(result_ ? result_(Env()) : Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> wait_;
  std::function<Napi::Value(Napi::Env)> result_;
};

// How long the JS thread may block in sync/read before handing the wait to a libuv thread:
// CEFM_SYNC_WAIT_US, default 3000 µs (0: always async).
static int64_t syncWaitMicros() {
  static const int64_t us = [] {
    const char* env = std::getenv("CEFM_SYNC_WAIT_US");
    return env ? std::max<int64_t>(0, std::atoll(env)) : int64_t(3000);
  }();
  return us;
}

// A promise settled now, once the stream's work is done: rejected with its pending error, if any.
static Napi::Value settledNow(Napi::Env env, const std::function<Napi::Value(Napi::Env)>& result) {
  auto deferred = Napi::Promise::Deferred::New(env);
  std::string err = defaultStream().takeError();
  if (!err.empty()) deferred.Reject(Napi::Error::New(env, err).Value());
  else deferred.Resolve(result ? result(env) : env.Undefined());
  return deferred.Promise();
}

// Enqueues `task` and returns a promise settled once it has run (rejected on any stream error).
static Napi::Value whenDone(Napi::Env env, std::function<void()> task, std::function<Napi::Value(Napi::Env)> result) {
  auto done = std::make_shared<std::promise<void>>();
  std::shared_future<void> fut = done->get_future().share();
  defaultStream().enqueue([task = std::move(task), done] {
    struct Signal {  // set the promise even when the task throws
      std::shared_ptr<std::promise<void>> p;
      ~Signal() { p->set_value(); }
    } signal{done};
    if (task) task();
  });
  // Most waits end within a few milliseconds: wait here first, which saves the hop through a
  // libuv thread and back (~0.1 ms, as much as a small kernel); only longer waits go async.
  if (fut.wait_for(std::chrono::microseconds(syncWaitMicros())) == std::future_status::ready) {
    return settledNow(env, result);
  }
  auto* w = new StreamWaiter(env, [fut] { fut.wait(); }, std::move(result));
  w->Queue();
  return w->Promise();
}

// ---- exported functions ------------------------------------------------------------------

static Napi::Value Alloc(const Napi::CallbackInfo& info) {
  size_t n = checkedCount(info[0]);
  auto s = std::make_shared<Storage>(n);
  if (info.Length() > 1 && info[1].ToBoolean().Value()) {
    std::fill(s->data, s->data + n, std::numeric_limits<float>::quiet_NaN());
  }
  return wrapStorage(info.Env(), s);
}

static Napi::Value FromArray(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), "fromArray expects a Float32Array");
  }
  Napi::Float32Array a = info[0].As<Napi::Float32Array>();
  auto s = std::make_shared<Storage>(a.ElementLength());
  std::memcpy(s->data, a.Data(), a.ElementLength() * 4);
  return wrapStorage(info.Env(), s);
}

static Napi::Value Read(const Napi::CallbackInfo& info) {
  StoragePtr s = storageOf(info[0], "read");
  auto copy = std::make_shared<std::vector<float>>();
  return whenDone(
      info.Env(), [s, copy] { copy->assign(s->data, s->data + s->size); },
      [copy](Napi::Env env) -> Napi::Value {
        Napi::Float32Array out = Napi::Float32Array::New(env, copy->size());
        std::memcpy(out.Data(), copy->data(), copy->size() * 4);
        return out;
      });
}

static void submit(std::shared_ptr<PreparedCall> p) {
  Stream::Task task = [p] { runPrepared(*p); };
  bool ran = false;
  if (runsInline(*p) && defaultStream().idleHint()) {
    OnStreamCpu here;
    ran = defaultStream().runIfIdle(task);
  }
  if (!ran) defaultStream().enqueue(std::move(task));
}

static Napi::Value Enqueue(const Napi::CallbackInfo& info) {
  submit(prepare(info));
  return info.Env().Undefined();
}

static Napi::Value EnqueueIndexed(const Napi::CallbackInfo& info) {
  submit(prepareIndexed(info));
  return info.Env().Undefined();
}

static Napi::Value KernelIndex(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), kernelIndex(info[0].ToString().Utf8Value()));
}

static Napi::Value Sync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Fast path: the stream drains within the wait budget (no marker task, no libuv hop).
  if (syncWaitMicros() > 0 && defaultStream().drainFor(syncWaitMicros())) return settledNow(env, nullptr);
  return whenDone(env, nullptr, nullptr);
}

// Same args as enqueue plus a repeat count; resolves to the wall time of each run in ms.
static Napi::Value TimeKernel(const Napi::CallbackInfo& info) {
  auto p = prepare(info);
  int repeats = std::max(1, int(info[6].ToNumber().Int32Value()));
  auto times = std::make_shared<std::vector<double>>();
  return whenDone(
      info.Env(),
      [p, repeats, times] {
        for (int r = 0; r < repeats; r++) {
          auto t0 = std::chrono::steady_clock::now();
          runPrepared(*p);
          auto t1 = std::chrono::steady_clock::now();
          times->push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
      },
      [times](Napi::Env env) -> Napi::Value {
        Napi::Array a = Napi::Array::New(env, times->size());
        for (size_t i = 0; i < times->size(); i++) a.Set(uint32_t(i), times->at(i));
        return a;
      });
}

static Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const CpuFeatures& f = cpu();
  o.Set("simd", simdLevel());
  o.Set("threads", numThreads());
  o.Set("avx2", f.avx2);
  o.Set("fma", f.fma);
  o.Set("avx512f", f.avx512f);
  o.Set("neon", f.neon);
  Napi::Array names = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto& n : kernelNames()) names.Set(i++, n);
  o.Set("kernels", names);
  return o;
}

static Napi::Value Memory(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("bytes", double(liveBytes()));
  o.Set("buffers", double(liveBuffers()));
  o.Set("cachedBytes", double(cachedBufferBytes()));
  return o;
}

// ---- fd 2 capture: Dawn's native code prints adapter warnings straight to stderr, where no JS
// hook sees them. The WebGPU backend captures fd 2 into a temp file around adapter and device
// creation and filters what it read back (src/ts/backend/webgpu/dawn-log.ts).

static int savedStderr = -1;
static FILE* captureFile = nullptr;

// captureStderr(): true when fd 2 now goes to a temp file (false: not supported, or already on).
static Napi::Value CaptureStderr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifdef _WIN32
  return Napi::Boolean::New(env, false);
#else
  if (savedStderr >= 0) return Napi::Boolean::New(env, false);
  fflush(stderr);
  FILE* f = tmpfile();
  if (!f) return Napi::Boolean::New(env, false);
  int saved = dup(2);
  if (saved < 0 || dup2(fileno(f), 2) < 0) {
    if (saved >= 0) close(saved);
    fclose(f);
    return Napi::Boolean::New(env, false);
  }
  savedStderr = saved;
  captureFile = f;
  return Napi::Boolean::New(env, true);
#endif
}

// releaseStderr(): restores fd 2 and returns what was written to it meanwhile.
static Napi::Value ReleaseStderr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string text;
#ifndef _WIN32
  if (savedStderr >= 0) {
    fflush(stderr);
    dup2(savedStderr, 2);
    close(savedStderr);
    savedStderr = -1;
    int fd = fileno(captureFile);
    lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, size_t(n));
    fclose(captureFile);
    captureFile = nullptr;
  }
#endif
  return Napi::String::New(env, text);
}

// releaseFreeMemory(): hands freed heap pages of every malloc arena back to the OS (glibc). Long
// batch runs free as much as they allocate, but the pages freed in the arenas of libvips' worker
// threads stay resident and RSS wanders upward; trimming between batches keeps it flat.
static Napi::Value ReleaseFreeMemory(const Napi::CallbackInfo& info) {
#ifdef __GLIBC__
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// kernelProfile(on): true starts a fresh per-kernel profile; false stops it and resolves, once the
// stream has run what was queued, to [{kernel, shapes, calls, ms}], slowest first.
static Napi::Value KernelProfile(const Napi::CallbackInfo& info) {
  bool on = info[0].ToBoolean().Value();
  if (on) {
    // Starts on the stream, after the kernels already queued.
    return whenDone(info.Env(), [] { setKernelProfiling(true); }, nullptr);
  }
  auto entries = std::make_shared<std::vector<KernelProfileEntry>>();
  return whenDone(
      info.Env(), [entries] { *entries = setKernelProfiling(false); },
      [entries](Napi::Env env) -> Napi::Value {
        Napi::Array out = Napi::Array::New(env, entries->size());
        for (size_t i = 0; i < entries->size(); i++) {
          const KernelProfileEntry& e = (*entries)[i];
          Napi::Object o = Napi::Object::New(env);
          o.Set("kernel", e.kernel);
          o.Set("shapes", e.shapes);
          o.Set("calls", double(e.calls));
          o.Set("ms", e.ms);
          out.Set(uint32_t(i), o);
        }
        return out;
      });
}

void registerRuntimeBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("captureStderr", Napi::Function::New(env, CaptureStderr));
  exports.Set("releaseStderr", Napi::Function::New(env, ReleaseStderr));
  NativeBuffer::Init(env, exports);
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("fromArray", Napi::Function::New(env, FromArray));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("enqueue", Napi::Function::New(env, Enqueue));
  exports.Set("enqueueIndexed", Napi::Function::New(env, EnqueueIndexed));
  exports.Set("kernelIndex", Napi::Function::New(env, KernelIndex));
  exports.Set("sync", Napi::Function::New(env, Sync));
  exports.Set("timeKernel", Napi::Function::New(env, TimeKernel));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("memory", Napi::Function::New(env, Memory));
  exports.Set("measurePeak", Napi::Function::New(env, MeasurePeak));
  exports.Set("releaseFreeMemory", Napi::Function::New(env, ReleaseFreeMemory));
  exports.Set("kernelProfile", Napi::Function::New(env, KernelProfile));
}

}  // namespace cefm
