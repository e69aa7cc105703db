//! Text in any script, printed as pixels: a [`ScriptFont`] (one TrueType/OpenType file) lays a
//! paragraph out in lines that fit the paper and turns each line into a 1-bit [`Bitmap`] that
//! the ticket sends as an ESC/POS raster image (`GS v 0`).
//!
//! Why raster: a receipt printer's own fonts hold one 8-bit code page at a time (we use PC858,
//! see [`crate::codepage`]), and no code page does Arabic joining or right-to-left order. Drawing
//! the line ourselves works on every ESC/POS printer, whatever code pages its firmware has.
//!
//! The pipeline for one paragraph, and the crate chosen for each step (all already in the
//! workspace's lock file through Slint, so they add no new code to review and little compile
//! time):
//! 1. **Direction** — `unicode-bidi` (the Unicode Bidirectional Algorithm, UAX #9) finds the
//!    paragraph direction from its first strong letter and splits each line into runs of one
//!    direction, in visual order. Digits, ticket numbers and times inside Arabic text stay
//!    left-to-right because the algorithm says so (European numbers keep their order).
//! 2. **Shaping** — `harfrust` (the Rust port of HarfBuzz) turns each run into positioned
//!    glyphs: Arabic joining forms (isolated/initial/medial/final), lam-alef ligatures, marks,
//!    kerning. An RTL run comes back in visual (left-to-right) glyph order.
//! 3. **Wrapping** — greedy at spaces on shaped widths in dots ([`ScriptFont::layout`]); a
//!    word wider than the paper is split between characters. Breaking happens on the logical
//!    text, then each line gets its own bidi reordering, as UAX #9 prescribes.
//! 4. **Outlines and coverage** — `skrifa` reads the glyph outlines, `zeno` fills them into
//!    an 8-bit coverage mask for the whole line; a dot is printed where coverage ≥ 50 %.
//!    Bold is the printer's own trick: the line is printed again shifted right.
//!
//! Sizes follow the printer's font A so raster lines sit naturally between text lines: at
//! size ×1 the em is 24 dots (font A's cell height) and the line box is at least the 30-dot
//! line feed of a text line; ×n scales both.
//!
//! Pixel grid: each word starts on a whole dot (the pen snaps after every space and at every
//! run start). Joins only happen inside a word, so snapping never opens a gap in a joined
//! Arabic word, and a word prints the same dots wherever it stands on a line — which is what
//! lets the tests compare a word's dots exactly.

use std::path::{Path, PathBuf};

use harfrust::{Direction, ShapeOptions, ShaperData, UnicodeBuffer};
use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, GlyphId, MetadataProvider};
use unicode_bidi::{BidiClass, Level, ParagraphBidiInfo};
use zeno::{Command, Mask, Point};

use crate::decode::Align;
use crate::ticket::FONT_A_HEIGHT;

/// The font used when the printer config names none: DejaVu Sans, from Debian's
/// `fonts-dejavu-core` (already on every Aula machine, Slint renders with it). It has Latin,
/// Cyrillic (ru, uk), Arabic with joining forms and lam-alef ligatures, Greek, Armenian,
/// Georgian and Hebrew, under a free license (Bitstream Vera + public domain changes).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Coverage (0..=255) from which a dot prints. Half: thin strokes keep their weight.
const INK_THRESHOLD: u8 = 128;

/// Why a ticket font could not be used. Both name the file, so the fix is obvious.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// The file is missing or unreadable.
    #[error(
        "ticket font {}: {source} (install Debian's fonts-dejavu-core, or set printer.font to a TrueType/OpenType file with the glyphs)",
        path.display()
    )]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a font we can draw with (not TrueType/OpenType, no outlines, no cmap).
    #[error("ticket font {}: not a usable TrueType/OpenType font: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

/// Size and weight of a raster line, in the printer's terms: the GS ! multipliers and ESC E.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    /// Width multiplier (1..=8), as in `GS !`.
    pub width: u8,
    /// Height multiplier (1..=8), as in `GS !`.
    pub height: u8,
    /// Emphasized, as in `ESC E 1`.
    pub bold: bool,
}

impl TextStyle {
    /// Normal size, not bold.
    pub const NORMAL: TextStyle = TextStyle { width: 1, height: 1, bold: false };

