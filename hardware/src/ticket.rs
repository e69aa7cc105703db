//! Queue-ticket layout: [`TicketContent`] (already-translated texts) → one ESC/POS byte stream.
//!
//! The escpos crate's [`Printer`] builds the command stream (init, code page, alignment, sizes,
//! QR code, feed, cut) into an in-memory [`Driver`]. Each text field is printed one of two ways:
//! - **as text** when PC858 has every letter ([`crate::codepage::can_encode`]): encoded by
//!   [`crate::codepage`] and passed as raw bytes (see that module for why), word-wrapped here on
//!   character counts of font A (12 × 24 dots) so wrapped lines stay centered. An all-Latin
//!   ticket is byte for byte what it was before raster text existed (a test pins the bytes);
//! - **as pixels** otherwise (Cyrillic, Arabic, Polish ł…): laid out, shaped and drawn by a
//!   [`ScriptFont`] ([`crate::script`]) and sent as one full-width `GS v 0` raster image per
//!   line, at the same size, weight and centering the text would have had.
//!
//! Full printable width per raster line (72 bytes a row on 80 mm) because printers disagree on
//! whether `ESC a` justifies raster images: with the text placed inside a full-width image,
//! every printer puts it in the same place. The cost is bytes: ~2 kB per line, nothing on USB
//! or TCP, ~0.2 s per line on a 115200-baud serial printer.
//!
//! Fonts: [`TicketRenderer`] holds one loaded font (from `printer.font`, checked at start);
//! [`render_ticket`] uses [`script::DEFAULT_FONT`], loaded on the first ticket that needs it, so
//! an all-Latin ticket never depends on a font file.
//!
//! Cost, measured with `examples/ticket_preview.rs` (release, 2-core dev VM): ~40 µs and ~190
//! small heap allocations per all-Latin ticket. Nearly all allocations are escpos's: every
//! command becomes an `Instruction` with its own label `String` and byte `Vec`s, flattened on
//! `print`. That is constant per ticket and far below a printer's ~1 s per ticket, so we keep
//! the library's validated command builders rather than hand-rolling the bytes. A full
//! Arabic or Russian ticket (80 mm, five or six drawn lines) costs ~2–7 ms more for layout,
//! shaping and drawing (same example, quiet vs busy VM; target < 50 ms), far below printing.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use serde::Deserialize;

use crate::codepage;
use crate::decode::Align;
use crate::printer::PrinterConfig;
use crate::script::{self, FontError, ScriptFont, TextStyle};

/// Paper roll width. Printable width is 384 dots (58 mm) or 576 dots (80 mm) at 203 dpi.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum PaperWidth {
    /// 58 mm roll: 384 dots, 32 characters of font A per line.
    #[serde(rename = "58mm")]
    Mm58,
    /// 80 mm roll: 576 dots, 48 characters of font A per line.
    #[serde(rename = "80mm")]
    Mm80,
}

impl PaperWidth {
    /// Printable width in dots.
    pub const fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    /// Characters per line in font A (12 dots wide) at normal size.
    pub const fn chars_per_line(self) -> usize {
        (self.dots() / FONT_A_WIDTH) as usize
    }

    /// Largest GS ! multiplier the ticket number is printed with. ×6 on 58 mm gives a
    /// 15 mm-tall number that still fits "V1007" across the roll; 80 mm has room for ×7.
    const fn number_max_size(self) -> u8 {
        match self {
            PaperWidth::Mm58 => 6,
            PaperWidth::Mm80 => 7,
        }
    }

    /// QR module size in dots (GS ( k fn 167). 5 dots ≈ 0.6 mm per module: a 33-module URL
    /// code is ~21 mm on 58 mm paper, easy for phone cameras.
    const fn qr_module(self) -> u8 {
        match self {
            PaperWidth::Mm58 => 5,
            PaperWidth::Mm80 => 6,
        }
    }
}

/// Width of one font A character in dots.
pub const FONT_A_WIDTH: u32 = 12;
/// Height of one font A character in dots.
pub const FONT_A_HEIGHT: u32 = 24;

