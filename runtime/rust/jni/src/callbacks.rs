//! The JNI face of callbacks: `dev.ferry.Callbacks`' static methods, cached in
//! `JNI_OnLoad`, reached from any thread (runtime threads are attached already; a thread
//! Rust spawned itself is attached once, as a daemon, on its first upcall).

use crate::{clear_exception, Upcall, CACHE};
use ferry_core::callbacks::{Foreign, ForeignFace, ScalarFailure, SCALAR_ARGS};
use jni::objects::{JByteArray, JString, JValueOwned};
use jni::signature::{Primitive, ReturnType};
use jni::sys::jvalue;
use jni::JNIEnv;
use std::sync::OnceLock;

struct Upcalls {
    call: Upcall,
    call_scalar: Upcall,
    describe: Upcall,
    call_async: Upcall,
    cancel_async: Upcall,
    release: Upcall,
}

static UPCALLS: OnceLock<Upcalls> = OnceLock::new();

/// Called from `JNI_OnLoad`.
pub(crate) fn cache_jni(env: &mut JNIEnv) -> jni::errors::Result<()> {
    let class = "dev/ferry/Callbacks";
    let _ = UPCALLS.set(Upcalls {
        call: Upcall::resolve(env, class, "call", "(JI[B)[B")?,
        call_scalar: Upcall::resolve(env, class, "callScalar", "(JIJJJJ)J")?,
        describe: Upcall::resolve(env, class, "describe", "(Ljava/lang/Throwable;)Ljava/lang/String;")?,
        call_async: Upcall::resolve(env, class, "callAsync", "(JIJ[B)V")?,
        cancel_async: Upcall::resolve(env, class, "cancelAsync", "(J)V")?,
        release: Upcall::resolve(env, class, "release", "(J)V")?,
    });
    Ok(())
}

struct JniFace;

static FACE: JniFace = JniFace;

fn env_and_upcalls() -> Result<(JNIEnv<'static>, &'static Upcalls), String> {
    let cache = CACHE.get().ok_or("the library was not loaded by a JVM")?;
    let upcalls = UPCALLS.get().ok_or("the callback upcalls were not cached")?;
    let env = crate::attached_env(&cache.vm).map_err(|e| format!("cannot attach the thread: {e}"))?;
    Ok((env, upcalls))
}

impl ForeignFace for JniFace {
    fn call(&self, handle: i64, method: i32, args: &[u8]) -> Result<Vec<u8>, String> {
        let (mut env, upcalls) = env_and_upcalls()?;
        // `call(long, int, byte[]): byte[]`, resolved in `cache_jni`.
        let read_reply = |env: &mut JNIEnv, returned: jni::errors::Result<JValueOwned>| match returned.and_then(|v| v.l()) {
            Ok(obj) if !obj.is_null() => {
                let array = JByteArray::from(obj);
                let bytes = env.convert_byte_array(&array);
                let _ = env.delete_local_ref(array);
                bytes.map_err(|e| format!("cannot read the reply: {e}"))
            }
            Ok(_) => Err("the reply was null".to_string()),
            Err(e) => Err(format!("the upcall failed: {e}")),
        };
        let args_before = [jvalue { j: handle }, jvalue { i: method }];
        upcalls.call.invoke(&mut env, &args_before, Some(args), ReturnType::Array, read_reply).map_err(|()| "cannot allocate the arguments".to_string())?
    }

    fn call_scalar(&self, handle: i64, method: i32, args: [i64; SCALAR_ARGS]) -> Option<Result<i64, ScalarFailure>> {
        Some(call_scalar(handle, method, args))
    }

    fn call_async(&self, handle: i64, method: i32, args: &[u8], call: i64) -> Result<(), String> {
        let (mut env, upcalls) = env_and_upcalls()?;
        let args_before = [jvalue { j: handle }, jvalue { i: method }, jvalue { j: call }];
        upcalls.call_async.call(&mut env, &args_before, Some(args)).map_err(|()| "cannot allocate the arguments".to_string())
    }

    fn cancel_async(&self, call: i64) {
        if let Ok((mut env, upcalls)) = env_and_upcalls() {
            let _ = upcalls.cancel_async.call_without_payload(&mut env, &[jvalue { j: call }]);
        }
    }

    fn release(&self, handle: i64) {
        if let Ok((mut env, upcalls)) = env_and_upcalls() {
            let _ = upcalls.release.call_without_payload(&mut env, &[jvalue { j: handle }]);
        }
    }
}

/// `Callbacks.callScalar(handle, method, a0, a1, a2, a3): Long`. Kotlin lets an exception of
/// the method escape this upcall (no reply buffer to carry it); it is described here, off
/// the fast path.
fn call_scalar(handle: i64, method: i32, args: [i64; SCALAR_ARGS]) -> Result<i64, ScalarFailure> {
    let (mut env, upcalls) = env_and_upcalls().map_err(ScalarFailure::Failed)?;
    let env = &mut env;
    let [a0, a1, a2, a3] = args;
    let all = [jvalue { j: handle }, jvalue { i: method }, jvalue { j: a0 }, jvalue { j: a1 }, jvalue { j: a2 }, jvalue { j: a3 }];
    // SAFETY: `callScalar(long, int, long, long, long, long): long`, resolved in `cache_jni`.
    let returned = unsafe {
        env.call_static_method_unchecked(upcalls.call_scalar.class(), upcalls.call_scalar.method, ReturnType::Primitive(Primitive::Long), &all)
    };
    match returned.and_then(|v| v.j()) {
        Ok(bits) => Ok(bits),
        Err(jni::errors::Error::JavaException) => Err(ScalarFailure::Thrown(describe_pending(env, upcalls))),
        Err(e) => {
            clear_exception(env);
            Err(ScalarFailure::Failed(format!("the upcall failed: {e}")))
        }
    }
}

/// Takes the pending exception and returns `Callbacks.describe(it)`.
fn describe_pending(env: &mut JNIEnv, upcalls: &Upcalls) -> String {
    let Ok(thrown) = env.exception_occurred() else { return "an exception that could not be read".into() };
    let _ = env.exception_clear();
    let all = [jvalue { l: thrown.as_raw() }];
    // SAFETY: `describe(Throwable): String`, resolved in `cache_jni`.
    let described = unsafe { env.call_static_method_unchecked(upcalls.describe.class(), upcalls.describe.method, ReturnType::Object, &all) };
    let _ = env.delete_local_ref(thrown);
    let text = match described.and_then(|v| v.l()) {
        Ok(obj) if !obj.is_null() => {
            let s = JString::from(obj);
            let text = env.get_string(&s).map(String::from).unwrap_or_else(|_| "an exception whose message could not be read".into());
            let _ = env.delete_local_ref(s);
            text
        }
        _ => "an exception that could not be described".into(),
    };
    clear_exception(env);
    text
}

/// Lifts a Kotlin callback argument: takes ownership of its registry entry.
pub fn foreign(handle: i64) -> Foreign {
    Foreign::new(handle, &FACE)
}

/// The reply of an async callback call (the library's `ferryCallbackDone` export).
pub fn complete(env: &mut JNIEnv, call: i64, reply: &JByteArray) -> Result<(), crate::Throw> {
    ferry_core::callbacks::complete(call, crate::bytes_arg(env, reply)?);
    Ok(())
}

