// ferry-art launcher: Debian packages ART's runtime library but not `dalvikvm`, so this boots
// the VM with JNI_CreateJavaVM and runs a static main(String[]).
//
// usage: ferry-art-launcher [VM options: -X..., -D...]... [--app <dex jar> --app-lib <dir>] Main [args]
//
// With --app, Main is loaded from its own dalvik.system.PathClassLoader whose parent is the
// boot class loader, as an installed APK's classes are: the system class loader never sees
// them. That matters for ferry: FindClass from a native (Tokio) thread searches only the
// system class loader, so app classes are reachable from such threads only through what
// JNI_OnLoad cached. The loader's library search path is the APK's lib/ directory stand-in.
#include <jni.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VM_OPTIONS 128

static int failed(JNIEnv* env, const char* what) {
  if ((*env)->ExceptionCheck(env)) (*env)->ExceptionDescribe(env);
  fprintf(stderr, "ferry-art launcher: %s\n", what);
  return 1;
}

static jclass load_from_system_loader(JNIEnv* env, jstring name) {
  jclass loaderClass = (*env)->FindClass(env, "java/lang/ClassLoader");
  jmethodID getSystem = (*env)->GetStaticMethodID(env, loaderClass, "getSystemClassLoader", "()Ljava/lang/ClassLoader;");
  jobject system = (*env)->CallStaticObjectMethod(env, loaderClass, getSystem);
  if (system == NULL) return NULL;
  jmethodID loadClass = (*env)->GetMethodID(env, loaderClass, "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;");
  return (jclass)(*env)->CallObjectMethod(env, system, loadClass, name);
}

static jclass load_from_app_loader(JNIEnv* env, jstring name, const char* dexPath, const char* libDir) {
  jclass loaderClass = (*env)->FindClass(env, "java/lang/ClassLoader");
  jmethodID getSystem = (*env)->GetStaticMethodID(env, loaderClass, "getSystemClassLoader", "()Ljava/lang/ClassLoader;");
  jmethodID getParent = (*env)->GetMethodID(env, loaderClass, "getParent", "()Ljava/lang/ClassLoader;");
  jobject system = (*env)->CallStaticObjectMethod(env, loaderClass, getSystem);
  if (system == NULL) return NULL;
  // The system loader's parent is the boot class loader: the app loader sees libcore and
  // its own dex only, as on a device.
  jobject boot = (*env)->CallObjectMethod(env, system, getParent);
  if ((*env)->ExceptionCheck(env)) return NULL;
  jclass pathLoaderClass = (*env)->FindClass(env, "dalvik/system/PathClassLoader");
  if (pathLoaderClass == NULL) return NULL;
  jmethodID init = (*env)->GetMethodID(env, pathLoaderClass, "<init>", "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/ClassLoader;)V");
  jobject app = (*env)->NewObject(env, pathLoaderClass, init, (*env)->NewStringUTF(env, dexPath), (*env)->NewStringUTF(env, libDir), boot);
  if (app == NULL) return NULL;
  // An app's main thread runs with its loader as the context class loader (ServiceLoader
  // lookups, e.g. kotlinx-coroutines' optional modules, go through it).
  jclass threadClass = (*env)->FindClass(env, "java/lang/Thread");
  jmethodID current = (*env)->GetStaticMethodID(env, threadClass, "currentThread", "()Ljava/lang/Thread;");
  jmethodID setContext = (*env)->GetMethodID(env, threadClass, "setContextClassLoader", "(Ljava/lang/ClassLoader;)V");
  (*env)->CallVoidMethod(env, (*env)->CallStaticObjectMethod(env, threadClass, current), setContext, app);
  if ((*env)->ExceptionCheck(env)) return NULL;
  jclass classClass = (*env)->FindClass(env, "java/lang/Class");
  jmethodID forName = (*env)->GetStaticMethodID(env, classClass, "forName", "(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;");
  return (jclass)(*env)->CallStaticObjectMethod(env, classClass, forName, name, JNI_TRUE, app);
}

int main(int argc, char** argv) {
  JavaVMOption options[MAX_VM_OPTIONS];
  int optionCount = 0;
  const char* appDex = NULL;
  const char* appLib = "";
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--app") == 0 && i + 1 < argc) { appDex = argv[++i]; continue; }
    if (strcmp(argv[i], "--app-lib") == 0 && i + 1 < argc) { appLib = argv[++i]; continue; }
    if (argv[i][0] != '-') break;
    if (optionCount == MAX_VM_OPTIONS) { fprintf(stderr, "ferry-art launcher: too many VM options\n"); return 2; }
    options[optionCount].optionString = argv[i];
    options[optionCount].extraInfo = NULL;
    optionCount++;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: %s [VM options] [--app <dex jar> --app-lib <dir>] MainClass [args]\n", argv[0]);
    return 2;
  }
  const char* mainName = argv[i++];

  JavaVMInitArgs initArgs;
  initArgs.version = JNI_VERSION_1_6;  // what Android's runtime accepts
  initArgs.nOptions = optionCount;
  initArgs.options = options;
  initArgs.ignoreUnrecognized = JNI_FALSE;  // a mistyped option must fail, not be dropped
  JavaVM* vm;
  void* envOut;
  if (JNI_CreateJavaVM(&vm, &envOut, &initArgs) != JNI_OK) {
    fprintf(stderr, "ferry-art launcher: JNI_CreateJavaVM failed\n");
    return 1;
  }
  JNIEnv* env = (JNIEnv*)envOut;

  jstring name = (*env)->NewStringUTF(env, mainName);
  jclass mainClass = appDex ? load_from_app_loader(env, name, appDex, appLib) : load_from_system_loader(env, name);
  if (mainClass == NULL || (*env)->ExceptionCheck(env)) return failed(env, "cannot load the main class");
  jmethodID mainMethod = (*env)->GetStaticMethodID(env, mainClass, "main", "([Ljava/lang/String;)V");
  if (mainMethod == NULL) return failed(env, "the main class has no static main(String[])");
  jclass stringClass = (*env)->FindClass(env, "java/lang/String");
  jobjectArray args = (*env)->NewObjectArray(env, argc - i, stringClass, NULL);
  for (int k = 0; i + k < argc; k++) (*env)->SetObjectArrayElement(env, args, k, (*env)->NewStringUTF(env, argv[i + k]));
  (*env)->CallStaticVoidMethod(env, mainClass, mainMethod, args);
  int status = 0;
  if ((*env)->ExceptionCheck(env)) status = failed(env, "main threw");
  (*vm)->DetachCurrentThread(vm);
  (*vm)->DestroyJavaVM(vm);  // waits for the remaining non-daemon threads, as a JVM does
  return status;
}
