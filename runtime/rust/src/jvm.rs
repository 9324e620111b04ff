//! The JNI layer.
//!
//! `on_load` (called from the crate's generated `JNI_OnLoad`) caches the `JavaVM`, the
//! runtime classes and the completion method id. It runs on a thread that can see the
//! application's class loader; Tokio workers cannot (`FindClass` on a native thread only
//! sees the system loader, on Android the boot loader), so nothing looks up a class
//! after load. Runtime threads attach once, as daemons, when they start.

use crate::calls::{self, Outcome};
use crate::wire::WireError;
use jni::objects::{GlobalRef, JByteArray, JClass, JObject, JStaticMethodID, JString, JValue};
use jni::signature::{Primitive, ReturnType};
use jni::sys::{jbyteArray, jint, jlong, jvalue, JNI_ERR, JNI_VERSION_1_8};
use jni::{JNIEnv, JavaVM};
use std::future::Future;
use std::sync::OnceLock;

struct Cache {
    vm: JavaVM,
    completions: GlobalRef,
    complete: JStaticMethodID,
    rust_panic: GlobalRef,
    illegal_argument: GlobalRef,
    illegal_state: GlobalRef,
}

static CACHE: OnceLock<Cache> = OnceLock::new();

/// Completion status codes understood by `dev.ferry.Completions.complete`.
pub mod status {
    pub const VALUE: i32 = 0;
    pub const BYTES: i32 = 1;
    pub const ERROR: i32 = 2;
    pub const PANIC: i32 = 3;
}

/// Body of the generated `JNI_OnLoad`.
pub fn on_load(vm: JavaVM) -> jint {
    match cache_runtime(vm) {
        Ok(()) => JNI_VERSION_1_8,
        Err(e) => {
            eprintln!("ferry: JNI_OnLoad failed ({e}); is the dev.ferry runtime on the classpath?");
            JNI_ERR
        }
    }
}

fn cache_runtime(vm: JavaVM) -> jni::errors::Result<()> {
    let mut env = vm.get_env()?;
    let global_class = |env: &mut JNIEnv, name: &str| -> jni::errors::Result<GlobalRef> {
        let class = env.find_class(name)?;
        env.new_global_ref(class)
    };
    let completions = global_class(&mut env, "dev/ferry/Completions")?;
    let complete = env.get_static_method_id(as_class(&completions), "complete", "(JIJ[B)V")?;
    let rust_panic = global_class(&mut env, "dev/ferry/RustPanicException")?;
    let illegal_argument = global_class(&mut env, "java/lang/IllegalArgumentException")?;
    let illegal_state = global_class(&mut env, "java/lang/IllegalStateException")?;
    let flavor = system_property(&mut env, "ferry.tokio.flavor");
    let workers = system_property(&mut env, "ferry.tokio.workers");
    if flavor.is_some() || workers.is_some() {
        crate::runtime::configure(crate::runtime::config_from_settings(flavor.as_deref(), workers.as_deref()));
    }
    crate::streams::cache_jni(&mut env)?;
    let _ = CACHE.set(Cache { vm, completions, complete, rust_panic, illegal_argument, illegal_state });
    Ok(())
}

fn system_property(env: &mut JNIEnv, key: &str) -> Option<String> {
    let key = env.new_string(key).ok()?;
    let value = env
        .call_static_method(
            "java/lang/System",
            "getProperty",
            "(Ljava/lang/String;)Ljava/lang/String;",
            &[JValue::Object(&key)],
        )
        .ok()?
        .l()
        .ok()?;
    if value.is_null() {
        return None;
    }
    let value = JString::from(value);
    let text = env.get_string(&value).ok().map(String::from);
    let _ = env.delete_local_ref(value);
    let _ = env.delete_local_ref(key);
    text
}

/// The cached `JavaVM` (after `JNI_OnLoad`), for upcalls made by other modules.
pub(crate) fn vm() -> Option<&'static JavaVM> {
    CACHE.get().map(|c| &c.vm)
}

fn as_class(global: &GlobalRef) -> &JClass<'static> {
    <&JClass>::from(global.as_obj())
}

/// Attaches the current thread as a daemon (a no-op when already attached or before
/// `JNI_OnLoad`). Used as Tokio's `on_thread_start`.
pub fn attach_current_thread() {
    if let Some(cache) = CACHE.get() {
        let _ = cache.vm.attach_current_thread_as_daemon();
    }
}

/// Tokio's `on_thread_stop`: the thread holds no JNI references by then.
pub fn detach_current_thread() {
    if let Some(cache) = CACHE.get() {
        // SAFETY: called as the runtime thread exits; no local or JNIEnv outlives it.
        unsafe { cache.vm.detach_current_thread() };
    }
}

/// Why a native call did not return normally; each becomes a Java exception.
#[derive(Debug)]
pub enum Throw {
    Panic(String),
    IllegalArgument(String),
    IllegalState(String),
    /// A Java exception is already pending (a JNI call failed); leave it in place.
    Pending,
}

impl From<WireError> for Throw {
    fn from(e: WireError) -> Self {
        Throw::IllegalArgument(e.to_string())
    }
}

