//! `aula-kiosk --config config/kiosk-1.toml`: loads and validates the config, then runs the
//! kiosk window. `--headless-first-frame` renders one frame with the software renderer and no
//! display, prints `first-frame <ms>` and exits (used to measure start-up).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use slint::ComponentHandle;

#[derive(Parser)]
#[command(version, about = "Aula kiosk: check-in / queue number, feedback terminal, self-service survey")]
struct Args {
    /// The kiosk's config file.
    #[arg(long, default_value = "config/kiosk-1.toml")]
    config: PathBuf,
    /// Render the first frame headless (software renderer), print the time, exit.
    #[arg(long)]
    headless_first_frame: bool,
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cfg = aula_kiosk::config::KioskConfig::from_file(&args.config)?;
    if args.headless_first_frame {
        slint::platform::set_platform(Box::new(i_slint_backend_testing::TestingBackend::new(
            i_slint_backend_testing::TestingBackendOptions {
                mock_time: false,
                threading: false,
                renderer_name: Some("software".into()),
            },
        )))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let window = aula_kiosk::KioskWindow::new()?;
        window.window().set_size(slint::PhysicalSize::new(800, 480));
        let frame = if cfg.mode == aula_kiosk::config::Mode::Checkin {
            let kiosk = aula_kiosk::run::build(
                &cfg,
                window,
                Some(std::sync::Arc::new(|| {})),
                None,
                aula_kiosk::agent_hub::process_exit(),
            )?;
            kiosk.window().show()?;
            kiosk.window().window().take_snapshot().context("render the first frame")?
        } else {
            first_survey_frame(&cfg, window)?
        };
        println!(
            "first-frame {:.1} ms ({}x{})",
            started.elapsed().as_secs_f64() * 1000.0,
            frame.width(),
            frame.height()
        );
        return Ok(());
    }
    aula_kiosk::run::run(&cfg).with_context(|| format!("running the kiosk with {}", args.config.display()))
}

fn first_survey_frame(
    cfg: &aula_kiosk::config::KioskConfig,
    window: aula_kiosk::KioskWindow,
) -> anyhow::Result<slint::SharedPixelBuffer<slint::Rgba8Pixel>> {
    let parts = aula_kiosk::run::build_survey(
        cfg,
        window,
        Some(std::sync::Arc::new(|| {})),
        aula_kiosk::agent_hub::process_exit(),
    )?;
    parts.kiosk.window().show()?;
    parts.kiosk.window().window().take_snapshot().context("render the first frame")
}
