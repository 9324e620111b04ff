//! A key-value store on Tokio: what `examples/jvm-app` packages with `ferry package` and
//! calls from a Kotlin app that knows only the Maven artifact.

use futures_core::Stream;
use std::collections::HashMap;
use std::pin::Pin;
use tokio::sync::{watch, RwLock};
use tokio_stream::wrappers::WatchStream;
use tokio_stream::StreamExt;

ferry::include_glue!();

#[ferry::export(error)]
#[derive(Debug)]
pub enum KvError {
    /// No value under this key.
    NotFound { key: String },
    /// Keys are 1 to 256 bytes long.
    InvalidKey { message: String },
}

impl std::fmt::Display for KvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KvError::NotFound { key } => write!(f, "no value under '{key}'"),
            KvError::InvalidKey { message } => f.write_str(message),
        }
    }
}

/// One key and its value, as `entries` lists them.
#[ferry::export]
pub struct Entry {
    pub key: String,
    pub value: String,
}

/// The store. Each key has a watch channel holding its current value (`None`: no value),
/// so readers and watchers never wait for a writer of another key.
#[ferry::export(object)]
pub struct Store {
    keys: RwLock<HashMap<String, watch::Sender<Option<String>>>>,
}

fn check_key(key: &str) -> Result<(), KvError> {
    if key.is_empty() || key.len() > 256 {
        return Err(KvError::InvalidKey { message: format!("a key is 1 to 256 bytes long, not {}", key.len()) });
    }
    Ok(())
}

#[ferry::export]
impl Store {
    pub fn new() -> Self {
        Store { keys: RwLock::new(HashMap::new()) }
    }

    /// Stores `value` under `key`; returns the value it replaced, if any.
    pub async fn put(&self, key: String, value: String) -> Result<Option<String>, KvError> {
        check_key(&key)?;
        let mut keys = self.keys.write().await;
        let slot = keys.entry(key).or_insert_with(|| watch::channel(None).0);
        Ok(slot.send_replace(Some(value)))
    }

    /// The value under `key`.
    pub async fn get(&self, key: String) -> Result<String, KvError> {
        check_key(&key)?;
        let keys = self.keys.read().await;
        keys.get(&key).and_then(|slot| slot.borrow().clone()).ok_or(KvError::NotFound { key })
    }

    /// Removes the value under `key`; false if there was none.
    pub async fn delete(&self, key: String) -> Result<bool, KvError> {
        check_key(&key)?;
        let keys = self.keys.read().await;
        Ok(keys.get(&key).is_some_and(|slot| slot.send_replace(None).is_some()))
    }

    /// Every key with a value, sorted by key.
    pub async fn entries(&self) -> Vec<Entry> {
        let keys = self.keys.read().await;
        let mut entries: Vec<Entry> = keys
            .iter()
            .filter_map(|(key, slot)| slot.borrow().clone().map(|value| Entry { key: key.clone(), value }))
            .collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        entries
    }

    /// The value under `key` now (`None`: no value), then each time it changes. A watcher
    /// that falls behind sees the latest value, not every one in between. An invalid key
    /// ends the Flow with `KvError.InvalidKey` at once.
    pub async fn watch(&self, key: String) -> impl Stream<Item = Result<Option<String>, KvError>> + Send + 'static {
        if let Err(e) = check_key(&key) {
            let failed: Pin<Box<dyn Stream<Item = _> + Send>> = Box::pin(tokio_stream::once(Err(e)));
            return failed;
        }
        let mut keys = self.keys.write().await;
        let slot = keys.entry(key).or_insert_with(|| watch::channel(None).0);
        Box::pin(WatchStream::new(slot.subscribe()).map(Ok))
    }
}
