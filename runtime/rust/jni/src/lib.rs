//! ferry's JNI face: the layer between the JVM (or Android's runtime) and ferry-core.
//!
//! `on_load` (called from the crate's generated `JNI_OnLoad`) caches the `JavaVM`, the
//! runtime classes and the completion method id. It runs on a thread that can see the
//! application's class loader; Tokio workers cannot (`FindClass` on a native thread only
//! sees the system loader, on Android the boot loader), so nothing looks up a class
//! after load. Runtime threads attach once, as daemons named after their Rust thread
//! (`ferry-tokio-<n>`), when they start.

use ferry_core::calls::Outcome;
use ferry_core::completion;
use ferry_core::wire::WireError;
use ferry_core::CallError;
use jni::objects::{GlobalRef, JByteArray, JByteBuffer, JClass, JObject, JStaticMethodID, JString, JValue};
use jni::signature::{Primitive, ReturnType};
use jni::sys::{jbyteArray, jint, jlong, jvalue, JavaVMAttachArgs, JNI_ERR, JNI_VERSION_1_6};
use jni::{JNIEnv, JavaVM};
use std::cell::RefCell;
use std::ffi::{c_char, c_void, CString};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

struct Cache {
    vm: JavaVM,
    complete: Upcall,
    complete_batch: Upcall,
    rust_panic: GlobalRef,
    illegal_argument: GlobalRef,
    illegal_state: GlobalRef,
}

pub(crate) static CACHE: OnceLock<Cache> = OnceLock::new();

pub mod callbacks;
pub mod frames;
pub mod streams;
mod strings;

pub use strings::{string_arg, string_return};

/// The `jni` crate this face is built on (the generated glue names its types through it).
pub use jni;

/// Completion status codes understood by `dev.ferry.Completions.complete`.
pub use ferry_core::completion::status;

/// The JNI version `JNI_OnLoad` returns: 1.6. Android's runtime accepts only 1.2, 1.4 and
/// 1.6 (anything else fails `System.loadLibrary` with "Bad JNI version returned from
/// JNI_OnLoad"), and nothing here needs a later version.
pub const JNI_VERSION: jint = JNI_VERSION_1_6;

/// Body of the generated `JNI_OnLoad`.
pub fn on_load(vm: JavaVM) -> jint {
    match cache_runtime(vm) {
        Ok(()) => JNI_VERSION,
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
    let complete = Upcall::resolve(&mut env, "dev/ferry/Completions", "complete", "(JIJ[B)Z")?;
    let complete_batch = Upcall::resolve(&mut env, "dev/ferry/Completions", "completeBatch", "([JI)V")?;
    let rust_panic = global_class(&mut env, "dev/ferry/RustPanicException")?;
    let illegal_argument = global_class(&mut env, "java/lang/IllegalArgumentException")?;
    let illegal_state = global_class(&mut env, "java/lang/IllegalStateException")?;
    let flavor = system_property(&mut env, "ferry.tokio.flavor");
    let workers = system_property(&mut env, "ferry.tokio.workers");
    if flavor.is_some() || workers.is_some() {
        ferry_core::runtime::configure(ferry_core::runtime::config_from_settings(flavor.as_deref(), workers.as_deref()));
    }
    // Runtime threads attach once, as named daemons, when they start.
    ferry_core::runtime::set_thread_hooks(ferry_core::runtime::ThreadHooks {
        start: attach_current_thread,
        stop: detach_current_thread,
    });
    streams::cache_jni(&mut env)?;
    frames::install();
    callbacks::cache_jni(&mut env)?;
    let _ = CACHE.set(Cache { vm, complete, complete_batch, rust_panic, illegal_argument, illegal_state });
    completion::set_batch_delivery(deliver_batch);
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
        let _ = attached_env(&cache.vm);
    }
}

/// Tokio's `on_thread_stop`: the thread holds no JNI references by then.
pub fn detach_current_thread() {
    // Dropping the marker detaches a thread that `attached_env` attached.
    let _ = ATTACHED_HERE.try_with(|marker| marker.borrow_mut().take());
    if let Some(cache) = CACHE.get() {
        // SAFETY: called as the runtime thread exits; no local or JNIEnv outlives it.
        unsafe { cache.vm.detach_current_thread() };
    }
}

/// Numbers the Java names of attached threads (one sequence per loaded library).
static ATTACHED_THREADS: AtomicU64 = AtomicU64::new(0);