    /// Square size `n`.
    pub const fn sized(n: u8, bold: bool) -> TextStyle {
        TextStyle { width: n, height: n, bold }
    }
}

/// One glyph of a laid-out line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedGlyph {
    /// Glyph id in the font (0 = the font has no glyph for the character: drawn as its box).
    pub id: u32,
    /// Byte offset, in the line's text, of the first character this glyph stands for.
    pub cluster: usize,
    /// Left edge of the glyph's origin, in dots from the line's start.
    pub x: f32,
    /// Vertical offset in dots, up positive (marks placed by GPOS).
    pub y: f32,
}

/// One line of a paragraph, shaped and ordered for display (glyphs left to right).
#[derive(Debug, Clone, PartialEq)]
pub struct ShapedLine {
    /// The line's text in logical (reading) order.
    pub text: String,
    /// Glyphs in visual order, left to right.
    pub glyphs: Vec<PlacedGlyph>,
    /// Advance width in dots (rounded up).
    pub width: u32,
    /// The paragraph reads right to left.
    pub rtl: bool,
}

impl ShapedLine {
    /// Characters the font has no glyph for (printed as the font's empty box).
    pub fn missing_chars(&self) -> impl Iterator<Item = char> + '_ {
        self.glyphs.iter().filter(|g| g.id == 0).filter_map(|g| self.text[g.cluster..].chars().next())
    }
}

/// A 1-bit image, rows packed MSB-left: exactly the data of a `GS v 0` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width_bytes: u16,
    height: u16,
    data: Vec<u8>,
}

impl Bitmap {
    /// A blank image `width_bytes × 8` dots wide.
    pub fn new(width_bytes: u16, height: u16) -> Bitmap {
        Bitmap { width_bytes, height, data: vec![0; usize::from(width_bytes) * usize::from(height)] }
    }

    /// Wraps raster data as a `GS v 0` command carries it; `None` if the length is wrong.
    pub fn from_raster(width_bytes: u16, height: u16, data: Vec<u8>) -> Option<Bitmap> {
        (data.len() == usize::from(width_bytes) * usize::from(height)).then_some(Bitmap { width_bytes, height, data })
    }

    /// Width in dots (a multiple of 8).
    pub fn width(&self) -> u32 {
        u32::from(self.width_bytes) * 8
    }

    /// Height in dots.
    pub fn height(&self) -> u32 {
        u32::from(self.height)
    }

    /// The packed rows.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Whether the dot at (x, y) prints; false outside the image.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width() || y >= self.height() {
            return false;
        }
        let i = y as usize * usize::from(self.width_bytes) + (x / 8) as usize;
        self.data[i] & (0x80 >> (x % 8)) != 0
    }

    fn set(&mut self, x: u32, y: u32) {
        if x < self.width() && y < self.height() {
            let i = y as usize * usize::from(self.width_bytes) + (x / 8) as usize;
            self.data[i] |= 0x80 >> (x % 8);
        }
    }

    /// First and last column (inclusive) with any ink, or `None` for a blank image.
    pub fn ink_columns(&self) -> Option<(u32, u32)> {
        let inked = |x: u32| (0..self.height()).any(|y| self.get(x, y));
        let first = (0..self.width()).find(|&x| inked(x))?;
        let last = (0..self.width()).rev().find(|&x| inked(x))?;
        Some((first, last))
    }

    /// Number of printed dots.
    pub fn ink(&self) -> u32 {
        self.data.iter().map(|b| b.count_ones()).sum()
    }

    /// Appends the `GS v 0` command (normal density) that prints this image. Written here rather
    /// than with escpos's `bit_image` (feature `graphics`): that one decodes and resizes an
    /// image file and sends CAN first; we already have the exact dots.
    pub fn write_gs_v_0(&self, out: &mut Vec<u8>) {
        let [xl, xh] = self.width_bytes.to_le_bytes();
        let [yl, yh] = self.height.to_le_bytes();
        out.extend_from_slice(&[0x1D, b'v', b'0', 0, xl, xh, yl, yh]);
        out.extend_from_slice(&self.data);
    }
}

