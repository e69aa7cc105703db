//! Compiles the Slint UI with the translations bundled into the binary, so the wall needs no
//! gettext files at run time; adding a language is adding `lang/<code>/LC_MESSAGES/aula-signage.po`.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("lang")
        // Hand-written .po files stay simple without a per-component msgctxt.
        .with_default_translation_context(slint_build::DefaultTranslationContext::None);
    slint_build::compile_with_config("ui/main.slint", config).expect("Slint UI compiles");
    println!("cargo:rerun-if-changed=lang");
    println!("cargo:rerun-if-env-changed=SLINT_EMIT_DEBUG_INFO");
}
