//! Renders a sample ticket for both paper widths, saves the decoded previews as PNG, and times
//! `render_ticket` and the decoder.
//!
//! `cargo run -p aula-hardware --example ticket_preview -- OUT_DIR` writes
//! `OUT_DIR/ticket-58mm.png` and `OUT_DIR/ticket-80mm.png` (the repo keeps them in `docs/`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use aula_hardware::decode;
use aula_hardware::ticket::{PaperWidth, TicketContent, render_ticket};

/// Counts heap allocations so the example can report how many one `render_ticket` makes.
struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let ticket = TicketContent {
        site_name: "Kela Hämeenlinna".into(),
        number: "V007".into(),
        service: "Asiakaspalvelu / Kundservice".into(),
        issued_at_text: "22.11.2026 10:41".into(),
        people_ahead_text: "Edelläsi jonossa: 3".into(),
        wait_text: Some("Arvioitu odotus 10–20 min".into()),
        needs_text: Some("Tulkki: ruotsi. Esteetön palvelupiste".into()),
        qr_url: Some("https://aula.example/q/hml/V007?t=8f3a".into()),
        footer: Some("Seuraa vuoroasi puhelimella. Följ din tur i telefonen.".into()),
    };
    for (paper, name) in [(PaperWidth::Mm58, "58mm"), (PaperWidth::Mm80, "80mm")] {
        let bytes = render_ticket(&ticket, paper)?;
        let img = decode::render_png(&bytes, paper)?;
        let path = format!("{out}/ticket-{name}.png");
        img.save(&path)?;

        let before = ALLOCS.load(Ordering::Relaxed);
        std::hint::black_box(render_ticket(&ticket, paper)?);
        let allocs = ALLOCS.load(Ordering::Relaxed) - before;

        const N: u32 = 2000;
        let t = Instant::now();
        for _ in 0..N {
            std::hint::black_box(render_ticket(std::hint::black_box(&ticket), paper)?);
        }
        let per_render = t.elapsed() / N;
        let t = Instant::now();
        for _ in 0..20 {
            std::hint::black_box(decode::render_png(&bytes, paper)?);
        }
        let per_decode = t.elapsed() / 20;
        println!(
            "{name}: {} bytes, render_ticket {per_render:?} ({allocs} allocations), decode+draw {per_decode:?}, {}x{} px -> {path}",
            bytes.len(),
            img.width(),
            img.height()
        );
    }
    Ok(())
}