/// Detaches, when dropped, the thread `attached_env` attached.
struct DetachOnDrop(*mut jni::sys::JavaVM);

impl Drop for DetachOnDrop {
    fn drop(&mut self) {
        // SAFETY: the pointer is the process's JavaVM, which outlives its threads; the thread
        // is attached (this marker exists only after a successful attach) and holds no JNI
        // references any more (this runs when it stops or exits).
        unsafe {
            if let Some(detach) = (**self.0).DetachCurrentThread {
                detach(self.0);
            }
        }
    }
}

thread_local! {
    /// Present on a thread `attached_env` attached: detaches it when the thread exits, should
    /// Tokio's `on_thread_stop` not have run.
    static ATTACHED_HERE: RefCell<Option<DetachOnDrop>> = const { RefCell::new(None) };
}

/// The current thread's `JNIEnv`, attaching the thread as a daemon first if needed. The Java
/// side of the thread gets a name: the Rust thread's name (`ferry-tokio` for the runtime's
/// threads) and a number. Without one, the VM makes one up (`Thread-<n>` on both the JVM and
/// Android, where ART also gives it to the OS thread), which says nothing in a thread dump,
/// a profiler or a crash report.
pub(crate) fn attached_env(vm: &JavaVM) -> jni::errors::Result<JNIEnv<'_>> {
    if let Ok(env) = vm.get_env() {
        return Ok(env);
    }
    let n = ATTACHED_THREADS.fetch_add(1, Ordering::Relaxed) + 1;
    let base = std::thread::current().name().unwrap_or("ferry-native").replace('\0', "");
    let name = CString::new(format!("{base}-{n}")).unwrap_or_default();
    let mut args = JavaVMAttachArgs { version: JNI_VERSION, name: name.as_ptr() as *mut c_char, group: std::ptr::null_mut() };
    let raw = vm.get_java_vm_pointer();
    let mut env = std::ptr::null_mut();
    // SAFETY: `raw` is the valid JavaVM of this process; the VM copies the name during the
    // call, so `name` only has to live until it returns.
    let status = unsafe {
        match (**raw).AttachCurrentThreadAsDaemon {
            Some(attach) => attach(raw, &mut env, &mut args as *mut JavaVMAttachArgs as *mut c_void),
            None => JNI_ERR,
        }
    };
    jni::errors::jni_error_code_to_result(status)?;
    let _ = ATTACHED_HERE.try_with(|marker| *marker.borrow_mut() = Some(DetachOnDrop(raw)));
    // SAFETY: AttachCurrentThreadAsDaemon succeeded and filled in this thread's JNIEnv.
    unsafe { JNIEnv::from_raw(env as *mut jni::sys::JNIEnv) }
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
        CallError::from(e).into()
    }
}

impl From<CallError> for Throw {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Panic(m) => Throw::Panic(m),
            CallError::InvalidArgument(m) => Throw::IllegalArgument(m),
            CallError::InvalidState(m) => Throw::IllegalState(m),
        }
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
    let result = ferry_core::panics::catch(|| f(env));
    returned(env, result)
}

/// [`sync_call`] for calls whose result may hold objects: if the call fails after the
/// result registered handles (a panic in a later `Drop` or encoder, a result array that
/// cannot be allocated), those handles are released instead of leaking.
pub fn sync_call_tracked<R: JniDefault>(env: &mut JNIEnv, f: impl FnOnce(&mut JNIEnv) -> Result<R, Throw>) -> R {
    let (result, handles) = ferry_core::objects::track(|| ferry_core::panics::catch(|| f(env)));
    if !matches!(result, Ok(Ok(_))) {
        ferry_core::objects::release_all(&handles);
    }
    returned(env, result)
}