/// Everything printed on a queue ticket. Texts are final, translated by the caller: this
/// crate never translates or formats dates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TicketContent {
    /// Office name, printed centered and bold at the top.
    pub site_name: String,
    /// Queue number such as "V007", printed as large as the paper allows.
    pub number: String,
    /// Service name ("Kela – asiakaspalvelu").
    pub service: String,
    /// Issue time, already formatted ("22.11.2026 10:41").
    pub issued_at_text: String,
    /// "3 people ahead of you", already translated.
    pub people_ahead_text: String,
    /// Estimated wait ("Wait 10–20 min"), if the caller has one.
    pub wait_text: Option<String>,
    /// Accessibility or service needs the customer chose ("Interpreter: Swedish").
    pub needs_text: Option<String>,
    /// URL for following the queue on a phone, printed as a QR code.
    pub qr_url: Option<String>,
    /// Small print at the bottom.
    pub footer: Option<String>,
}

impl TicketContent {
    /// What a device prints for the hub's "test print": which device of which site, when
    /// (UTC), and which program, with the heading in Finnish, Swedish and English (a
    /// technician of either language reads it at the device). The kiosk and the headless
    /// agent print the same test ticket.
    pub fn test_print(site: &str, device: &str, at: chrono::DateTime<chrono::Utc>, app: &str) -> TicketContent {
        TicketContent {
            site_name: format!("Aula {site}"),
            number: "TEST".into(),
            service: "Testituloste / Testutskrift / Test print".into(),
            issued_at_text: at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            people_ahead_text: device.to_string(),
            footer: Some(app.to_string()),
            ..TicketContent::default()
        }
    }
}

/// Why a ticket could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    /// The ticket number is empty: a ticket without a number is useless to print.
    #[error("ticket number is empty")]
    EmptyNumber,
    /// The QR payload is longer than a printer's QR buffer accepts.
    #[error("QR URL is {len} bytes; at most {max} fit in a printer QR code")]
    QrTooLong { len: usize, max: usize },
    /// The escpos command builder refused a command (its message is kept).
    #[error("ESC/POS command builder: {0}")]
    Escpos(String),
    /// A field needs drawing (its script is not in the code page) and the font is unusable.
    #[error(transparent)]
    Font(#[from] FontError),
}

impl From<escpos::errors::PrinterError> for TicketError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        TicketError::Escpos(e.to_string())
    }
}

/// Longest QR payload we send. Model 2 at level M holds 2331 bytes at version 40, but a 58 mm
/// roll cannot print a version-40 symbol legibly; a queue URL is < 100 bytes.
pub const QR_MAX_BYTES: usize = 300;

/// An escpos [`Driver`] that appends to a shared in-memory buffer. escpos's `Driver::write`
/// takes `&self`, hence the `RefCell`; the printer lives only inside [`render_ticket`].
#[derive(Clone, Default)]
struct VecDriver(Rc<RefCell<Vec<u8>>>);

impl Driver for VecDriver {
    fn name(&self) -> String {
        "memory".to_owned()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// Renders a ticket to an ESC/POS byte stream for the given paper width, drawing fields the
/// code page cannot hold with [`script::DEFAULT_FONT`] (see [`TicketRenderer`] for a
/// configured font).
///
/// Layout, top to bottom: site name (bold, double size), service, the number at ×4..×7 (see
/// [`number_size`]), time, people ahead, wait, needs, QR code (model 2, level M), footer; then
/// feed and full cut (`GS V A 0`). Text is PC858 (`ESC t 19`); a field with letters PC858
/// lacks is printed as raster lines instead. Fails with [`TicketError::Font`] only when such a
/// field exists and the default font cannot be loaded.
pub fn render_ticket(content: &TicketContent, paper: PaperWidth) -> Result<Vec<u8>, TicketError> {
    render(content, paper, &mut FontSlot::Default(None))
}

/// Renders tickets with one loaded font: build it once at start from the printer config, so a
/// missing or broken font is a start-up error naming the file, not a failed ticket later.
/// Cheap to clone (the font is shared).
#[derive(Debug, Clone)]
pub struct TicketRenderer {
    font: Arc<ScriptFont>,
}

impl TicketRenderer {
    /// Uses an already loaded font.
    pub fn new(font: Arc<ScriptFont>) -> TicketRenderer {
        TicketRenderer { font }
    }

    /// Loads the font at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<TicketRenderer, FontError> {
        Ok(TicketRenderer::new(Arc::new(ScriptFont::load(path)?)))
    }

    /// Loads `printer.font` (default [`script::DEFAULT_FONT`]).
    pub fn from_config(config: &PrinterConfig) -> Result<TicketRenderer, FontError> {
        TicketRenderer::load(&config.font)
    }

    /// The font raster lines are drawn with.
    pub fn font(&self) -> &Arc<ScriptFont> {
        &self.font
    }

    /// Renders a ticket; see [`render_ticket`] for the layout.
    pub fn render(&self, content: &TicketContent, paper: PaperWidth) -> Result<Vec<u8>, TicketError> {
        render(content, paper, &mut FontSlot::Loaded(&self.font))
    }
}

/// The process-wide [`script::DEFAULT_FONT`], loaded on first use. A failed load is not
/// cached: installing the font fixes the next ticket without a restart.
pub fn default_font() -> Result<Arc<ScriptFont>, FontError> {
    static FONT: OnceLock<Arc<ScriptFont>> = OnceLock::new();
    if let Some(f) = FONT.get() {
        return Ok(f.clone());
    }
    let loaded = Arc::new(ScriptFont::load(script::DEFAULT_FONT)?);
    Ok(FONT.get_or_init(|| loaded).clone())
}

/// The font for raster lines: a configured one, or the default, loaded on first need (so an
/// all-Latin ticket never touches a font file).
enum FontSlot<'f> {
    Loaded(&'f ScriptFont),
    Default(Option<Arc<ScriptFont>>),
}

impl FontSlot<'_> {
    fn get(&mut self) -> Result<&ScriptFont, FontError> {
        match self {
            FontSlot::Loaded(f) => Ok(f),
            FontSlot::Default(slot) => match slot {
                Some(f) => Ok(f),
                None => Ok(slot.insert(default_font()?)),
            },
        }
    }
}

