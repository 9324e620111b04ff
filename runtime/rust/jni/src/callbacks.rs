//! The JNI face of callbacks: `dev.ferry.Callbacks`' static methods, cached in
//! `JNI_OnLoad`, reached from any thread (runtime threads are attached already; a thread
//! Rust spawned itself is attached once, as a daemon, on its first upcall).

use crate::{clear_exception, Upcall, CACHE};
use ferry_core::callbacks::{Foreign, ForeignFace};
use jni::objects::JByteArray;
use jni::signature::ReturnType;
use jni::sys::jvalue;
use jni::JNIEnv;
use std::sync::OnceLock;

struct Upcalls {
    call: Upcall,
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
        let env = &mut env;
        let array = env.byte_array_from_slice(args).map_err(|e| {
            clear_exception(env);
            format!("cannot allocate the arguments: {e}")
        })?;
        let all = [jvalue { j: handle }, jvalue { i: method }, jvalue { l: array.as_raw() }];
        // SAFETY: `call(long, int, byte[]): byte[]`, resolved on this class in `cache_jni`.
        let returned = unsafe { env.call_static_method_unchecked(upcalls.call.class(), upcalls.call.method, ReturnType::Array, &all) };
        let _ = env.delete_local_ref(array);
        let reply = match returned.and_then(|v| v.l()) {
            Ok(obj) if !obj.is_null() => {
                let array = JByteArray::from(obj);
                let bytes = env.convert_byte_array(&array);
                let _ = env.delete_local_ref(array);
                bytes.map_err(|e| format!("cannot read the reply: {e}"))
            }
            Ok(_) => Err("the reply was null".to_string()),
            Err(e) => Err(format!("the upcall failed: {e}")),
        };
        clear_exception(env);
        reply
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

/// Lifts a Kotlin callback argument: takes ownership of its registry entry.
pub fn foreign(handle: i64) -> Foreign {
    Foreign::new(handle, &FACE)
}

/// The reply of an async callback call (the library's `ferryCallbackDone` export).
pub fn complete(env: &mut JNIEnv, call: i64, reply: &JByteArray) -> Result<(), crate::Throw> {
    ferry_core::callbacks::complete(call, crate::bytes_arg(env, reply)?);
    Ok(())
}

