// ART 11 loads libicu_jni.so at start-up and aborts without it. In Android 10's libcore the
// ICU natives it would hold live in libjavacore, so an empty library is all it needs.
#include <jni.h>

JNIEXPORT jint JNI_OnLoad(JavaVM* vm, void* reserved) {
  (void)vm;
  (void)reserved;
  return JNI_VERSION_1_6;
}