fn returned<R: JniDefault>(env: &mut JNIEnv, result: Result<Result<R, Throw>, String>) -> R {
    match result {
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

/// Releases an object handle for Kotlin (`close()`, the reclaimer, a result whose caller
/// was cancelled). Returns whether the handle was live; a panic in the value's `Drop`
/// becomes a `RustPanicException` after the handle has been released.
pub fn release_object(env: &mut JNIEnv, handle: jlong) -> u8 {
    sync_call(env, |_env| ferry_core::objects::release(handle).map(u8::from).map_err(Throw::Panic))
}

/// A `byte[]` argument as owned bytes; `null` is an `IllegalArgumentException`.
pub fn bytes_arg(env: &mut JNIEnv, array: &JByteArray) -> Result<Vec<u8>, Throw> {
    if array.is_null() {
        return Err(Throw::IllegalArgument("null byte array".into()));
    }
    Ok(env.convert_byte_array(array)?)
}

/// A `&[u8]` argument passed as a `byte[]`: copied, as [`bytes_arg`]. Pinning the array
/// instead (`GetPrimitiveArrayCritical`) would forbid every JNI call until the user's fn
/// returns, and that fn may call Kotlin back; `GetByteArrayElements` may copy anyway (ART
/// and HotSpot both do for a moving collector). The direct `ByteBuffer` form,
/// [`buffer_view`], is the one that reads in place.
pub fn bytes_view(env: &mut JNIEnv, array: &JByteArray) -> Result<Vec<u8>, Throw> {
    bytes_arg(env, array)
}

/// A `&mut [u8]` argument passed as a `byte[]`: copied in, and back by [`BytesOut::commit`]
/// once the user's fn returned (for the reasons [`bytes_view`] gives). A call that panics or
/// fails leaves the array as it was.
pub fn bytes_out<'a, 'l>(env: &mut JNIEnv, array: &'a JByteArray<'l>) -> Result<BytesOut<'a, 'l>, Throw> {
    Ok(BytesOut::Copied { bytes: bytes_arg(env, array)?, array })
}

/// A direct `ByteBuffer` argument's bytes from `offset` (its position) for `len` (its
/// remaining bytes), read in place: the buffer stays reachable for the call (Kotlin holds
/// it and so does this call's local reference), so its memory does too.
pub fn buffer_view<'a>(env: &mut JNIEnv, buffer: &'a JByteBuffer, offset: jint, len: jint) -> Result<&'a [u8], Throw> {
    let (data, len) = direct_region(env, buffer, offset, len)?;
    // SAFETY: `direct_region` checked the range against the buffer's capacity.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// A direct `ByteBuffer` written in place between `offset` and `offset + len` (Kotlin
/// refuses a read-only buffer before the call).
pub fn buffer_out<'a, 'l>(env: &mut JNIEnv, buffer: &'a JByteBuffer, offset: jint, len: jint) -> Result<BytesOut<'a, 'l>, Throw> {
    let (data, len) = direct_region(env, buffer, offset, len)?;
    // SAFETY: as in `buffer_view`; the glue checks with `byte_views::disjoint` that no other
    // argument of the call overlaps this range.
    Ok(BytesOut::Direct(unsafe { std::slice::from_raw_parts_mut(data, len) }))
}

fn direct_region(env: &mut JNIEnv, buffer: &JByteBuffer, offset: jint, len: jint) -> Result<(*mut u8, usize), Throw> {
    if buffer.is_null() {
        return Err(Throw::IllegalArgument("null ByteBuffer".into()));
    }
    let not_direct = || Throw::IllegalArgument("the ByteBuffer form reads and writes in place, so it takes a direct buffer (ByteBuffer.allocateDirect); pass a heap buffer's bytes as a ByteArray instead".into());
    let data = env.get_direct_buffer_address(buffer).map_err(|_| not_direct())?;
    let capacity = env.get_direct_buffer_capacity(buffer).map_err(|_| not_direct())?;
    if data.is_null() {
        return Err(not_direct());
    }
    if offset < 0 || len < 0 || offset as usize + len as usize > capacity {
        return Err(Throw::IllegalArgument(format!("buffer range {offset}+{len} is outside its capacity {capacity}")));
    }
    // SAFETY: `offset` is within the buffer's memory (checked above).
    Ok((unsafe { data.add(offset as usize) }, len as usize))
}

/// A `&mut [u8]` argument: a copy of a `byte[]`, or a direct buffer's memory itself.
pub enum BytesOut<'a, 'l> {
    Copied { bytes: Vec<u8>, array: &'a JByteArray<'l> },
    Direct(&'a mut [u8]),
}

impl BytesOut<'_, '_> {
    /// After the user's fn returned: writes a copied `byte[]` back (a direct buffer was
    /// written in place already).
    pub fn commit(self, env: &mut JNIEnv) -> Result<(), Throw> {
        if let BytesOut::Copied { bytes, array } = self {
            // SAFETY: i8 and u8 have the same size and alignment.
            let signed = unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const i8, bytes.len()) };
            env.set_byte_array_region(array, 0, signed)?;
        }
        Ok(())
    }
}

