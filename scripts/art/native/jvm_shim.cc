// The JVM_* functions that the compiled part of libcore's ojluni natives calls. On a device
// they come from libopenjdkjvm, which Debian does not package; these are plain POSIX
// versions, enough for files, streams, System and Runtime.
#include <jni.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <string>

// JVM_O_DELETE: an OpenJDK open flag with no POSIX meaning; never passed to open(2).
static const int kJvmDeleteOnClose = 0x4000000;
// JVM_EEXIST: what JVM_Open returns when O_EXCL found the file.
static const int kJvmExists = -100;

// System.loadLibrary ends in JVM_NativeLoad, which on a device calls the runtime's
// JavaVMExt::LoadNativeLibrary (class-loader namespaces, JNI_OnLoad and its version check).
// libart exports that C++ method, so it is looked up by its mangled name (the signature of
// ART 11: env, path, class loader, caller class, error message out). A JavaVMExt is the
// JavaVM itself, so the JavaVM* is its `this`.
typedef bool (*LoadNativeLibraryFn)(JavaVM* self, JNIEnv* env, const std::string& path, jobject classLoader,
                                    jclass caller, std::string* errorMessage);
static const char kLoadNativeLibrarySymbol[] =
    "_ZN3art9JavaVMExt17LoadNativeLibraryEP7_JNIEnvRKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEP8_jobjectP7_jclassPS8_";

extern "C" {

JNIEXPORT jstring JVM_NativeLoad(JNIEnv* env, jstring javaFilename, jobject javaLoader, jclass caller) {
  static LoadNativeLibraryFn loadNativeLibrary =
      reinterpret_cast<LoadNativeLibraryFn>(dlsym(RTLD_DEFAULT, kLoadNativeLibrarySymbol));
  if (loadNativeLibrary == nullptr) return env->NewStringUTF("ferry-art: libart exports no JavaVMExt::LoadNativeLibrary");
  const char* chars = env->GetStringUTFChars(javaFilename, nullptr);
  if (chars == nullptr) return nullptr;  // OutOfMemoryError pending
  std::string filename(chars);
  env->ReleaseStringUTFChars(javaFilename, chars);
  JavaVM* vm = nullptr;
  env->GetJavaVM(&vm);
  std::string errorMessage;
  if (loadNativeLibrary(vm, env, filename, javaLoader, caller, &errorMessage)) return nullptr;
  // Runtime.nativeLoad reports failure through the returned message, not an exception.
  env->ExceptionClear();
  return env->NewStringUTF(errorMessage.c_str());
}

JNIEXPORT jint JVM_Open(const char* name, jint flags, jint mode) {
  int fd = TEMP_FAILURE_RETRY(open(name, flags & ~kJvmDeleteOnClose, mode));
  if (fd >= 0) return fd;
  return errno == EEXIST ? kJvmExists : -1;
}
JNIEXPORT jint JVM_Close(jint fd) { return close(fd); }
JNIEXPORT jint JVM_Read(jint fd, char* buffer, jint length) { return TEMP_FAILURE_RETRY(read(fd, buffer, length)); }
JNIEXPORT jint JVM_Write(jint fd, char* buffer, jint length) { return TEMP_FAILURE_RETRY(write(fd, buffer, length)); }
JNIEXPORT jlong JVM_Lseek(jint fd, jlong offset, jint whence) { return lseek64(fd, offset, whence); }
JNIEXPORT jint JVM_Sync(jint fd) { return fsync(fd); }
JNIEXPORT char* JVM_NativePath(char* path) { return path; }

JNIEXPORT jint JVM_GetLastErrorString(char* buffer, int length) {
  if (errno == 0 || length < 1) return 0;
  snprintf(buffer, length, "%s", strerror(errno));
  return static_cast<jint>(strlen(buffer));
}

JNIEXPORT void* JVM_RawMonitorCreate(void) {
  pthread_mutex_t* mutex = static_cast<pthread_mutex_t*>(malloc(sizeof(pthread_mutex_t)));
  if (mutex != nullptr) pthread_mutex_init(mutex, nullptr);
  return mutex;
}
JNIEXPORT void JVM_RawMonitorDestroy(void* mutex) {
  pthread_mutex_destroy(static_cast<pthread_mutex_t*>(mutex));
  free(mutex);
}
JNIEXPORT jint JVM_RawMonitorEnter(void* mutex) { return pthread_mutex_lock(static_cast<pthread_mutex_t*>(mutex)); }
JNIEXPORT void JVM_RawMonitorExit(void* mutex) { pthread_mutex_unlock(static_cast<pthread_mutex_t*>(mutex)); }

JNIEXPORT int jio_vfprintf(FILE* stream, const char* format, va_list args) { return vfprintf(stream, format, args); }
JNIEXPORT int jio_vsnprintf(char* buffer, size_t size, const char* format, va_list args) {
  return vsnprintf(buffer, size, format, args);
}
JNIEXPORT int jio_fprintf(FILE* stream, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int written = vfprintf(stream, format, args);
  va_end(args);
  return written;
}
JNIEXPORT int jio_snprintf(char* buffer, size_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int written = vsnprintf(buffer, size, format, args);
  va_end(args);
  return written;
}

JNIEXPORT jlong JVM_CurrentTimeMillis(JNIEnv*, jclass) {
  struct timeval now;
  gettimeofday(&now, nullptr);
  return static_cast<jlong>(now.tv_sec) * 1000 + now.tv_usec / 1000;
}
JNIEXPORT jlong JVM_NanoTime(JNIEnv*, jclass) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<jlong>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

// Runtime.freeMemory/totalMemory/maxMemory: ART answers these itself on a device; fixed
// plausible figures are enough for code that only logs them.
JNIEXPORT jlong JVM_FreeMemory(void) { return 64LL << 20; }
JNIEXPORT jlong JVM_TotalMemory(void) { return 128LL << 20; }
JNIEXPORT jlong JVM_MaxMemory(void) { return 256LL << 20; }
// Runtime.gc() (and System.gc(), which calls it) ends here. A device's libopenjdkjvm asks the
// heap for a full collection; the nearest a shim can reach without ART's C++ internals is
// VMRuntime.concurrentGC(), a full collection run on the calling thread. (An empty JVM_GC made
// every explicit GC a no-op: references were cleared only when allocation happened to collect.)
JNIEXPORT void JVM_GC(void) {
  JavaVM* vm = nullptr;
  jsize count = 0;
  if (JNI_GetCreatedJavaVMs(&vm, 1, &count) != JNI_OK || count == 0) return;
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return;
  jclass vmRuntime = env->FindClass("dalvik/system/VMRuntime");
  if (vmRuntime == nullptr) return;
  jmethodID getRuntime = env->GetStaticMethodID(vmRuntime, "getRuntime", "()Ldalvik/system/VMRuntime;");
  jmethodID concurrentGC = env->GetMethodID(vmRuntime, "concurrentGC", "()V");
  if (getRuntime != nullptr && concurrentGC != nullptr) {
    jobject runtime = env->CallStaticObjectMethod(vmRuntime, getRuntime);
    if (runtime != nullptr) {
      env->CallVoidMethod(runtime, concurrentGC);
      env->DeleteLocalRef(runtime);
    }
  }
  env->ExceptionClear();
  env->DeleteLocalRef(vmRuntime);
}

JNIEXPORT void JVM_Exit(jint status) {
  fflush(stdout);
  fflush(stderr);
  exit(status);
}

}  // extern "C"
