//! Counters behind `dev.ferry.FerryDiagnostics`: each is the size of a live table, so it
//! cannot drift from what really exists.

pub fn pending_calls() -> u64 {
    crate::calls::pending() as u64
}

pub fn live_objects() -> u64 {
    crate::objects::live() as u64
}

pub fn open_rings() -> u64 {
    crate::frames::open_count() as u64
}

pub fn open_streams() -> u64 {
    crate::streams::open_count() as u64
}
