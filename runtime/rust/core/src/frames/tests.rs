//! The ring between two Rust sides and through the Kotlin-side handle calls.

use super::*;
use std::sync::atomic::AtomicI64;

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

#[test]
fn frames_arrive_in_order_with_their_sequence_numbers_under_backpressure() {
    block_on(async {
        let (mut tx, mut rx) = ring(8, 4);
        let producer = tokio::spawn(async move {
            for i in 0u64..10_000 {
                let mut slot = tx.reserve().await.unwrap();
                assert_eq!(slot.sequence(), i);
                slot[..8].copy_from_slice(&i.to_le_bytes());
                slot.publish(8);
            }
        });
        let mut expected = 0u64;
        while let Some(frame) = rx.next().await {
            assert_eq!(frame.sequence(), expected);
            assert_eq!(u64::from_le_bytes(frame[..8].try_into().unwrap()), expected);
            expected += 1;
            if expected % 1000 == 0 {
                tokio::task::yield_now().await;
            }
        }
        producer.await.unwrap();
        assert_eq!(expected, 10_000);
    });
}

#[test]
fn a_full_ring_stops_the_producer_until_a_frame_is_released_in_any_order() {
    let (mut tx, mut rx) = ring(4, 2);
    tx.try_reserve().unwrap().unwrap().publish(1);
    tx.try_reserve().unwrap().unwrap().publish(2);
    assert!(tx.try_reserve().unwrap().is_none(), "two slots, two unreleased frames");
    let (a, b) = block_on(async { (rx.next().await.unwrap(), rx.next().await.unwrap()) });
    assert_eq!((a.len(), b.len()), (1, 2));
    drop(b);
    assert!(tx.try_reserve().unwrap().is_none(), "slot 0 is still held: slots come back in order");
    drop(a);
    assert_eq!(tx.try_reserve().unwrap().unwrap().sequence(), 2);
}

#[test]
fn closing_either_side_ends_the_other() {
    let (mut tx, rx) = ring(4, 2);
    drop(rx);
    assert_eq!(tx.try_reserve().err(), Some(Closed));
    assert!(block_on(tx.reserve()).is_err());
    drop(tx);

    let (mut tx, mut rx) = ring(4, 2);
    tx.try_reserve().unwrap().unwrap().publish(3);
    drop(tx);
    block_on(async {
        assert_eq!(rx.next().await.unwrap().len(), 3, "published before the close: still read");
        assert!(rx.next().await.is_none());
    });
}

#[test]
fn a_producer_dropped_while_panicking_fails_the_ring() {
    let (tx, rx) = ring(4, 2);
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _tx = tx;
        panic!("boom");
    }));
    let handle = reader_handle(rx, |_| true) as i64;
    assert_eq!(sync(handle, 0, 0, 0), Ok(status::FAILED));
    assert!(failure(handle).unwrap().contains("panicked"));
    assert!(close(handle));
    assert!(!close(handle), "closed once");
    assert!(sync(handle, 0, 0, 0).is_err(), "a closed handle is an error, not a crash");
}

static WOKEN: AtomicI64 = AtomicI64::new(0);

#[test]
fn a_parked_kotlin_reader_is_woken_once_by_the_next_publish_not_by_every_frame() {
    let (mut tx, rx) = ring(4, 8);
    let handle = reader_handle(rx, |sink| {
        WOKEN.fetch_add(sink, SeqCst);
        true
    }) as i64;
    assert_eq!(sync(handle, 77, 0, 0), Ok(status::PARKED));
    tx.try_reserve().unwrap().unwrap().publish(4);
    tx.try_reserve().unwrap().unwrap().publish(4);
    assert_eq!(WOKEN.load(SeqCst), 77, "one upcall for two frames");
    assert_eq!(sync(handle, 77, 0, 0), Ok(2));
    assert_eq!(sync(handle, 0, 2, 2), Ok(2), "released both; nothing new, not parked");
    assert!(sync(handle, 0, 3, 3).is_err(), "cannot release an unpublished frame");
    let info = open(handle).unwrap();
    let pin = i64::from_le_bytes(info[24..32].try_into().unwrap());
    let (mem, size) = memory(handle).unwrap();
    assert!(!mem.is_null() && size >= 8 * (SLOT_HEADER + 4));
    assert!(close(handle));
    assert_eq!(tx.try_reserve().err(), Some(Closed));
    drop(tx);
    // (Other tests pin too, in parallel: the count is at least ours.)
    assert!(pinned_count() >= 1, "the memory outlives both sides while pinned");
    unpin(pin);
    unpin(pin);
}