/// A loaded font ready to shape and draw. Load it once (at start, from config) and share it:
/// loading reads the file (~750 kB for DejaVu Sans) and builds the shaper's lookup caches.
pub struct ScriptFont {
    path: PathBuf,
    data: Vec<u8>,
    shaper_data: ShaperData,
    units_per_em: f32,
    /// Line metrics in font units; descent positive (below the baseline).
    ascent: f32,
    descent: f32,
}

impl std::fmt::Debug for ScriptFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptFont").field("path", &self.path).field("bytes", &self.data.len()).finish()
    }
}

impl ScriptFont {
    /// Reads and checks a TrueType/OpenType file (the first face of a collection).
    pub fn load(path: impl AsRef<Path>) -> Result<ScriptFont, FontError> {
        let path = path.as_ref().to_path_buf();
        let data = std::fs::read(&path).map_err(|source| FontError::Unreadable { path: path.clone(), source })?;
        ScriptFont::from_bytes(path, data)
    }

    /// Checks font bytes; `path` only names them in errors.
    pub fn from_bytes(path: PathBuf, data: Vec<u8>) -> Result<ScriptFont, FontError> {
        let invalid = |reason: String| FontError::Invalid { path: path.clone(), reason };
        let font = FontRef::from_index(&data, 0).map_err(|e| invalid(e.to_string()))?;
        if font.outline_glyphs().format().is_none() {
            return Err(invalid("no glyph outlines (glyf or CFF table)".into()));
        }
        if font.charmap().map('A').is_none() && font.charmap().mappings().next().is_none() {
            return Err(invalid("no character map (cmap table)".into()));
        }
        let m = font.metrics(Size::unscaled(), LocationRef::default());
        if m.units_per_em == 0 {
            return Err(invalid("units per em is 0".into()));
        }
        let (ascent, descent) = (m.ascent, -m.descent);
        let shaper_data = ShaperData::new(&font);
        Ok(ScriptFont { units_per_em: f32::from(m.units_per_em), ascent, descent, shaper_data, data, path })
    }