impl std::ops::Deref for BytesOut<'_, '_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            BytesOut::Copied { bytes, .. } => bytes,
            BytesOut::Direct(slice) => slice,
        }
    }
}

impl std::ops::DerefMut for BytesOut<'_, '_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            BytesOut::Copied { bytes, .. } => bytes,
            BytesOut::Direct(slice) => slice,
        }
    }
}

/// A new `byte[]` holding `bytes`, returned to Kotlin.
pub fn bytes_return(env: &mut JNIEnv, bytes: &[u8]) -> Result<jbyteArray, Throw> {
    Ok(env.byte_array_from_slice(bytes)?.into_raw())
}

/// Set in a completion id by Kotlin when the first poll must not run on the calling thread
/// (a `MainCoroutineDispatcher` caller, or `-Dferry.inlineFirstPoll=false`).
/// Starts an async call for the Kotlin completion id `completion` (see
/// [`ferry_core::completion::spawn`]): `RUNNING` while it runs, else how it completed on the
/// calling thread (a small value inline, or `DONE` after the upcall).
pub fn spawn_call<F, Fut>(completion: jlong, make: F) -> jlong
where
    F: FnOnce(ferry_core::CancellationToken) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    completion::spawn(completion, make, deliver_completion)
}

pub fn cancel_call(completion: jlong) {
    completion::cancel(completion);
}

const MAX_UPCALL_ARGS: usize = 4;

/// A cached static `void` method whose last parameter is a `byte[]` (at most
/// `MAX_UPCALL_ARGS` parameters in all).
pub(crate) struct Upcall {
    pub class: GlobalRef,
    pub method: JStaticMethodID,
}

impl Upcall {
    pub(crate) fn resolve(env: &mut JNIEnv, class: &str, name: &str, signature: &str) -> jni::errors::Result<Self> {
        let local = env.find_class(class)?;
        let method = env.get_static_method_id(&local, name, signature)?;
        let class = env.new_global_ref(&local)?;
        let _ = env.delete_local_ref(local);
        Ok(Self { class, method })
    }

    /// Calls the (void) method with `args` followed by `payload` (a new `byte[]`, or null).
    /// `Err` when the array could not be allocated: the call was not made.
    pub(crate) fn call(&self, env: &mut JNIEnv, args: &[jvalue], payload: Option<&[u8]>) -> Result<(), ()> {
        self.invoke(env, args, payload, ReturnType::Primitive(Primitive::Void), |_, _| ())
    }

    /// Calls a void method whose parameters are exactly `args` (no payload).
    pub(crate) fn call_without_payload(&self, env: &mut JNIEnv, args: &[jvalue]) -> Result<(), ()> {
        // SAFETY: the method id was resolved on this class with a signature whose
        // parameters are `args`, returning void.
        let returned = unsafe {
            env.call_static_method_unchecked(as_class(&self.class), self.method, ReturnType::Primitive(Primitive::Void), args)
        };
        clear_exception(env);
        returned.map(|_| ()).map_err(|_| ())
    }

    pub(crate) fn class(&self) -> &JClass<'static> {
        as_class(&self.class)
    }

    /// As [`Upcall::call`], for a method returning `boolean`; a Java exception counts as false.
    pub(crate) fn call_bool(&self, env: &mut JNIEnv, args: &[jvalue], payload: Option<&[u8]>) -> Result<bool, ()> {
        self.invoke(env, args, payload, ReturnType::Primitive(Primitive::Boolean), |_, returned| {
            returned.ok().and_then(|v| v.z().ok()).unwrap_or(false)
        })
    }

    /// Calls the method with `args` followed by `payload`; `read` sees what it returned (or
    /// its failure) before a pending exception is cleared and the payload's reference freed.
    /// `Err` when the payload array could not be allocated: the call was not made.
    pub(crate) fn invoke<'local, T>(
        &self,
        env: &mut JNIEnv<'local>,
        args: &[jvalue],
        payload: Option<&[u8]>,
        ret: ReturnType,
        read: impl FnOnce(&mut JNIEnv<'local>, jni::errors::Result<jni::objects::JValueOwned<'local>>) -> T,
    ) -> Result<T, ()> {
        let payload = match payload {
            None => JObject::null(),
            Some(bytes) => match env.byte_array_from_slice(bytes) {
                Ok(array) => JObject::from(array),
                Err(_) => {
                    clear_exception(env);
                    return Err(());
                }
            },
        };
        // On the stack: this runs once per completed call and per stream batch.
        let mut all = [jvalue { j: 0 }; MAX_UPCALL_ARGS];
        all[..args.len()].copy_from_slice(args);
        all[args.len()] = jvalue { l: payload.as_raw() };
        // SAFETY: the method id was resolved on this class with a signature whose
        // parameters are `args` followed by a `byte[]`, returning `ret`.
        let returned = unsafe {
            env.call_static_method_unchecked(as_class(&self.class), self.method, ret, &all[..=args.len()])
        };
        let answer = read(env, returned);
        clear_exception(env);
        // Runtime threads stay attached for their whole life, so no returning native
        // frame frees their local references: delete explicitly.
        if !payload.is_null() {
            let _ = env.delete_local_ref(payload);
        }
        Ok(answer)
    }
}

