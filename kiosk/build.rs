//! Compiles the Slint UI and bundles the translations in `lang/<code>/LC_MESSAGES/aula-kiosk.po`
//! into the binary: adding a language is adding one `.po` file.
fn main() {
    println!("cargo:rerun-if-changed=ui");
    println!("cargo:rerun-if-changed=lang");
    // Element lookup by accessible label in tests needs debug info in the generated code.
    println!("cargo:rerun-if-env-changed=SLINT_EMIT_DEBUG_INFO");
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        // One msgid, one translation, wherever it appears: simpler .po files for translators
        // (the default would key every string by its component name).
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_bundled_translations(concat!(env!("CARGO_MANIFEST_DIR"), "/lang"));
    slint_build::compile_with_config("ui/main.slint", config).expect("Slint UI compiles");
}