    /// The file this font came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the font has a glyph for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.font_ref().charmap().map(c).is_some()
    }

    fn font_ref(&self) -> FontRef<'_> {
        FontRef::from_index(&self.data, 0).expect("checked when loaded")
    }

    /// Horizontal and vertical scale from font units to dots.
    fn scale(&self, style: TextStyle) -> (f32, f32) {
        let em = FONT_A_HEIGHT as f32;
        (
            em * f32::from(style.width.max(1)) / self.units_per_em,
            em * f32::from(style.height.max(1)) / self.units_per_em,
        )
    }

    /// Height of a raster line in dots: the font's ascent + descent, and never less than a
    /// text line of that size takes (max(24 × h, 30) dots), so rows stay evenly spaced.
    pub fn line_height(&self, style: TextStyle) -> u32 {
        let (_, sy) = self.scale(style);
        let glyphs = ((self.ascent + self.descent) * sy).ceil() as u32;
        let text_line = (FONT_A_HEIGHT * u32::from(style.height.max(1))).max(30);
        glyphs.max(text_line)
    }

    /// Lays `text` out in lines no wider than `max_width` dots. Control characters become
    /// `?` (as on the code-page path: caller text never carries commands); paragraph
    /// separators become spaces (a ticket field is one paragraph). Empty text gives no line.
    pub fn layout(&self, text: &str, style: TextStyle, max_width: u32) -> Vec<ShapedLine> {
        let text = sanitize(text);
        let text = text.trim();
        if text.is_empty() {
            return Vec::new();
        }
        // The paragraph's direction comes from the whole field, so a wrapped line that starts
        // with a Latin word still reads right to left in an Arabic paragraph.
        let level = ParagraphBidiInfo::new(text, None).paragraph_level;
        let mut lines = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (line, tail) = self.take_line(rest, level, style, max_width);
            lines.push(line);
            rest = tail.trim_start();
        }
        lines
    }

    /// Shapes one line (no wrapping) in a paragraph of the direction its text implies.
    pub fn shape_line(&self, text: &str, style: TextStyle) -> ShapedLine {
        let text = sanitize(text);
        let level = ParagraphBidiInfo::new(&text, None).paragraph_level;
        self.shape(&text, level, style)
    }

    /// Takes the longest prefix of `rest` that fits, breaking at a space when there is one.
    fn take_line<'t>(&self, rest: &'t str, level: Level, style: TextStyle, max: u32) -> (ShapedLine, &'t str) {
        let whole = self.shape(rest, level, style);
        if whole.width <= max {
            return (whole, "");
        }
        // Candidate breaks are the spaces; binary search for the last one whose line fits (a
        // line only grows as the break moves right). ~log2(words) shapings per line.
        let mut best: Option<(ShapedLine, usize)> = None;
        let spaces: Vec<usize> = rest.match_indices(' ').map(|(i, _)| i).collect();
        let (mut lo, mut hi) = (0usize, spaces.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let end = spaces[mid];
            let line = self.shape(rest[..end].trim_end(), level, style);
            if line.width <= max && !line.text.is_empty() {
                best = Some((line, end));
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if let Some((line, end)) = best {
            return (line, &rest[end..]);
        }
        // First word alone is too wide: split it between characters.
        let word_end = spaces.first().copied().unwrap_or(rest.len());
        let bounds: Vec<usize> = rest[..word_end].char_indices().map(|(i, _)| i).skip(1).collect();
        let (mut lo, mut hi) = (0usize, bounds.len());
        let mut fit = None;
        while lo < hi {
            let mid = (lo + hi) / 2;
            let line = self.shape(&rest[..bounds[mid]], level, style);
            if line.width <= max {
                fit = Some((line, bounds[mid]));
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        match fit {
            Some((line, end)) => (line, &rest[end..]),
            // Not even one character fits (absurd size): print it anyway, clipped.
            None => {
                let end = rest.char_indices().nth(1).map_or(rest.len(), |(i, _)| i);
                (self.shape(&rest[..end], level, style), &rest[end..])
            }
        }
    }

    /// Bidi-reorders and shapes one line in a paragraph of `level`.
    fn shape(&self, text: &str, level: Level, style: TextStyle) -> ShapedLine {
        let font = self.font_ref();
        let shaper = self.shaper_data.shaper(&font).build();
        let (sx, sy) = self.scale(style);
        let bidi = ParagraphBidiInfo::new(text, Some(level));
        let (levels, runs) = bidi.visual_runs(0..text.len());
        let mut glyphs = Vec::with_capacity(text.len());
        let mut pen = 0.0f32;
        let mut buffer = UnicodeBuffer::new();
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            buffer.push_str(&text[run.clone()]);
            buffer.set_direction(if rtl { Direction::RightToLeft } else { Direction::LeftToRight });
            buffer.guess_segment_properties();
            let shaped = shaper.shape(buffer, ShapeOptions::new());
            pen = pen.ceil();
            for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
                let cluster = run.start + info.cluster as usize;
                glyphs.push(PlacedGlyph {
                    id: info.glyph_id,
                    cluster,
                    x: pen + pos.x_offset as f32 * sx,
                    y: pos.y_offset as f32 * sy,
                });
                pen += pos.x_advance as f32 * sx;
                if is_space_at(text, cluster) {
                    pen = pen.ceil();
                }
            }
            buffer = shaped.clear();
        }
        ShapedLine { text: text.to_owned(), glyphs, width: pen.ceil() as u32, rtl: level.is_rtl() }
    }

    /// Draws a shaped line into a bitmap `width` dots wide (rounded up to whole bytes), placed
    /// by `align`, one [`ScriptFont::line_height`] tall.
    pub fn rasterize(&self, line: &ShapedLine, style: TextStyle, width: u32, align: Align) -> Bitmap {
        let width_bytes = width.div_ceil(8).min(u32::from(u16::MAX)) as u16;
        let height = self.line_height(style).min(u32::from(u16::MAX)) as u16;
        let mut bitmap = Bitmap::new(width_bytes, height);
        let w = bitmap.width();
        let h = bitmap.height();
        let free = w.saturating_sub(line.width);
        let left = match align {
            Align::Left => 0,
            Align::Center => free / 2,
            Align::Right => free,
        } as f32;
        let (sx, sy) = self.scale(style);
        // Centre the font's ascent + descent in the line box.
        let baseline = ((h as f32 - (self.ascent + self.descent) * sy) / 2.0).max(0.0) + self.ascent * sy;

        let font = self.font_ref();
        let outlines = font.outline_glyphs();
        let mut pen = PathPen { commands: Vec::with_capacity(line.glyphs.len() * 40), sx, sy, dx: 0.0, dy: 0.0 };
        for g in &line.glyphs {
            let Some(glyph) = outlines.get(GlyphId::new(g.id)) else { continue };
            pen.dx = left + g.x;
            pen.dy = baseline - g.y;
            // A glyph whose outline cannot be read is left out rather than failing the ticket.
            if let Err(e) = glyph.draw(DrawSettings::unhinted(Size::unscaled(), LocationRef::default()), &mut pen) {
                tracing::warn!(glyph = g.id, error = %e, font = %self.path.display(), "glyph outline unreadable");
            }
        }
        if pen.commands.is_empty() {
            return bitmap;
        }
        let mut coverage = vec![0u8; (w * h) as usize];
        Mask::new(&pen.commands[..]).size(w, h).render_into(&mut coverage, None);
        // Emphasized, like the print head: the line again, `width` dots to the right.
        let bold = if style.bold { u32::from(style.width.max(1)) } else { 0 };
        for y in 0..h {
            let row = &coverage[(y * w) as usize..((y + 1) * w) as usize];
            for x in 0..w {
                let inked = (x.saturating_sub(bold)..=x).any(|sx| row[sx as usize] >= INK_THRESHOLD);
                if inked {
                    bitmap.set(x, y);
                }
            }
        }
        bitmap
    }

    /// Lays out and draws a paragraph: one bitmap per line, each `width` dots wide.
    pub fn paragraph(&self, text: &str, style: TextStyle, width: u32, align: Align) -> Vec<Bitmap> {
        let lines = self.layout(text, style, width);
        let missing: String = lines.iter().flat_map(ShapedLine::missing_chars).collect();
        if !missing.is_empty() {
            // Drawn as the font's box, never as '?': visible on paper, and logged for the site.
            tracing::warn!(font = %self.path.display(), chars = %missing, "ticket font has no glyph for these characters");
        }
        lines.iter().map(|l| self.rasterize(l, style, width, align)).collect()
    }
}

/// Whether the character at byte `i` of `text` is a space (word separator).
fn is_space_at(text: &str, i: usize) -> bool {
    text[i..].starts_with([' ', '\u{00A0}'])
}

/// Control characters → `?`, as on the code-page path; the remaining paragraph separator
/// (U+2029, bidi class B) → space, since a ticket field is one paragraph.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                '?'
            } else if unicode_bidi::bidi_class(c) == BidiClass::B {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Collects a glyph outline as zeno path commands, scaled to dots and flipped so y grows down.
struct PathPen {
    commands: Vec<Command>,
    sx: f32,
    sy: f32,
    dx: f32,
    dy: f32,
}

impl PathPen {
    fn p(&self, x: f32, y: f32) -> Point {
        Point::new(self.dx + x * self.sx, self.dy - y * self.sy)
    }
}

impl OutlinePen for PathPen {
    fn move_to(&mut self, x: f32, y: f32) {
        self.commands.push(Command::MoveTo(self.p(x, y)));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.commands.push(Command::LineTo(self.p(x, y)));
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.commands.push(Command::QuadTo(self.p(cx0, cy0), self.p(x, y)));
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.commands.push(Command::CurveTo(self.p(cx0, cy0), self.p(cx1, cy1), self.p(x, y)));
    }
    fn close(&mut self) {
        self.commands.push(Command::Close);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs_v_0_header_carries_little_endian_sizes() {
        let mut b = Bitmap::new(72, 300);
        b.set(0, 0);
        b.set(575, 299);
        let mut out = Vec::new();
        b.write_gs_v_0(&mut out);
        assert_eq!(&out[..8], &[0x1D, b'v', b'0', 0, 72, 0, 0x2C, 0x01]);
        assert_eq!(out.len(), 8 + 72 * 300);
        assert_eq!(out[8], 0x80, "top-left dot is the MSB of the first byte");
        assert_eq!(*out.last().unwrap(), 0x01, "bottom-right dot is the LSB of the last byte");
        assert_eq!(b.ink_columns(), Some((0, 575)));
    }

    #[test]
    fn sanitize_neutralises_controls_and_paragraph_breaks() {
        assert_eq!(sanitize("a\u{1b}b\u{2029}c\nd"), "a?b c?d");
    }
}