fn render(content: &TicketContent, paper: PaperWidth, font: &mut FontSlot<'_>) -> Result<Vec<u8>, TicketError> {
    if content.number.trim().is_empty() {
        return Err(TicketError::EmptyNumber);
    }
    if let Some(url) = &content.qr_url
        && url.len() > QR_MAX_BYTES
    {
        return Err(TicketError::QrTooLong { len: url.len(), max: QR_MAX_BYTES });
    }

    let driver = VecDriver::default();
    let buffer = driver.0.clone();
    let mut p = Printer::new(driver, Protocol::default(), None);
    // One scratch buffer for all encoded lines (escpos copies each command anyway).
    let mut out = Blocks { line: Vec::with_capacity(paper.chars_per_line() + 8), paper, font };
    let cpl = paper.chars_per_line();

    p.init()?.custom(&[0x1B, b't', codepage::PC858_ESC_T])?;
    p.justify(JustifyMode::CENTER)?;

    // Site name: bold, double width and height.
    p.bold(true)?.size(2, 2)?;
    out.text(&mut p, &content.site_name, cpl / 2, TextStyle::sized(2, true))?;
    p.bold(false)?.reset_size()?;

    out.text(&mut p, &content.service, cpl, TextStyle::NORMAL)?;
    p.feed()?;

    // The number: as large as fits, bold.
    let n = number_size(&content.number, paper);
    p.bold(true)?.size(n, n)?;
    out.text(&mut p, content.number.trim(), usize::MAX, TextStyle::sized(n, true))?;
    p.bold(false)?.reset_size()?;
    p.feed()?;

    out.text(&mut p, &content.issued_at_text, cpl, TextStyle::NORMAL)?;
    out.text(&mut p, &content.people_ahead_text, cpl, TextStyle::NORMAL)?;
    if let Some(wait) = &content.wait_text {
        p.bold(true)?;
        out.text(&mut p, wait, cpl, TextStyle::sized(1, true))?;
        p.bold(false)?;
    }
    if let Some(needs) = &content.needs_text {
        out.text(&mut p, needs, cpl, TextStyle::NORMAL)?;
    }
    if let Some(url) = &content.qr_url {
        p.feed()?;
        p.qrcode_option(url, QRCodeOption::new(QRCodeModel::Model2, paper.qr_module(), QRCodeCorrectionLevel::M))?;
    }
    if let Some(footer) = &content.footer {
        p.feed()?;
        out.text(&mut p, footer, cpl, TextStyle::NORMAL)?;
    }
    // Feed past the cutter (≈ 4 lines on Epson-style heads) so the footer is not cut off.
    p.feeds(4)?.print_cut()?;
    drop(p);

    Ok(Rc::try_unwrap(buffer).map(RefCell::into_inner).unwrap_or_else(|rc| rc.borrow().clone()))
}