/// The one upcall of an async call: `Completions.complete(id, status, value, payload)`,
/// from a runtime thread, or (with `INLINE`) from the calling thread inside the call.
/// Objects registered for the result are released here if Kotlin did not take it (the
/// caller was cancelled meanwhile); if Kotlin took it, Kotlin owns them.
/// A payload the JVM could not allocate turns into a panic for the caller (see
/// [`completion::Delivery::undeliverable`]).
fn deliver_completion(d: &completion::Delivery) -> bool {
    let Some(cache) = CACHE.get() else { return false };
    // The calling thread is attached (it is inside a native method); runtime threads
    // attached themselves when they started.
    let Ok(mut env) = attached_env(&cache.vm) else { return false };
    let upcall = |env: &mut JNIEnv, d: &completion::Delivery| {
        let args = [jvalue { j: d.call }, jvalue { i: d.status }, jvalue { j: d.value }];
        cache.complete.call_bool(env, &args, d.payload.as_deref())
    };
    match upcall(&mut env, d) {
        Ok(delivered) => delivered,
        Err(()) => {
            let _ = upcall(&mut env, &d.undeliverable());
            false
        }
    }
}

/// Many plain-value completions in one upcall, `Completions.completeBatch(pairs, count)`,
/// from a runtime thread (see [`completion::DeliverBatch`]): one JNI transition and one
/// `long[]` for up to [`completion::BATCH_MAX`] calls instead of one upcall each. If the
/// array cannot be made or the upcall fails, each call gets its own upcall, so no caller is
/// left waiting.
fn deliver_batch(pairs: &[i64]) {
    let one_by_one = || {
        for pair in pairs.chunks_exact(2) {
            let d = completion::Delivery { call: pair[0], status: status::VALUE, value: pair[1], payload: None };
            deliver_completion(&d);
        }
    };
    let Some(cache) = CACHE.get() else { return };
    let Ok(mut env) = attached_env(&cache.vm) else { return };
    let array = match env.new_long_array(pairs.len() as i32) {
        Ok(array) => array,
        Err(_) => {
            clear_exception(&mut env);
            return one_by_one();
        }
    };
    let delivered = env.set_long_array_region(&array, 0, pairs).is_ok() && {
        let args = [jvalue { l: array.as_raw() }, jvalue { i: (pairs.len() / 2) as jint }];
        cache.complete_batch.call_without_payload(&mut env, &args).is_ok()
    };
    clear_exception(&mut env);
    // Runtime threads stay attached: no returning native frame frees this local reference.
    let _ = env.delete_local_ref(array);
    if !delivered {
        one_by_one();
    }
}

pub(crate) fn clear_exception(env: &mut JNIEnv) {
    if env.exception_check().unwrap_or(false) {
        let _ = env.exception_describe();
        let _ = env.exception_clear();
    }
}

#[cfg(test)]
mod tests {
    use jni::sys::{JNI_VERSION_1_2, JNI_VERSION_1_4, JNI_VERSION_1_6};

    #[test]
    fn jni_onload_returns_a_version_android_accepts() {
        // Android's runtime (art/runtime/jni/java_vm_ext.cc) refuses any other value.
        assert!([JNI_VERSION_1_2, JNI_VERSION_1_4, JNI_VERSION_1_6].contains(&super::JNI_VERSION));
    }
}
