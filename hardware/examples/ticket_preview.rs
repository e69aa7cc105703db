//! Renders sample tickets, saves the decoded previews as PNG, and times `render_ticket`, the
//! decoder, and a full Arabic ticket (shaping and drawing its raster lines) against its target.
//!
//! `cargo run --release -p aula-hardware --example ticket_preview -- OUT_DIR` writes
//! `OUT_DIR/ticket-58mm.png`, `OUT_DIR/ticket-80mm.png` (Finnish, all text) and
//! `OUT_DIR/ticket-80mm-ru.png`, `OUT_DIR/ticket-80mm-ar.png` (labels from `lang/ru.toml` and
//! `lang/ar.toml`, Cyrillic and Arabic lines drawn with DejaVu Sans); the repo keeps them in
//! `docs/`. Times are only meaningful with `--release`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aula_hardware::TicketLabels;
use aula_hardware::decode;
use aula_hardware::script::DEFAULT_FONT;
use aula_hardware::ticket::{PaperWidth, TicketContent, TicketRenderer, render_ticket};

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

/// A full Arabic ticket must render (layout, bidi, shaping, drawing, ESC/POS) within this on
/// the 2-core dev VM: well inside the kiosk's "ticket printing" moment, and ~20× below the
/// ~1 s a printer takes to print it.
const ARABIC_TARGET: Duration = Duration::from_millis(50);

/// The sample ticket in `lang`, with its fixed texts from the label files; site data (office
/// and service names) as a site would give it in that language.
fn sample(lang: &str, service: &str) -> Result<TicketContent, Box<dyn std::error::Error>> {
    let l = TicketLabels::load(lang, None)?;
    Ok(TicketContent {
        site_name: "Kela Hämeenlinna".into(),
        number: "V007".into(),
        service: service.into(),
        issued_at_text: "22.11.2026 10:41".into(),
        people_ahead_text: l.people_ahead(3),
        wait_text: Some(l.wait(10, 20)),
        needs_text: l.needs(Some(l.endonym()), true, false),
        qr_url: Some("https://aula.example/q/hml/V007?t=8f3a".into()),
        footer: Some(l.footer(true).into()),
    })
}

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
            "fi {name}: {} bytes, render_ticket {per_render:?} ({allocs} allocations), decode+draw {per_decode:?}, {}x{} px -> {path}",
            bytes.len(),
            img.width(),
            img.height()
        );
    }

    let t = Instant::now();
    let renderer = TicketRenderer::load(DEFAULT_FONT)?;
    println!("font: {DEFAULT_FONT} loaded once in {:?}", t.elapsed());
    let paper = PaperWidth::Mm80;
    for (lang, service) in [("ru", "Kela: обслуживание клиентов"), ("ar", "Kela: خدمة العملاء")]
    {
        let ticket = sample(lang, service)?;
        let bytes = renderer.render(&ticket, paper)?;
        let ops = decode::decode(&bytes)?;
        let rasters = ops.iter().filter(|o| matches!(o, decode::Op::Raster { .. })).count();
        let img = decode::render_ops(&ops, paper)?;
        let path = format!("{out}/ticket-80mm-{lang}.png");
        img.save(&path)?;

        const N: u32 = 50;
        let t = Instant::now();
        for _ in 0..N {
            std::hint::black_box(renderer.render(std::hint::black_box(&ticket), paper)?);
        }
        let per_render = t.elapsed() / N;
        let verdict = if lang != "ar" {
            String::new()
        } else if per_render < ARABIC_TARGET {
            format!(" (target < {ARABIC_TARGET:?}: met)")
        } else {
            format!(" (target < {ARABIC_TARGET:?}: MISSED)")
        };
        println!(
            "{lang} 80mm: {} bytes, {rasters} raster lines, render {per_render:?}{verdict}, {}x{} px -> {path}",
            bytes.len(),
            img.width(),
            img.height()
        );
    }
    Ok(())
}
