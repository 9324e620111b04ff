package dev.ferry

import kotlinx.coroutines.MainCoroutineDispatcher
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext

/**
 * The rule the async call path follows: Rust code never runs on a UI thread, not even the
 * first poll of a future or the short spin before suspending. On Kotlin/Native a UI thread
 * is one whose coroutines run on a [MainCoroutineDispatcher] (there is no thread to ask, as
 * the JVM's `UiThreads` does).
 */
@PublishedApi
internal object InlinePolling {
    fun onUiThread(context: CoroutineContext): Boolean = context[ContinuationInterceptor] is MainCoroutineDispatcher
}