#[test]
fn a_kotlin_writer_publishes_by_header_and_counter() {
    let (tx, mut rx) = ring(16, 2);
    let handle = writer_handle(tx, |_| true) as i64;
    let info: Vec<i64> = open(handle).unwrap().chunks(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
    let (size, count, stride, pin) = (info[0], info[1], info[2], info[3]);
    assert_eq!((size, count), (16, 2));
    let (mem, _) = memory(handle).unwrap();
    for seq in 0..2u64 {
        // What the Kotlin writer does: data, then header, then the counter.
        let slot = unsafe { mem.add(seq as usize * stride as usize) };
        unsafe {
            std::ptr::write_bytes(slot.add(SLOT_HEADER), seq as u8 + 1, 5);
            std::ptr::copy_nonoverlapping(seq.to_le_bytes().as_ptr(), slot, 8);
            std::ptr::copy_nonoverlapping(5u32.to_le_bytes().as_ptr(), slot.add(8), 4);
        }
    }
    assert_eq!(sync(handle, 0, 2, 2), Ok(0), "two published, none released yet");
    assert!(sync(handle, 0, 3, 3).is_err(), "a third frame has no free slot");
    let frames = block_on(async { [rx.next().await.unwrap(), rx.next().await.unwrap()] });
    assert_eq!(&frames[1][..], &[2u8; 5]);
    drop(frames);
    assert_eq!(sync(handle, 0, 2, 2), Ok(2));
    assert!(close(handle));
    assert!(block_on(rx.next()).is_none());
    unpin(pin);
}

#[test]
fn a_producer_outwaiting_its_spin_on_a_ring_held_by_kotlin_parks_and_the_release_report_wakes_it() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (mut tx, rx) = ring(8, 4);
    let handle = reader_handle(rx, |_| true) as i64;
    let made = Arc::new(AtomicU64::new(0));
    let counter = made.clone();
    let producer = rt.spawn(async move {
        for i in 0u64..12 {
            let Ok(mut slot) = tx.reserve().await else { return };
            slot[..8].copy_from_slice(&i.to_le_bytes());
            slot.publish(8);
            counter.store(i + 1, SeqCst);
        }
    });
    let wait_for = |n: u64| {
        let start = std::time::Instant::now();
        while made.load(SeqCst) < n {
            assert!(start.elapsed() < std::time::Duration::from_secs(10), "the producer stopped at {}", made.load(SeqCst));
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
    };
    wait_for(4);
    // The reader holds all four frames for far longer than the producer's spin: it parks.
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(made.load(SeqCst), 4, "lossless backpressure: no fifth frame while every slot is held");
    assert_eq!(sync(handle, 0, 0, 0), Ok(4));
    // Releasing two frames (one report, as Kotlin's batch) wakes it for exactly two more.
    // The woken producer may publish them before the report reads the head back.
    let head = sync(handle, 0, 2, 4).unwrap();
    assert!((4..=6).contains(&head), "head {head} after releasing 2 of 4 held frames");
    wait_for(6);
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(made.load(SeqCst), 6);
    // Releasing the rest lets it finish; a reader that keeps reporting sees every frame.
    let mut released = 2;
    while released < 12 {
        let head = sync(handle, 0, released, released).unwrap();
        assert!(head >= released && head <= released + 4, "head {head} with {released} released");
        released = head;
        std::thread::yield_now();
    }
    rt.block_on(producer).unwrap();
    assert!(close(handle));
}

#[test]
fn a_reservation_dropped_unpublished_keeps_its_slot_for_the_next_across_laps() {
    // The producer computes a slot's address from its own index, advanced only by a publish:
    // a dropped reservation must not move it, and it must wrap with the sequence numbers.
    block_on(async {
        let (mut tx, mut rx) = ring(8, 3);
        for i in 0u64..10 {
            if i % 3 == 1 {
                let mut dropped = tx.try_reserve().unwrap().unwrap();
                assert_eq!(dropped.sequence(), i);
                dropped[..8].copy_from_slice(&u64::MAX.to_le_bytes());
            }
            let mut slot = tx.reserve().await.unwrap();
            assert_eq!(slot.sequence(), i);
            slot[..8].copy_from_slice(&i.to_le_bytes());
            slot.publish(8);
            let frame = rx.next().await.unwrap();
            assert_eq!(frame.sequence(), i);
            assert_eq!(u64::from_le_bytes(frame[..8].try_into().unwrap()), i);
            // The producer wrote slot `i % 3`, where the consumer reads frame `i`.
            let mut header = [0u8; 8];
            // SAFETY: the consumer owns the slot while `frame` is alive.
            unsafe { std::ptr::copy_nonoverlapping(frame.ring.slot(i), header.as_mut_ptr(), 8) };
            assert_eq!(u64::from_le_bytes(header), i);
        }
    });
}

/// Polls the reader's handle the way a spinning Kotlin reader does (never parking) until
/// `head` reaches `n`; returns how long that took.
fn poll_until_published(handle: i64, n: i64, limit: std::time::Duration) -> std::time::Duration {
    let start = std::time::Instant::now();
    loop {
        let r = sync(handle, 0, 0, 0).unwrap();
        if r >= n || r < 0 {
            assert_eq!(r, n);
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "head {r} after {:?}, waiting for {n}", start.elapsed());
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

/// Every publish stores `head` at once. A producer that batched its stores (measured and not
/// kept: ADR 0009) would have to keep this: nothing held back while the producer sleeps.
#[test]
fn a_frame_published_right_before_the_producer_awaits_a_timer_reaches_a_polling_reader_at_once() {
    let rx = produce(8, 64, |mut tx| async move {
        tx.reserve().await.unwrap().publish(8);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        tx.reserve().await.unwrap().publish(8);
    });
    let handle = reader_handle(rx, |_| true) as i64;
    let took = poll_until_published(handle, 1, std::time::Duration::from_millis(150));
    assert!(took < std::time::Duration::from_millis(100), "{took:?}");
    poll_until_published(handle, 2, std::time::Duration::from_secs(10));
    assert!(close(handle));
}
