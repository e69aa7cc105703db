//! Code page PC858 (Multilingual Latin I + Euro): the one character table every Aula ticket's
//! text is printed with, its reverse for the decoder, and [`can_encode`], which decides when a
//! field is drawn as raster lines instead ([`crate::script`]: Cyrillic, Arabic…).
//!
//! Why PC858: it holds all Finnish and Swedish letters (ä ö å Ä Ö Å) plus €, and it is code page
//! 19 (`ESC t 19`) on Epson TM-series and the common Epson-compatible kiosk printers. We encode
//! text ourselves instead of using `escpos::Printer::write`, because escpos 0.20's PC858 table
//! maps ASCII `-` to 0xF0 (soft hyphen) and falls back to UTF-8 bytes for characters outside the
//! table, which a printer prints as two or three garbage glyphs.

/// The `n` of `ESC t n` that selects PC858 on Epson-compatible printers.
pub const PC858_ESC_T: u8 = 19;

/// Characters 0x80..=0xFF of PC858 (generated from Python's `cp858` codec).
const PC858_HIGH: [char; 128] = [
    '\u{00C7}', '\u{00FC}', '\u{00E9}', '\u{00E2}', '\u{00E4}', '\u{00E0}', '\u{00E5}', '\u{00E7}', '\u{00EA}',
    '\u{00EB}', '\u{00E8}', '\u{00EF}', '\u{00EE}', '\u{00EC}', '\u{00C4}', '\u{00C5}', '\u{00C9}', '\u{00E6}',
    '\u{00C6}', '\u{00F4}', '\u{00F6}', '\u{00F2}', '\u{00FB}', '\u{00F9}', '\u{00FF}', '\u{00D6}', '\u{00DC}',
    '\u{00F8}', '\u{00A3}', '\u{00D8}', '\u{00D7}', '\u{0192}', '\u{00E1}', '\u{00ED}', '\u{00F3}', '\u{00FA}',
    '\u{00F1}', '\u{00D1}', '\u{00AA}', '\u{00BA}', '\u{00BF}', '\u{00AE}', '\u{00AC}', '\u{00BD}', '\u{00BC}',
    '\u{00A1}', '\u{00AB}', '\u{00BB}', '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{00C1}',
    '\u{00C2}', '\u{00C0}', '\u{00A9}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255D}', '\u{00A2}', '\u{00A5}',
    '\u{2510}', '\u{2514}', '\u{2534}', '\u{252C}', '\u{251C}', '\u{2500}', '\u{253C}', '\u{00E3}', '\u{00C3}',
    '\u{255A}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256C}', '\u{00A4}', '\u{00F0}',
    '\u{00D0}', '\u{00CA}', '\u{00CB}', '\u{00C8}', '\u{20AC}', '\u{00CD}', '\u{00CE}', '\u{00CF}', '\u{2518}',
    '\u{250C}', '\u{2588}', '\u{2584}', '\u{00A6}', '\u{00CC}', '\u{2580}', '\u{00D3}', '\u{00DF}', '\u{00D4}',
    '\u{00D2}', '\u{00F5}', '\u{00D5}', '\u{00B5}', '\u{00FE}', '\u{00DE}', '\u{00DA}', '\u{00DB}', '\u{00D9}',
    '\u{00FD}', '\u{00DD}', '\u{00AF}', '\u{00B4}', '\u{00AD}', '\u{00B1}', '\u{2017}', '\u{00BE}', '\u{00B6}',
    '\u{00A7}', '\u{00F7}', '\u{00B8}', '\u{00B0}', '\u{00A8}', '\u{00B7}', '\u{00B9}', '\u{00B3}', '\u{00B2}',
    '\u{25A0}', '\u{00A0}',
];

/// Encodes one character to its PC858 byte. Printable ASCII maps to itself; anything the code
/// page lacks, and every control character (so caller text can never smuggle in an ESC/POS
/// command), becomes `?`.
pub fn encode_char(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        // Typographic dash/quotes that translators love: print the nearest PC858 glyph.
        '\u{2013}' | '\u{2014}' | '\u{2212}' => b'-',
        '\u{2018}' | '\u{2019}' => b'\'',
        '\u{201C}' | '\u{201D}' => b'"',
        c if (c as u32) < 0x80 => b'?',
        c => PC858_HIGH.iter().position(|&h| h == c).map_or(b'?', |i| 0x80 + i as u8),
    }
}

/// Whether every character of `text` prints as itself with PC858 (control characters count as
/// encodable: they become `?` on purpose, see [`encode_char`]). When this is false the ticket
/// draws the text as a raster image instead (see [`crate::script`]), so no letter the code page
/// lacks ever prints as `?`.
pub fn can_encode(text: &str) -> bool {
    text.chars().all(|c| c.is_control() || c == '?' || encode_char(c) != b'?')
}

/// Appends the PC858 encoding of `text` to `out` (one byte per char, no allocation beyond `out`).
pub fn encode_into(text: &str, out: &mut Vec<u8>) {
    out.extend(text.chars().map(encode_char));
}

/// Encodes `text` to PC858; see [`encode_char`].
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    encode_into(text, &mut out);
    out
}

/// Decodes one PC858 byte. Control bytes (< 0x20, 0x7F) decode to U+FFFD: the decoder treats
/// them as commands, never as text.
pub fn decode_byte(b: u8) -> char {
    match b {
        0x20..=0x7E => b as char,
        0x80..=0xFF => PC858_HIGH[(b - 0x80) as usize],
        _ => char::REPLACEMENT_CHARACTER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nordic_letters_round_trip() {
        let text = "Hämeenlinna Åbo Östra ÄÖÅ äöå €";
        let bytes = encode(text);
        assert_eq!(bytes.len(), text.chars().count(), "one byte per character");
        assert!(!bytes.contains(&b'?'), "every letter is in PC858: {bytes:?}");
        let back: String = bytes.iter().map(|&b| decode_byte(b)).collect();
        assert_eq!(back, text);
    }

    #[test]
    fn known_pc858_positions() {
        // Spot checks against the published CP858 chart, so a shifted table cannot pass.
        assert_eq!(encode("äåÄÅöÖ€"), vec![0x84, 0x86, 0x8E, 0x8F, 0x94, 0x99, 0xD5]);
    }

    #[test]
    fn can_encode_tells_which_text_needs_pixels() {
        assert!(can_encode("Hämeenlinna 10–20 min? “ok” €"));
        assert!(can_encode("control\u{1b}chars\nare sanitised, not drawn"));
        assert!(!can_encode("Очередь"));
        assert!(!can_encode("خدمة"));
        assert!(!can_encode("Łódź"));
    }

    #[test]
    fn unencodable_and_control_become_question_mark() {
        // Polish ł, Chinese, emoji, ESC and newline: none may reach the printer raw.
        assert_eq!(encode("ł中🙂\u{1b}\n"), b"?????".to_vec());
        // ASCII hyphen stays ASCII (escpos 0.20's table would send 0xF0 here).
        assert_eq!(encode("10-20"), b"10-20".to_vec());
        assert_eq!(encode("10–20"), b"10-20".to_vec());
    }
}
