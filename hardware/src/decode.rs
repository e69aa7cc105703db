//! An ESC/POS interpreter: bytes → [`Op`]s (what the printer was told) → a [`GrayImage`] (what
//! it would print). It exists so tests can assert on tickets and so the simulated printer and
//! the kiosk's preview can show a ticket without paper.
//!
//! It understands the subset a receipt printer needs and that Aula emits: ESC @, ESC t, ESC a,
//! ESC E, ESC G, ESC -, ESC d, ESC J, ESC 2/3, ESC M, ESC R, GS !, GS B, GS V, GS ( k (QR,
//! cn = 49), GS v 0 (raster), DLE EOT, LF, CR. Anything else is [`DecodeError::UnknownCommand`]
//! in [`DecodeMode::Strict`] and an [`Op::Unknown`] in [`DecodeMode::Lenient`].
//!
//! Rendering model (Epson font A): a character cell is 12 × 24 dots times the GS ! multipliers;
//! glyphs are the public-domain 8 × 8 `font8x8` set stretched to 12 × 16 inside the cell, so
//! the preview has real proportions but not the printer's typeface. Text collects in a line
//! buffer that prints on LF / ESC d / overflow with the current alignment; QR codes are rebuilt
//! with the `qrcode` crate at the requested module size and level, which picks the same
//! (smallest) version a printer does. Raster images (`GS v 0`) are drawn dot for dot — that is
//! how Aula prints text in scripts the code page lacks ([`crate::script`]), so previews and
//! tests show Cyrillic and Arabic lines exactly as the printer gets them; modes 1–3 (double
//! width / height / both) are scaled like a printer does.

use image::GrayImage;
use qrcode::{Color, EcLevel, QrCode};

use crate::codepage;
use crate::ticket::{FONT_A_HEIGHT, FONT_A_WIDTH, PaperWidth};

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const DLE: u8 = 0x10;
const EOT: u8 = 0x04;
const LF: u8 = 0x0A;
const CR: u8 = 0x0D;

/// Horizontal alignment set by `ESC a n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// QR error-correction level set by `GS ( k … 49 69 n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrEcLevel {
    L,
    M,
    Q,
    H,
}

/// One recognised command (or run of text) in an ESC/POS stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `ESC @`: reset modes.
    Init,
    /// `ESC t n`: character code table (19 = PC858).
    SelectCodePage(u8),
    /// `ESC R n`: international character set.
    CharacterSet(u8),
    /// Printable bytes, decoded with the selected code page (PC858 for 2 and 19; other pages
    /// decode only ASCII, high bytes become U+FFFD).
    Text(String),
    /// `LF`: print the line buffer and feed one line.
    LineFeed,
    /// `CR`: ignored by printers with auto line feed off (the default).
    CarriageReturn,
    /// `ESC d n`: print and feed `n` lines.
    FeedLines(u8),
    /// `ESC J n`: print and feed `n` dots.
    FeedDots(u8),
    /// `GS ! n`: character width and height multipliers, 1..=8.
    SetSize { w: u8, h: u8 },
    /// `ESC E n`: emphasized (bold).
    Bold(bool),
    /// `ESC G n`: double-strike (rendered like bold).
    DoubleStrike(bool),
    /// `ESC - n`: underline thickness 0..=2.
    Underline(u8),
    /// `GS B n`: white-on-black.
    Reverse(bool),
    /// `ESC a n`.
    Align(Align),
    /// `ESC 2` (`None`, default 30 dots) or `ESC 3 n`.
    LineSpacing(Option<u8>),
    /// `ESC M n`: font A (0) or B (1). The preview draws every font as font A.
    SelectFont(u8),
    /// `GS ( k` QR "print symbol", with the model/size/level/data set before it.
    Qr { data: String, model: u8, module_size: u8, ec: QrEcLevel },
    /// `GS V`: cut (`partial` for m = 1/49/66).
    Cut { partial: bool },
    /// `GS v 0 m xL xH yL yH d…`: raster bit image, 1 bit per dot, MSB left.
    Raster { mode: u8, width_bytes: u16, height: u16, data: Vec<u8> },
    /// `DLE EOT n`: real-time status request (prints nothing).
    StatusRequest(u8),
    /// An unrecognised command skipped in lenient mode.
    Unknown { offset: usize, bytes: Vec<u8> },
}

