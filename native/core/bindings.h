#pragma once
#include <napi.h>

#include "stream.h"

namespace cefm {

class NativeBuffer : public Napi::ObjectWrap<NativeBuffer> {
 public:
  static Napi::FunctionReference constructor;
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit NativeBuffer(const Napi::CallbackInfo& info);
  StoragePtr storage_;

 private:
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
};

// The storage behind a NativeBuffer argument; throws a JS TypeError naming `what` otherwise.
StoragePtr storageOf(const Napi::Value& v, const char* what);

void registerRuntimeBindings(Napi::Env env, Napi::Object exports);

}  // namespace cefm
