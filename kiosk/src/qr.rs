//! QR codes for the screen: Slint has no QR widget, so the `qrcode` crate's modules are
//! drawn into a pixel buffer (one pixel per module, scaled up with `image-rendering:
//! pixelated` in the UI) with the 4-module quiet zone phones need.

use qrcode::{Color, EcLevel, QrCode};
use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

/// The QR code for `url` as an image, or `None` if it cannot be encoded.
pub fn qr_image(url: &str) -> Option<Image> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let n = code.width();
    let quiet = 4;
    let side = (n + 2 * quiet) as u32;
    let mut buf = SharedPixelBuffer::<Rgb8Pixel>::new(side, side);
    let colors = code.to_colors();
    for (i, px) in buf.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % side as usize, i / side as usize);
        let dark = x >= quiet
            && y >= quiet
            && x < quiet + n
            && y < quiet + n
            && colors[(y - quiet) * n + (x - quiet)] == Color::Dark;
        let v = if dark { 0 } else { 255 };
        *px = Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(Image::from_rgb8(buf))
}
