// JNI_OnLoad of ferry-art's libjavacore.so: registers the part of libcore's luni natives
// that is compiled (see scripts/art.mjs, JAVACORE_SOURCES). Android's own registration
// file also lists natives built on BoringSSL and expat, which Debian's source build here
// does not have; calling those gives UnsatisfiedLinkError, not a crash.
#include <jni.h>
#include <stdlib.h>

#include "JniConstants.h"

void register_android_system_OsConstants(JNIEnv*);
void register_java_lang_invoke_MethodHandle(JNIEnv*);
void register_java_lang_invoke_VarHandle(JNIEnv*);
void register_java_util_regex_Matcher(JNIEnv*);
void register_java_util_regex_Pattern(JNIEnv*);
void register_libcore_icu_ICU(JNIEnv*);
void register_libcore_icu_NativeConverter(JNIEnv*);
void register_libcore_io_AsynchronousCloseMonitor(JNIEnv*);
void register_libcore_io_Linux(JNIEnv*);
void register_libcore_io_Memory(JNIEnv*);
void register_libcore_util_NativeAllocationRegistry(JNIEnv*);
void register_sun_misc_Unsafe(JNIEnv*);

extern "C" JNIEXPORT jint JNI_OnLoad(JavaVM* vm, void*) {
  JNIEnv* env;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) abort();
  // The register functions create local references of their own; one frame holds them all.
  if (env->PushLocalFrame(256) != 0) abort();
  register_android_system_OsConstants(env);
  register_java_lang_invoke_MethodHandle(env);
  register_java_lang_invoke_VarHandle(env);
  register_java_util_regex_Matcher(env);
  register_java_util_regex_Pattern(env);
  register_libcore_icu_ICU(env);
  register_libcore_icu_NativeConverter(env);
  register_libcore_io_AsynchronousCloseMonitor(env);
  register_libcore_io_Linux(env);
  register_libcore_io_Memory(env);
  register_libcore_util_NativeAllocationRegistry(env);
  register_sun_misc_Unsafe(env);
  JniConstants::Initialize(env);
  env->PopLocalFrame(nullptr);
  return JNI_VERSION_1_6;
}