impl From<jni::errors::Error> for Throw {
    fn from(e: jni::errors::Error) -> Self {
        match e {
            jni::errors::Error::JavaException => Throw::Pending,
            other => Throw::IllegalState(format!("JNI call failed: {other}")),
        }
    }
}

pub fn throw(env: &mut JNIEnv, t: Throw) {
    let Some(cache) = CACHE.get() else { return };
    let (class, message) = match t {
        Throw::Pending => return,
        Throw::Panic(m) => (&cache.rust_panic, m),
        Throw::IllegalArgument(m) => (&cache.illegal_argument, m),
        Throw::IllegalState(m) => (&cache.illegal_state, m),
    };
    if !env.exception_check().unwrap_or(true) {
        let _ = env.throw_new(as_class(class), message);
    }
}

/// The value a native method returns when it throws (the JVM ignores it).
pub trait JniDefault {
    fn jni_default() -> Self;
}

macro_rules! jni_default {
    ($($t:ty = $v:expr),*) => {$(impl JniDefault for $t { fn jni_default() -> Self { $v } })*};
}

jni_default!(() = (), i8 = 0, u8 = 0, i16 = 0, u16 = 0, i32 = 0, i64 = 0, f32 = 0.0, f64 = 0.0,
    jbyteArray = std::ptr::null_mut());

/// Runs a synchronous call: a panic or a `Throw` becomes a Java exception.
#[inline]
pub fn sync_call<R: JniDefault>(env: &mut JNIEnv, f: impl FnOnce(&mut JNIEnv) -> Result<R, Throw>) -> R {
    match crate::panics::catch(|| f(env)) {
        Ok(Ok(r)) => r,
        Ok(Err(t)) => {
            throw(env, t);
            R::jni_default()
        }
        Err(message) => {
            throw(env, Throw::Panic(message));
            R::jni_default()
        }
    }
}

/// A `byte[]` argument as owned bytes; `null` is an `IllegalArgumentException`.
pub fn bytes_arg(env: &mut JNIEnv, array: &JByteArray) -> Result<Vec<u8>, Throw> {
    if array.is_null() {
        return Err(Throw::IllegalArgument("null byte array".into()));
    }
    Ok(env.convert_byte_array(array)?)
}

/// A string argument: Kotlin passes UTF-8 (`encodeToByteArray`), which, unlike JNI's
/// modified UTF-8, keeps U+0000 and characters outside the BMP as they are.
pub fn string_arg(env: &mut JNIEnv, array: &JByteArray) -> Result<String, Throw> {
    String::from_utf8(bytes_arg(env, array)?)
        .map_err(|e| Throw::IllegalArgument(format!("string is not valid UTF-8: {e}")))
}

/// A new `byte[]` holding `bytes`, returned to Kotlin.
pub fn bytes_return(env: &mut JNIEnv, bytes: &[u8]) -> Result<jbyteArray, Throw> {
    Ok(env.byte_array_from_slice(bytes)?.into_raw())
}

/// Starts an async call; `completion` is the Kotlin continuation's registry id. Returns
/// the call handle Kotlin passes to `cancel_call`.
pub fn spawn_call<F, Fut>(completion: jlong, make: F) -> jlong
where
    F: FnOnce(crate::CancellationToken) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    calls::spawn(make, move |outcome| complete(completion, outcome)) as jlong
}

pub fn cancel_call(call: jlong) {
    calls::cancel(call as u64);
}

/// The one upcall of an async call: `Completions.complete(id, status, value, payload)`.
fn complete(completion: jlong, outcome: Outcome) {
    let Some(cache) = CACHE.get() else { return };
    let Ok(mut env) = cache.vm.attach_current_thread_as_daemon() else { return };
    let (status, value, payload) = match outcome {
        Outcome::Value(v) => (status::VALUE, v, None),
        Outcome::Bytes(b) => (status::BYTES, 0, Some(b)),
        Outcome::Error(b) => (status::ERROR, 0, Some(b)),
        Outcome::Panic(m) => (status::PANIC, 0, Some(m.into_bytes())),
    };
    let payload = match payload {
        None => JObject::null(),
        Some(bytes) => match env.byte_array_from_slice(&bytes) {
            Ok(array) => JObject::from(array),
            Err(_) => {
                // Out of memory for the result: resume the caller with an exception
                // rather than leave it suspended forever.
                clear_exception(&mut env);
                return complete(completion, Outcome::Panic("ferry: could not allocate the result".into()));
            }
        },
    };
    let args = [
        jvalue { j: completion },
        jvalue { i: status },
        jvalue { j: value },
        jvalue { l: payload.as_raw() },
    ];
    // SAFETY: the method id was resolved for this class with signature (JIJ[B)V and the
    // arguments match it.
    let _ = unsafe {
        env.call_static_method_unchecked(
            as_class(&cache.completions),
            cache.complete,
            ReturnType::Primitive(Primitive::Void),
            &args,
        )
    };
    clear_exception(&mut env);
    // Runtime threads stay attached for their whole life, so their local references are
    // never freed by a returning native frame: delete explicitly.
    if !payload.is_null() {
        let _ = env.delete_local_ref(payload);
    }
}

fn clear_exception(env: &mut JNIEnv) {
    if env.exception_check().unwrap_or(false) {
        let _ = env.exception_describe();
        let _ = env.exception_clear();
    }
}
