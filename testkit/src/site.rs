//! The one test site (`[site]` TOML, site id `test`): three services open every day around
//! the clock, so tests pass on a Sunday night. A copy of `hub/src/testsite.rs`, which will
//! switch to this one.

/// `[site]` TOML of the test site (site id `test`).
pub const SITE_TOML: &str = r#"
[site]
id = "test"
name = { fi = "Testipiste", sv = "Testpunkt", en = "Test point" }
time_zone = "Europe/Helsinki"
hours = { mon = ["00:00-24:00"], tue = ["00:00-24:00"], wed = ["00:00-24:00"], thu = ["00:00-24:00"], fri = ["00:00-24:00"], sat = ["00:00-24:00"], sun = ["00:00-24:00"] }

[[site.services]]
id = "vero"
name = { fi = "Verohallinto", sv = "Skatteförvaltningen", en = "Finnish Tax Administration" }
prefix = "V"
hours = { mon = ["00:00-24:00"], tue = ["00:00-24:00"], wed = ["00:00-24:00"], thu = ["00:00-24:00"], fri = ["00:00-24:00"], sat = ["00:00-24:00"], sun = ["00:00-24:00"] }

[[site.services]]
id = "kela"
name = { fi = "Kela", sv = "FPA", en = "Kela" }
prefix = "K"
hours = { mon = ["00:00-24:00"], tue = ["00:00-24:00"], wed = ["00:00-24:00"], thu = ["00:00-24:00"], fri = ["00:00-24:00"], sat = ["00:00-24:00"], sun = ["00:00-24:00"] }

[[site.services]]
id = "poliisi"
name = { fi = "Poliisi", sv = "Polisen", en = "Police" }
prefix = "P"
hours = { mon = ["00:00-24:00"], tue = ["00:00-24:00"], wed = ["00:00-24:00"], thu = ["00:00-24:00"], fri = ["00:00-24:00"], sat = ["00:00-24:00"], sun = ["00:00-24:00"] }

[[site.counters]]
id = "1"
name = { fi = "Palvelupiste 1", sv = "Servicepunkt 1", en = "Counter 1" }
services = ["vero", "kela"]

[[site.counters]]
id = "2"
name = { fi = "Palvelupiste 2", sv = "Servicepunkt 2", en = "Counter 2" }
services = ["poliisi", "kela"]
"#;