/// The GS ! multiplier for the number: the paper's maximum, reduced until the number fits on
/// one line; never below 1. Numbers up to 5 characters get ×4 or more on both widths.
pub fn number_size(number: &str, paper: PaperWidth) -> u8 {
    let chars = number.trim().chars().count().max(1) as u32;
    let mut n = paper.number_max_size();
    while n > 1 && chars * FONT_A_WIDTH * u32::from(n) > paper.dots() {
        n -= 1;
    }
    n
}

/// Writes the ticket's text fields, choosing text or raster per field.
struct Blocks<'a, 'f> {
    /// Scratch buffer for encoded lines and raster commands.
    line: Vec<u8>,
    paper: PaperWidth,
    font: &'a mut FontSlot<'f>,
}

impl Blocks<'_, '_> {
    /// Writes `text` word-wrapped at `width` characters, each line followed by LF; or, when
    /// PC858 lacks some of its letters, as raster lines drawn at `style` across the paper.
    /// Empty text prints nothing (an absent field leaves no blank line).
    fn text<D: Driver>(
        &mut self,
        p: &mut Printer<D>,
        text: &str,
        width: usize,
        style: TextStyle,
    ) -> Result<(), TicketError> {
        if codepage::can_encode(text) {
            for piece in wrap(text, width.max(1)) {
                self.line.clear();
                codepage::encode_into(piece, &mut self.line);
                self.line.push(b'\n'); // LF: print the line buffer and feed one line
                p.custom(&self.line)?;
            }
            return Ok(());
        }
        let font = self.font.get()?;
        // Centered like the text lines; the image spans the printable width (module doc).
        for bitmap in font.paragraph(text, style, self.paper.dots(), Align::Center) {
            self.line.clear();
            bitmap.write_gs_v_0(&mut self.line);
            p.custom(&self.line)?;
        }
        Ok(())
    }
}

/// Greedy word wrap on char counts; words longer than `width` are split hard. Returns slices
/// of `text`, so no per-line strings are allocated.
pub(crate) fn wrap(text: &str, width: usize) -> impl Iterator<Item = &str> {
    let mut rest = text.trim();
    std::iter::from_fn(move || {
        rest = rest.trim_start();
        if rest.is_empty() {
            return None;
        }
        // Byte index after `width` chars (or the whole rest).
        let hard_end = rest.char_indices().nth(width).map_or(rest.len(), |(i, _)| i);
        let end = if hard_end == rest.len() {
            hard_end
        } else {
            // Break at the last space within the limit (a space right after it counts), if
            // there is one. `hard_end` is a char boundary; `hard_end + 1` may not be.
            if rest[hard_end..].starts_with(' ') {
                hard_end
            } else {
                match rest[..hard_end].rfind(' ') {
                    Some(sp) if sp > 0 => sp,
                    _ => hard_end,
                }
            }
        };
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece.trim_end())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_splits_long_words() {
        let lines: Vec<_> = wrap("Tulkki: ruotsi ja viittomakieli", 12).collect();
        assert_eq!(lines, ["Tulkki:", "ruotsi ja", "viittomakiel", "i"]);
        assert_eq!(wrap("  ", 10).count(), 0);
        // Multi-byte chars count as one column each.
        let lines: Vec<_> = wrap("ääää öööö", 4).collect();
        assert_eq!(lines, ["ääää", "öööö"]);
        // Regression (found by proptest): a multi-byte char right after the limit panicked.
        let lines: Vec<_> = wrap("abcdä€ x", 4).collect();
        assert_eq!(lines, ["abcd", "ä€ x"]);
    }

    #[test]
    fn number_size_fits_the_roll() {
        assert_eq!(number_size("V007", PaperWidth::Mm58), 6);
        assert_eq!(number_size("V007", PaperWidth::Mm80), 7);
        assert_eq!(number_size("V1007", PaperWidth::Mm58), 6); // 5*12*6 = 360 <= 384
        assert_eq!(number_size("AB-1234", PaperWidth::Mm58), 4); // 7*12*4 = 336
        assert_eq!(number_size("VERYLONGNUMBER-99", PaperWidth::Mm58), 1);
    }

    #[test]
    fn empty_number_is_rejected() {
        let c = TicketContent { number: "  ".into(), ..Default::default() };
        assert!(matches!(render_ticket(&c, PaperWidth::Mm58), Err(TicketError::EmptyNumber)));
    }
}