/// What to do with commands the interpreter does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecodeMode {
    /// Fail with [`DecodeError::UnknownCommand`] (tests: Aula must emit only known commands).
    #[default]
    Strict,
    /// Record [`Op::Unknown`] and skip the command's first two bytes (previews of foreign data).
    Lenient,
}

/// Why a stream could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// A command this interpreter does not know.
    #[error("unknown ESC/POS command at byte {offset}: {}", hex(bytes))]
    UnknownCommand { offset: usize, bytes: Vec<u8> },
    /// The stream ends inside a command.
    #[error("stream ends inside {command} that starts at byte {offset}")]
    Truncated { offset: usize, command: &'static str },
    /// A known command with a parameter out of its range.
    #[error("{command} at byte {offset} has invalid parameter {value:#04x}")]
    InvalidParameter { offset: usize, command: &'static str, value: u8 },
    /// A QR code the `qrcode` crate cannot rebuild (data too long for any version).
    #[error("QR code cannot be rebuilt: {reason}")]
    Qr { reason: String },
    /// PNG encoding failed.
    #[error("PNG encoding: {0}")]
    Png(#[from] image::ImageError),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}

/// Decodes a stream strictly; see [`decode_with`].
pub fn decode(bytes: &[u8]) -> Result<Vec<Op>, DecodeError> {
    decode_with(bytes, DecodeMode::Strict)
}

/// Decodes an ESC/POS stream into ops.
pub fn decode_with(bytes: &[u8], mode: DecodeMode) -> Result<Vec<Op>, DecodeError> {
    let mut d = Decoder { bytes, pos: 0, ops: Vec::new(), code_page: 0, qr: QrState::default() };
    while d.pos < bytes.len() {
        let start = d.pos;
        match d.step() {
            Ok(()) => {}
            Err(DecodeError::UnknownCommand { offset, bytes: unknown }) if mode == DecodeMode::Lenient => {
                tracing::debug!(offset, bytes = %hex(&unknown), "skipping unknown ESC/POS command");
                d.pos = start + unknown.len().clamp(1, 2);
                d.ops.push(Op::Unknown { offset, bytes: unknown });
            }
            Err(DecodeError::Truncated { offset, .. }) if mode == DecodeMode::Lenient => {
                d.ops.push(Op::Unknown { offset, bytes: bytes[offset..].to_vec() });
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(d.ops)
}

#[derive(Default)]
struct QrState {
    model: u8,
    module_size: u8,
    ec: Option<QrEcLevel>,
    data: Option<String>,
}

struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
    ops: Vec<Op>,
    code_page: u8,
    qr: QrState,
}

impl Decoder<'_> {
    /// Returns `n` bytes starting at `pos + skip`, or a Truncated error naming `command`.
    fn take(&self, from: usize, n: usize, command: &'static str) -> Result<&[u8], DecodeError> {
        self.bytes.get(from..from + n).ok_or(DecodeError::Truncated { offset: self.pos, command })
    }

    fn unknown(&self, len: usize) -> DecodeError {
        let end = (self.pos + len).min(self.bytes.len());
        DecodeError::UnknownCommand { offset: self.pos, bytes: self.bytes[self.pos..end].to_vec() }
    }

    /// Decodes one command or text run at `pos` and advances past it.
    fn step(&mut self) -> Result<(), DecodeError> {
        let b = self.bytes[self.pos];
        match b {
            LF => self.emit(Op::LineFeed, 1),
            CR => self.emit(Op::CarriageReturn, 1),
            ESC => self.esc(),
            GS => self.gs(),
            DLE => {
                let p = self.take(self.pos + 1, 2, "DLE")?;
                if p[0] == EOT && (1..=4).contains(&p[1]) {
                    let n = p[1];
                    self.emit(Op::StatusRequest(n), 3)
                } else {
                    Err(self.unknown(3))
                }
            }
            0x00..=0x1F | 0x7F => Err(self.unknown(1)),
            _ => {
                let run = self.bytes[self.pos..]
                    .iter()
                    .position(|&c| c < 0x20 || c == 0x7F)
                    .unwrap_or(self.bytes.len() - self.pos);
                let pc858 = matches!(self.code_page, 2 | 19);
                let text: String = self.bytes[self.pos..self.pos + run]
                    .iter()
                    .map(|&c| if c < 0x80 || pc858 { codepage::decode_byte(c) } else { char::REPLACEMENT_CHARACTER })
                    .collect();
                self.emit(Op::Text(text), run)
            }
        }
    }

    fn emit(&mut self, op: Op, len: usize) -> Result<(), DecodeError> {
        self.ops.push(op);
        self.pos += len;
        Ok(())
    }

    fn esc(&mut self) -> Result<(), DecodeError> {
        let cmd = self.take(self.pos + 1, 1, "ESC")?[0];
        let arg = |d: &Self, name| d.take(d.pos + 2, 1, name).map(|a| a[0]);
        match cmd {
            b'@' => self.emit(Op::Init, 2),
            b'2' => self.emit(Op::LineSpacing(None), 2),
            b't' => {
                let n = arg(self, "ESC t")?;
                self.code_page = n;
                self.emit(Op::SelectCodePage(n), 3)
            }
            b'R' => {
                let n = arg(self, "ESC R")?;
                self.emit(Op::CharacterSet(n), 3)
            }
            b'a' => {
                let n = arg(self, "ESC a")?;
                let align = match n {
                    0 | 48 => Align::Left,
                    1 | 49 => Align::Center,
                    2 | 50 => Align::Right,
                    _ => return Err(DecodeError::InvalidParameter { offset: self.pos, command: "ESC a", value: n }),
                };
                self.emit(Op::Align(align), 3)
            }
            b'E' => {
                let n = arg(self, "ESC E")?;
                self.emit(Op::Bold(n & 1 == 1), 3)
            }
            b'G' => {
                let n = arg(self, "ESC G")?;
                self.emit(Op::DoubleStrike(n & 1 == 1), 3)
            }
            b'-' => {
                let n = arg(self, "ESC -")?;
                self.emit(Op::Underline(n % 48), 3)
            }
            b'd' => {
                let n = arg(self, "ESC d")?;
                self.emit(Op::FeedLines(n), 3)
            }
            b'J' => {
                let n = arg(self, "ESC J")?;
                self.emit(Op::FeedDots(n), 3)
            }
            b'3' => {
                let n = arg(self, "ESC 3")?;
                self.emit(Op::LineSpacing(Some(n)), 3)
            }
            b'M' => {
                let n = arg(self, "ESC M")?;
                self.emit(Op::SelectFont(n % 48), 3)
            }
            _ => Err(self.unknown(2)),
        }
    }

    fn gs(&mut self) -> Result<(), DecodeError> {
        let cmd = self.take(self.pos + 1, 1, "GS")?[0];
        match cmd {
            b'!' => {
                let n = self.take(self.pos + 2, 1, "GS !")?[0];
                let (w, h) = ((n >> 4) + 1, (n & 0x0F) + 1);
                if w > 8 || h > 8 {
                    return Err(DecodeError::InvalidParameter { offset: self.pos, command: "GS !", value: n });
                }
                self.emit(Op::SetSize { w, h }, 3)
            }
            b'B' => {
                let n = self.take(self.pos + 2, 1, "GS B")?[0];
                self.emit(Op::Reverse(n & 1 == 1), 3)
            }
            b'V' => {
                let m = self.take(self.pos + 2, 1, "GS V")?[0];
                match m {
                    0 | 48 => self.emit(Op::Cut { partial: false }, 3),
                    1 | 49 => self.emit(Op::Cut { partial: true }, 3),
                    65 | 66 => {
                        self.take(self.pos + 3, 1, "GS V")?;
                        self.emit(Op::Cut { partial: m == 66 }, 4)
                    }
                    _ => Err(DecodeError::InvalidParameter { offset: self.pos, command: "GS V", value: m }),
                }
            }
            b'(' => {
                let head = self.take(self.pos + 1, 4, "GS ( k")?;
                if head[1] != b'k' {
                    return Err(self.unknown(3));
                }
                let len = usize::from(head[2]) | usize::from(head[3]) << 8;
                let body = self.take(self.pos + 5, len, "GS ( k")?.to_vec();
                self.two_d(&body)?;
                self.pos += 5 + len;
                Ok(())
            }
            b'v' => {
                let head = self.take(self.pos + 2, 6, "GS v 0")?;
                if head[0] != b'0' {
                    return Err(self.unknown(3));
                }
                let mode = head[1];
                let width_bytes = u16::from_le_bytes([head[2], head[3]]);
                let height = u16::from_le_bytes([head[4], head[5]]);
                let n = usize::from(width_bytes) * usize::from(height);
                let data = self.take(self.pos + 8, n, "GS v 0")?.to_vec();
                self.emit(Op::Raster { mode, width_bytes, height, data }, 8 + n)
            }
            _ => Err(self.unknown(2)),
        }
    }

    /// `GS ( k` body: cn, fn, parameters. Only QR (cn = 49) is supported.
    fn two_d(&mut self, body: &[u8]) -> Result<(), DecodeError> {
        let (Some(&cn), Some(&func)) = (body.first(), body.get(1)) else {
            return Err(DecodeError::Truncated { offset: self.pos, command: "GS ( k" });
        };
        if cn != 49 {
            return Err(self.unknown(7));
        }
        let param =
            |i: usize| body.get(i).copied().ok_or(DecodeError::Truncated { offset: self.pos, command: "GS ( k QR" });
        match func {
            65 => self.qr.model = param(2)?,
            67 => self.qr.module_size = param(2)?,
            69 => {
                let n = param(2)?;
                self.qr.ec = Some(match n {
                    48 => QrEcLevel::L,
                    49 => QrEcLevel::M,
                    50 => QrEcLevel::Q,
                    51 => QrEcLevel::H,
                    _ => {
                        return Err(DecodeError::InvalidParameter {
                            offset: self.pos,
                            command: "QR error correction",
                            value: n,
                        });
                    }
                });
            }
            80 => self.qr.data = Some(String::from_utf8_lossy(body.get(3..).unwrap_or(&[])).into_owned()),
            81 => {
                // Printers print nothing when no data was stored; so do we.
                if let Some(data) = self.qr.data.clone() {
                    self.ops.push(Op::Qr {
                        data,
                        model: self.qr.model,
                        // Epson defaults: module 3 dots, level L.
                        module_size: if self.qr.module_size == 0 { 3 } else { self.qr.module_size },
                        ec: self.qr.ec.unwrap_or(QrEcLevel::L),
                    });
                }
            }
            _ => return Err(self.unknown(7)),
        }
        Ok(())
    }
}

/// All text of a decoded stream, lines separated by `\n` (LF and ESC d). For assertions.
pub fn ops_text(ops: &[Op]) -> String {
    let mut s = String::new();
    for op in ops {
        match op {
            Op::Text(t) => s.push_str(t),
            Op::LineFeed | Op::FeedLines(_) => s.push('\n'),
            _ => {}
        }
    }
    s
}

/// Decodes strictly and renders the printed paper; the image is PNG-ready (`img.save(path)`
/// or [`encode_png`]). Named for what the simulated printer does with it.
pub fn render_png(bytes: &[u8], paper: PaperWidth) -> Result<GrayImage, DecodeError> {
    render_with(bytes, paper, DecodeMode::Strict)
}

/// Decodes with `mode` and renders the printed paper.
pub fn render_with(bytes: &[u8], paper: PaperWidth, mode: DecodeMode) -> Result<GrayImage, DecodeError> {
    let ops = decode_with(bytes, mode)?;
    render_ops(&ops, paper)
}

/// Encodes an image as PNG bytes.
pub fn encode_png(img: &GrayImage) -> Result<Vec<u8>, DecodeError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// White margin drawn on each side of the printable area so the preview looks like paper.
pub const MARGIN: u32 = 16;
const DEFAULT_LINE_SPACING: u32 = 30;

/// Renders decoded ops onto a white strip `paper.dots() + 2 × MARGIN` wide.
pub fn render_ops(ops: &[Op], paper: PaperWidth) -> Result<GrayImage, DecodeError> {
    let mut c = Canvas::new(paper);
    for op in ops {
        match op {
            Op::Init => {
                c.flush_line();
                c.style = Style::default();
                c.align = Align::Left;
                c.spacing = DEFAULT_LINE_SPACING;
            }
            Op::Text(t) => {
                for ch in t.chars() {
                    c.push_char(ch);
                }
            }
            Op::LineFeed => c.line_feed(),
            Op::FeedLines(n) => {
                // ESC d n prints the buffer and feeds n lines in total: a pending line uses
                // the first of them.
                let n = u32::from(*n);
                if c.line.is_empty() {
                    c.y += n * c.spacing;
                } else {
                    c.print_line();
                    c.y += n.saturating_sub(1) * c.spacing;
                }
            }
            Op::FeedDots(n) => {
                c.flush_line();
                c.y += u32::from(*n);
            }
            Op::SetSize { w, h } => (c.style.w, c.style.h) = (u32::from(*w), u32::from(*h)),
            Op::Bold(b) | Op::DoubleStrike(b) => c.style.bold = *b,
            Op::Underline(n) => c.style.underline = *n > 0,
            Op::Reverse(b) => c.style.reverse = *b,
            Op::Align(a) => c.align = *a,
            Op::LineSpacing(s) => c.spacing = s.map_or(DEFAULT_LINE_SPACING, u32::from),
            Op::Qr { data, module_size, ec, .. } => c.qr(data, u32::from(*module_size), *ec)?,
            Op::Cut { .. } => c.cut(),
            Op::Raster { mode, width_bytes, height, data } => {
                c.raster(*mode, u32::from(*width_bytes), u32::from(*height), data)
            }
            Op::SelectCodePage(_)
            | Op::CharacterSet(_)
            | Op::CarriageReturn
            | Op::SelectFont(_)
            | Op::StatusRequest(_)
            | Op::Unknown { .. } => {}
        }
    }
    c.flush_line();
    Ok(c.finish())
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Style {
    w: u32,
    h: u32,
    bold: bool,
    underline: bool,
    reverse: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style { w: 1, h: 1, bold: false, underline: false, reverse: false }
    }
}

struct Canvas {
    dots: u32,
    width: u32,
    /// Grayscale pixels, row-major, `width` per row; grows downwards as the paper feeds.
    pixels: Vec<u8>,
    y: u32,
    align: Align,
    spacing: u32,
    style: Style,
    line: Vec<(char, Style)>,
    line_width: u32,
}

impl Canvas {
    fn new(paper: PaperWidth) -> Self {
        let width = paper.dots() + 2 * MARGIN;
        Canvas {
            dots: paper.dots(),
            width,
            pixels: Vec::with_capacity((width * 1200) as usize),
            y: MARGIN,
            align: Align::Left,
            spacing: DEFAULT_LINE_SPACING,
            style: Style::default(),
            line: Vec::new(),
            line_width: 0,
        }
    }

    fn ensure_rows(&mut self, rows: u32) {
        let need = (rows * self.width) as usize;
        if self.pixels.len() < need {
            self.pixels.resize(need, 255);
        }
    }

    /// Sets one dot of the printable area (x, y in dots; x relative to the left margin).
    fn dot(&mut self, x: u32, y: u32, black: bool) {
        if x >= self.dots {
            return;
        }
        self.ensure_rows(y + 1);
        let i = (y * self.width + MARGIN + x) as usize;
        self.pixels[i] = if black { 0 } else { 255 };
    }

    fn x_for(&self, content_width: u32) -> u32 {
        let free = self.dots.saturating_sub(content_width);
        match self.align {
            Align::Left => 0,
            Align::Center => free / 2,
            Align::Right => free,
        }
    }

    fn push_char(&mut self, ch: char) {
        let cw = FONT_A_WIDTH * self.style.w;
        if self.line_width + cw > self.dots {
            // The printer wraps a full line buffer by printing it.
            self.print_line();
        }
        self.line.push((ch, self.style));
        self.line_width += cw;
    }

    fn line_feed(&mut self) {
        if self.line.is_empty() {
            self.y += self.spacing;
        } else {
            self.print_line();
        }
    }

    fn flush_line(&mut self) {
        if !self.line.is_empty() {
            self.print_line();
        }
    }

    /// Prints the line buffer at the current alignment, bottoms aligned, then feeds by the
    /// larger of the line spacing and the tallest character.
    fn print_line(&mut self) {
        let height = self.line.iter().map(|(_, s)| FONT_A_HEIGHT * s.h).max().unwrap_or(FONT_A_HEIGHT);
        let mut x = self.x_for(self.line_width);
        let line = std::mem::take(&mut self.line);
        for &(ch, style) in &line {
            let top = self.y + height - FONT_A_HEIGHT * style.h;
            self.draw_char(ch, style, x, top);
            x += FONT_A_WIDTH * style.w;
        }
        self.line = line;
        self.line.clear();
        self.line_width = 0;
        self.y += height.max(self.spacing);
    }

    /// Draws an 8 × 8 glyph stretched to 12 × 16 in the middle of the 12 × 24 cell, scaled by
    /// the size multipliers.
    fn draw_char(&mut self, ch: char, s: Style, x0: u32, y0: u32) {
        let glyph = glyph(ch);
        self.ensure_rows(y0 + FONT_A_HEIGHT * s.h);
        for cy in 0..FONT_A_HEIGHT {
            for cx in 0..FONT_A_WIDTH {
                let mut on = (4..20).contains(&cy) && {
                    let row = glyph[((cy - 4) / 2) as usize];
                    let col = cx * 8 / FONT_A_WIDTH;
                    row & (1 << col) != 0
                };
                if s.underline && cy >= 22 {
                    on = true;
                }
                if s.reverse {
                    on = !on;
                }
                if !on {
                    continue;
                }
                // Emphasized = printed again one dot to the right, as the print head does.
                let wide = s.w + u32::from(s.bold);
                for dy in 0..s.h {
                    for dx in 0..wide {
                        self.dot(x0 + cx * s.w + dx, y0 + cy * s.h + dy, true);
                    }
                }
            }
        }
    }

    fn qr(&mut self, data: &str, module: u32, ec: QrEcLevel) -> Result<(), DecodeError> {
        self.flush_line();
        let level = match ec {
            QrEcLevel::L => EcLevel::L,
            QrEcLevel::M => EcLevel::M,
            QrEcLevel::Q => EcLevel::Q,
            QrEcLevel::H => EcLevel::H,
        };
        let code = QrCode::with_error_correction_level(data.as_bytes(), level)
            .map_err(|e| DecodeError::Qr { reason: e.to_string() })?;
        let n = code.width() as u32;
        let colors = code.to_colors();
        let x0 = self.x_for(n * module);
        self.ensure_rows(self.y + n * module);
        for (i, color) in colors.iter().enumerate() {
            if *color != Color::Dark {
                continue;
            }
            let (mx, my) = (i as u32 % n, i as u32 / n);
            for dy in 0..module {
                for dx in 0..module {
                    self.dot(x0 + mx * module + dx, self.y + my * module + dy, true);
                }
            }
        }
        self.y += n * module;
        Ok(())
    }

    /// Draws a `GS v 0` image at the current alignment (printers that ignore `ESC a` for images
    /// print it left; Aula's raster lines span the paper, so both agree). Mode bit 0 doubles
    /// the width, bit 1 the height (m = 0..3 or 48..51).
    fn raster(&mut self, mode: u8, width_bytes: u32, height: u32, data: &[u8]) {
        self.flush_line();
        let (sx, sy) = (1 + u32::from(mode & 1), 1 + u32::from((mode >> 1) & 1));
        let x0 = self.x_for(width_bytes * 8 * sx);
        self.ensure_rows(self.y + height * sy);
        for row in 0..height {
            for xb in 0..width_bytes {
                let byte = data[(row * width_bytes + xb) as usize];
                for bit in 0..8 {
                    if byte & (0x80 >> bit) != 0 {
                        for dy in 0..sy {
                            for dx in 0..sx {
                                self.dot(x0 + (xb * 8 + bit) * sx + dx, self.y + row * sy + dy, true);
                            }
                        }
                    }
                }
            }
        }
        self.y += height * sy;
    }

    /// A dashed line across the whole strip, where the cutter cuts.
    fn cut(&mut self) {
        self.flush_line();
        self.y += 6;
        self.ensure_rows(self.y + 1);
        let row = (self.y * self.width) as usize;
        for x in 0..self.width as usize {
            if (x / 6) % 2 == 0 {
                self.pixels[row + x] = 128;
            }
        }
        self.y += 8;
    }

    fn finish(mut self) -> GrayImage {
        let rows = self.y + MARGIN;
        self.ensure_rows(rows);
        self.pixels.truncate((rows * self.width) as usize);
        GrayImage::from_raw(self.width, rows, self.pixels).expect("buffer sized to width × rows")
    }
}

/// The 8 × 8 glyph for `ch` (bit 0 = leftmost dot); unknown characters draw as `?`.
fn glyph(ch: char) -> [u8; 8] {
    use font8x8::UnicodeFonts;
    font8x8::BASIC_FONTS
        .get(ch)
        .or_else(|| font8x8::LATIN_FONTS.get(ch))
        .or_else(|| font8x8::BOX_FONTS.get(ch))
        .or_else(|| font8x8::BLOCK_FONTS.get(ch))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
        .unwrap_or([0xFF; 8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_mode_names_offset_and_bytes_of_unknown_command() {
        let bytes = [ESC, b'@', b'H', b'i', ESC, b'~', 7, LF];
        match decode(&bytes) {
            Err(DecodeError::UnknownCommand { offset, bytes }) => {
                assert_eq!(offset, 4);
                assert_eq!(bytes, vec![ESC, b'~']);
            }
            other => panic!("expected UnknownCommand, got {other:?}"),
        }
        let msg = decode(&bytes).unwrap_err().to_string();
        assert!(msg.contains("byte 4") && msg.contains("1B 7E"), "{msg}");
    }

    #[test]
    fn lenient_mode_skips_unknown_and_keeps_going() {
        let bytes = [ESC, b'~', b'A', LF, 0x07, b'B'];
        let ops = decode_with(&bytes, DecodeMode::Lenient).unwrap();
        // ESC ~ skipped (2 bytes) → "A" prints; BEL (1 byte) skipped → "B" prints.
        assert_eq!(ops_text(&ops), "A\nB");
        assert!(matches!(ops[0], Op::Unknown { offset: 0, .. }));
        assert!(matches!(ops[3], Op::Unknown { offset: 4, .. }));
    }

    #[test]
    fn truncated_command_is_an_error() {
        let e = decode(&[GS, b'(', b'k', 10, 0, 49, 80]).unwrap_err();
        assert!(matches!(e, DecodeError::Truncated { offset: 0, .. }), "{e:?}");
    }

    #[test]
    fn size_and_text_decode() {
        let ops = decode(&[GS, b'!', 0x34, b'V', 0x84, ESC, b't', 19, 0x84]).unwrap();
        // Before ESC t 19 the page is 0 (PC437 here): high bytes are not trusted.
        assert_eq!(ops[0], Op::SetSize { w: 4, h: 5 });
        assert_eq!(ops[1], Op::Text("V\u{FFFD}".into()));
        assert_eq!(ops[3], Op::Text("ä".into()));
    }

    #[test]
    fn esc_d_after_text_feeds_like_lf_not_one_line_more() {
        // Regression: "text ESC d 1" was drawn with an extra blank line; a printer feeds n
        // lines in total, the first one being the printed line's.
        let lf = render_ops(&decode(b"A\nB\n").unwrap(), PaperWidth::Mm58).unwrap();
        let esc_d = render_ops(&decode(b"A\x1bd\x01B\x1bd\x01").unwrap(), PaperWidth::Mm58).unwrap();
        assert_eq!(lf.height(), esc_d.height());
        let blank = render_ops(&decode(b"\x1bd\x03").unwrap(), PaperWidth::Mm58).unwrap();
        assert_eq!(blank.height(), 2 * MARGIN + 3 * DEFAULT_LINE_SPACING);
    }

    #[test]
    fn raster_is_drawn_where_bits_are_set() {
        // 1 byte wide, 2 rows: 1000_0000 / 0000_0001, left aligned.
        let ops = decode(&[GS, b'v', b'0', 0, 1, 0, 2, 0, 0x80, 0x01]).unwrap();
        let img = render_ops(&ops, PaperWidth::Mm58).unwrap();
        assert_eq!(img.get_pixel(MARGIN, MARGIN).0[0], 0);
        assert_eq!(img.get_pixel(MARGIN + 1, MARGIN).0[0], 255);
        assert_eq!(img.get_pixel(MARGIN + 7, MARGIN + 1).0[0], 0);
        assert_eq!(img.width(), 384 + 2 * MARGIN);
    }

    #[test]
    fn raster_modes_scale_like_a_printer() {
        // Mode 3 (quadruple): one dot becomes 2 × 2, the image 16 dots wide and 2 tall.
        let ops = decode(&[GS, b'v', b'0', 3, 1, 0, 1, 0, 0x80]).unwrap();
        let img = render_ops(&ops, PaperWidth::Mm58).unwrap();
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            assert_eq!(img.get_pixel(MARGIN + dx, MARGIN + dy).0[0], 0, "({dx}, {dy})");
        }
        assert_eq!(img.get_pixel(MARGIN + 2, MARGIN).0[0], 255);
        assert_eq!(img.height(), 2 * MARGIN + 2);
    }
}
