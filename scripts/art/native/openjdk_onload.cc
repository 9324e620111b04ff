// JNI_OnLoad of ferry-art's libopenjdk.so: registers the part of libcore's ojluni natives that
// is compiled (see scripts/art.mjs, OPENJDK_SOURCES): System, Runtime, files and streams,
// Float/Double/Math, zip. Sockets, NIO channels and StrictMath are not built.
#include <jni.h>
#include <stdlib.h>

#define DECLARE(name) extern "C" void register_##name(JNIEnv*);
DECLARE(java_io_FileDescriptor)
DECLARE(java_io_FileInputStream)
DECLARE(java_io_FileOutputStream)
DECLARE(java_io_UnixFileSystem)
DECLARE(java_lang_Double)
DECLARE(java_lang_Float)
DECLARE(java_lang_Math)
DECLARE(java_lang_Runtime)
DECLARE(java_lang_System)
DECLARE(java_util_zip_Adler32)
DECLARE(java_util_zip_CRC32)
DECLARE(java_util_zip_Deflater)
DECLARE(java_util_zip_Inflater)
DECLARE(java_util_zip_ZipFile)
#undef DECLARE

extern "C" JNIEXPORT jint JNI_OnLoad(JavaVM* vm, void*) {
  JNIEnv* env;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) abort();
  if (env->PushLocalFrame(256) != 0) abort();
  register_java_io_FileDescriptor(env);
  register_java_io_FileInputStream(env);
  register_java_io_FileOutputStream(env);
  register_java_io_UnixFileSystem(env);
  register_java_lang_Double(env);
  register_java_lang_Float(env);
  register_java_lang_Math(env);
  register_java_lang_Runtime(env);
  register_java_lang_System(env);
  register_java_util_zip_Adler32(env);
  register_java_util_zip_CRC32(env);
  register_java_util_zip_Deflater(env);
  register_java_util_zip_Inflater(env);
  register_java_util_zip_ZipFile(env);
  env->PopLocalFrame(nullptr);
  return JNI_VERSION_1_6;
}
