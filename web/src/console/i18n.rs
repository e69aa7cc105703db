//! The console's words in Finnish, Swedish and English: one table, one row per key (so a
//! missing translation is a missing cell, caught by the test below). Plain words: the
//! console is used at a counter with a customer waiting.

use std::collections::HashMap;
use std::sync::OnceLock;

/// (key, fi, sv, en)
const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("act.break", "Tauko", "Paus", "Break"),
    ("act.close", "Sulje palvelupiste", "Stäng servicepunkten", "Close the counter"),
    ("act.end_break", "Lopeta tauko", "Avsluta pausen", "End the break"),
    ("act.finish_elsewhere", "Ohjattu muualle", "Hänvisad vidare", "Sent elsewhere"),
    ("act.finish_pending", "Vireillä", "Anhängigt", "Pending"),
    ("act.open", "Avaa palvelupiste", "Öppna servicepunkten", "Open the counter"),
    ("act.park", "Odottaa hetken", "Väntar en stund", "Step out"),
    ("act.resume", "Jatka", "Fortsätt", "Resume"),
    ("act.return", "Takaisin jonoon", "Tillbaka i kön", "Back in the queue"),
    ("break.lunch", "lounas", "lunch", "lunch"),
    ("break.meeting", "palaveri", "möte", "meeting"),
    ("break.other", "muu", "annat", "other"),
    ("break.short", "lyhyt tauko", "kort paus", "short break"),
    ("counter.break_reason", "Tauon syy", "Orsak till paus", "Reason"),
    (
        "counter.not_open",
        "Palvelupiste ei ole auki. Valitse palvelut, joita palvelet nyt.",
        "Servicepunkten är inte öppen. Välj tjänsterna du betjänar nu.",
        "The counter is not open. Choose the services you serve now.",
    ),
    ("counter.on_break", "Tauolla", "På paus", "On a break"),
    ("counter.serve", "Palvelen nyt", "Jag betjänar nu", "I serve now"),
    ("counter.serving", "Palvelet nyt", "Du betjänar nu", "You serve now"),
    ("counter.to", "Minne", "Vart", "To"),
    ("lobby.absent", "Ei tänään", "Inte i dag", "Not today"),
    ("lobby.as_planned", "Suunnitelman mukaan", "Enligt plan", "As planned"),
    ("lobby.change", "Muuta tälle päivälle", "Ändra för i dag", "Change for today"),
    ("lobby.changed", "muutettu", "ändrat", "changed"),
    ("lobby.hours", "Muut aukioloajat", "Andra öppettider", "Other hours"),
    ("lobby.presence", "Tänään paikalla", "På plats i dag", "Present today"),
    ("lobby.today", "Tänään", "I dag", "Today"),
    ("state.no_show", "ei saapunut", "kom inte", "no-show"),
    ("state.parked", "odottaa hetken", "väntar en stund", "stepped out"),
    ("state.waiting", "jonossa", "i kön", "waiting"),
    ("act.call", "Kutsu", "Ropa upp", "Call"),
    ("act.call_next", "Kutsu seuraava", "Ropa upp nästa", "Call next"),
    ("act.call_number", "Kutsu numero", "Ropa upp nummer", "Call number"),
    ("act.cancel", "Poista", "Ta bort", "Remove"),
    ("act.dismiss", "Kuitattu", "Kvittera", "Done"),
    ("act.finish", "Valmis", "Klar", "Finish"),
    ("act.no_show", "Ei saapunut", "Kom inte", "No-show"),
    ("act.recall", "Kutsu uudelleen", "Ropa upp igen", "Recall"),
    ("act.send", "Lähetä", "Skicka", "Send"),
    ("act.start", "Aloita", "Börja", "Start"),
    ("act.transfer", "Siirrä", "Flytta", "Move"),
    ("admin.accounts", "Henkilökunnan tunnukset", "Personalens konton", "Staff accounts"),
    ("admin.active", "Käytössä", "Aktivt", "Active"),
    ("admin.add", "Lisää", "Lägg till", "Add"),
    ("admin.add_account", "Uusi tunnus", "Nytt konto", "New account"),
    ("admin.add_token", "Uusi API-avain", "Ny API-nyckel", "New API token"),
    ("admin.authority", "Viranomainen", "Myndighet", "Authority"),
    ("admin.disable", "Poista käytöstä", "Inaktivera", "Disable"),
    ("admin.disabled", "Poissa käytöstä", "Inaktiverat", "Disabled"),
    ("admin.enable", "Ota käyttöön", "Aktivera", "Enable"),
    ("admin.locked", "Lukittu", "Låst", "Locked"),
    ("admin.new_password", "Uusi salasana", "Nytt lösenord", "New password"),
    ("admin.revoke", "Mitätöi", "Återkalla", "Revoke"),
    ("admin.revoked", "Mitätöity", "Återkallad", "Revoked"),
    ("admin.role", "Rooli", "Roll", "Role"),
    ("admin.token_name", "Avaimen nimi", "Nyckelns namn", "Token name"),
    (
        "admin.token_once",
        "Kopioi avain nyt, sitä ei näytetä uudelleen:",
        "Kopiera nyckeln nu, den visas inte igen:",
        "Copy the token now, it is not shown again:",
    ),
    ("admin.tokens", "API-avaimet", "API-nycklar", "API tokens"),
    ("admin.used", "Käytetty viimeksi", "Senast använd", "Last used"),
    ("audit.action", "Toiminto", "Åtgärd", "Action"),
    ("audit.actor", "Kuka", "Vem", "Who"),
    ("audit.detail", "Lisätieto", "Detalj", "Detail"),
    ("audit.filter", "Näytä", "Visa", "Show"),
    ("audit.from", "Alkaen", "Från", "From"),
    ("audit.subject", "Kohde", "Föremål", "Subject"),
    ("audit.to", "Asti", "Till", "To"),
    ("audit.when", "Milloin", "När", "When"),
    ("cmd.reboot", "Käynnistä laite uudelleen", "Starta om enheten", "Reboot the device"),
    ("cmd.reload_config", "Lataa asetukset", "Läs in inställningar", "Reload settings"),
    ("cmd.restart_app", "Käynnistä sovellus uudelleen", "Starta om appen", "Restart the app"),
    ("cmd.show_survey", "Näytä kysely", "Visa enkät", "Show survey"),
    ("cmd.test_print", "Testitulostus", "Testutskrift", "Test print"),
    ("col.counter", "Palvelupiste", "Servicepunkt", "Counter"),
    ("col.device", "Laite", "Enhet", "Device"),
    ("col.health", "Kunto", "Skick", "Health"),
    ("col.lane", "Jono", "Kö", "Lane"),
    ("col.last_command", "Viimeisin komento", "Senaste kommando", "Last command"),
    ("col.last_seen", "Viimeksi kuultu", "Senast hörd", "Last seen"),
    ("col.needs", "Tarpeet", "Behov", "Needs"),
    ("col.number", "Numero", "Nummer", "Number"),
    ("col.service", "Palvelu", "Tjänst", "Service"),
    ("col.state", "Tila", "Läge", "State"),
    ("col.waited", "Odottanut", "Väntat", "Waited"),
    ("counter.choose", "Valitse palvelupiste", "Välj servicepunkt", "Choose your counter"),
    ("counter.idle", "Ei asiakasta.", "Ingen kund.", "No customer."),
    (
        "counter.messages",
        "Viestit palveluneuvojalta",
        "Meddelanden från servicerådgivaren",
        "Messages from the advisor",
    ),
    (
        "counter.none",
        "Sinulle ei ole palvelupisteitä tässä toimipisteessä.",
        "Det finns inga servicepunkter för dig här.",
        "There are no counters for you here.",
    ),
    ("counter.now", "Asiakas nyt", "Kund nu", "Now at the counter"),
    ("counter.transfer", "Siirrä toiseen palveluun", "Flytta till en annan tjänst", "Move to another service"),
    ("counter.waiting", "Jonossa", "I kön", "Waiting"),
    ("device.offline", "Ei yhteyttä", "Frånkopplad", "Offline"),
    ("device.online", "Toiminnassa", "I drift", "Online"),
    ("device.outbox", "jonossa", "i kö", "queued"),
    ("device.unknown", "Ei tiedossa", "Okänt", "Unknown"),
    ("done.called", "Kutsuttu", "Uppropad", "Called"),
    ("dropbox.deposits", "Avauksia", "Öppningar", "Openings"),
    ("dropbox.emptied", "Tyhjennetty", "Tömd", "Emptied"),
    ("dropbox.label", "Kuka tyhjensi (piste, ei nimeä)", "Vem tömde (punkt, inget namn)", "Emptied by (desk, no name)"),
    ("dropbox.label_hint", "neuvonta", "rådgivning", "info desk"),
    ("dropbox.received_at", "saapuneeksi", "mottagna", "received at"),
    ("facility.alerts", "Hälytykset", "Larm", "Alerts"),
    ("facility.command", "Komento", "Kommando", "Command"),
    ("facility.devices", "Laitteet", "Enheter", "Devices"),
    ("facility.dropbox", "Asiakirjalaatikko", "Dokumentlåda", "Document drop box"),
    ("facility.no_alerts", "Ei hälytyksiä.", "Inga larm.", "No alerts."),
    ("facility.recent", "Viimeisimmät hälytykset", "Senaste larm", "Recent alerts"),
    ("help.ack", "Olen tulossa", "Jag kommer", "On my way"),
    ("help.acked_by", "tulossa:", "kommer:", "coming:"),
    ("help.button", "avunpyyntöpainike", "hjälpknapp", "help button"),
    ("help.kiosk", "vuoronumerolaite", "kölappsautomat", "kiosk"),
    (
        "help.not_promised",
        "asiakas ohjattiin neuvontaan",
        "kunden hänvisades till rådgivningen",
        "customer was sent to the desk",
    ),
    ("help.resolve", "Hoidettu", "Klart", "Resolved"),
    ("lane.appointment", "Ajanvaraus", "Tidsbokning", "Appointment"),
    ("lane.priority", "Etusija", "Företräde", "Priority"),
    ("lane.walk_in", "Vuoronumero", "Kölapp", "Walk-in"),
    ("language", "Kieli", "Språk", "Language"),
    ("lobby.announcement", "Tiedote näytöille", "Meddelande på skärmarna", "Announcement on the screens"),
    (
        "lobby.announcement_hint",
        "Tyhjennä kaikki kentät poistaaksesi tiedotteen.",
        "Töm alla fält för att ta bort meddelandet.",
        "Empty every field to remove the announcement.",
    ),
    ("lobby.cancel", "Poista turha vuoronumero", "Ta bort en onödig kölapp", "Remove a pointless number"),
    ("lobby.closed_now", "suljettu nyt", "stängt nu", "closed now"),
    ("lobby.help", "Avunpyynnöt", "Hjälpbegäran", "Help requests"),
    ("lobby.message", "Viesti palvelupisteeseen", "Meddelande till servicepunkt", "Message a counter"),
    ("lobby.message_text", "Viesti", "Meddelande", "Message"),
    ("lobby.move", "Siirrä oikeaan jonoon", "Flytta till rätt kö", "Move to the right queue"),
    ("lobby.no_announcement", "Ei tiedotetta.", "Inget meddelande.", "No announcement."),
    ("lobby.no_help", "Ei avunpyyntöjä.", "Inga hjälpbegäran.", "No help requests."),
    (
        "lobby.no_names",
        "Älä kirjoita nimiä tai henkilötietoja.",
        "Skriv inte namn eller personuppgifter.",
        "Do not write names or personal details.",
    ),
    ("lobby.preview", "Näytöillä nyt", "På skärmarna nu", "On the screens now"),
    ("lobby.queues", "Jonot", "Köer", "Queues"),
    ("lobby.to_service", "Palveluun", "Till tjänst", "To service"),
    ("lobby.waiting", "jonossa", "i kö", "waiting"),
    ("login.disabled", "Tunnus ei ole käytössä.", "Kontot är inaktiverat.", "This account is disabled."),
    (
        "login.invalid",
        "Väärä käyttäjätunnus tai salasana.",
        "Fel användarnamn eller lösenord.",
        "Wrong user name or password.",
    ),
    (
        "login.locked",
        "Liian monta väärää yritystä. Yritä uudelleen",
        "För många felaktiga försök. Försök igen om",
        "Too many wrong attempts. Try again in",
    ),
    ("login.password", "Salasana", "Lösenord", "Password"),
    ("login.submit", "Kirjaudu", "Logga in", "Sign in"),
    ("login.title", "Aula – henkilökunta", "Aula – personal", "Aula – staff"),
    ("login.username", "Käyttäjätunnus", "Användarnamn", "User name"),
    ("logout", "Kirjaudu ulos", "Logga ut", "Sign out"),
    ("min", "min", "min", "min"),
    ("nav.admin", "Ylläpito", "Administration", "Admin"),
    ("nav.audit", "Tapahtumaloki", "Händelselogg", "Audit log"),
    ("nav.counter", "Palvelupiste", "Servicepunkt", "Counter"),
    ("nav.facility", "Laitteet", "Enheter", "Devices"),
    ("nav.label", "Sivut", "Sidor", "Pages"),
    ("nav.lobby", "Aula", "Lobby", "Lobby"),
    ("nav.reports", "Raportit", "Rapporter", "Reports"),
    ("needs.accessibility", "Esteettömyys", "Tillgänglighet", "Accessibility"),
    ("needs.interpreter", "Tulkki", "Tolk", "Interpreter"),
    ("needs.reading", "Lukuapu", "Läshjälp", "Reading help"),
    ("printer.cover_open", "kansi auki", "locket öppet", "cover open"),
    ("printer.cutter", "leikkurivika", "skärfel", "cutter error"),
    ("printer.offline", "tulostin ei vastaa", "skrivaren svarar inte", "printer not answering"),
    ("printer.paper_low", "paperi vähissä", "lite papper", "paper low"),
    ("printer.paper_out", "paperi loppu", "slut på papper", "paper out"),
    ("printer.ready", "tulostin valmis", "skrivaren klar", "printer ready"),
    ("queue.empty", "Ei ketään jonossa.", "Ingen i kön.", "Nobody waiting."),
    ("reports.answers", "Vastauksia", "Svar", "Answers"),
    ("reports.csv", "Lataa CSV", "Ladda ner CSV", "Download CSV"),
    ("reports.done", "Asia hoitui", "Ärendet klart", "Got it done"),
    ("reports.feedback", "Asiakaspalaute", "Kundrespons", "Customer feedback"),
    ("reports.month", "Kuukausi", "Månad", "Month"),
    ("role.admin", "ylläpitäjä", "administratör", "admin"),
    ("role.advisor", "palveluneuvoja", "servicerådgivare", "service advisor"),
    ("role.coordinator", "koordinaattori", "koordinator", "coordinator"),
    ("role.counter", "asiantuntija", "expert", "counter expert"),
    ("role.facility", "kiinteistö ja laitteet", "fastighet och enheter", "facility host"),
    ("save", "Tallenna", "Spara", "Save"),
    ("state.called", "kutsuttu", "uppropad", "called"),
    ("state.serving", "palvelussa", "betjänas", "being served"),
];

fn table() -> &'static HashMap<&'static str, [&'static str; 3]> {
    static T: OnceLock<HashMap<&'static str, [&'static str; 3]>> = OnceLock::new();
    T.get_or_init(|| TEXTS.iter().map(|(k, fi, sv, en)| (*k, [*fi, *sv, *en])).collect())
}

/// The word for `key` in `lang` (fi, sv, en; anything else: Finnish). An unknown key shows
/// as itself, so a gap is visible on the page and in the test below.
pub fn t(lang: &str, key: &str) -> &'static str {
    let i = match lang {
        "sv" => 1,
        "en" => 2,
        _ => 0,
    };
    match table().get(key) {
        Some(row) => row[i],
        None => {
            tracing::warn!(key, "console text missing");
            "?"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_once_in_the_table_with_three_non_empty_texts() {
        let mut seen = std::collections::HashSet::new();
        for (k, fi, sv, en) in TEXTS {
            assert!(seen.insert(k), "{k} twice");
            assert!(!fi.is_empty() && !sv.is_empty() && !en.is_empty(), "{k}");
        }
    }

    #[test]
    fn every_key_the_console_uses_is_in_the_table() {
        // The source of the console's pages, scanned for t("…") keys.
        let sources = [
            include_str!("admin.rs"),
            include_str!("counter.rs"),
            include_str!("facility.rs"),
            include_str!("layout.rs"),
            include_str!("lobby.rs"),
            include_str!("login.rs"),
            include_str!("reports.rs"),
        ];
        let mut missing = Vec::new();
        for src in sources {
            let chunks: Vec<&str> = src.split("t(").collect();
            for (before, part) in chunks.iter().zip(chunks.iter().skip(1)) {
                // `t(` itself, not the end of `format(` or `get(`.
                if before.chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let part = part.trim_start_matches("lang, ").trim_start_matches("&lang, ");
                let Some(rest) = part.strip_prefix('"') else { continue };
                let Some(key) = rest.split('"').next() else { continue };
                if key.contains('.') || ["language", "logout", "min", "save"].contains(&key) {
                    if !table().contains_key(key) {
                        missing.push(key.to_owned());
                    }
                }
            }
        }
        for role in aula_hub::staff::Role::NAMES {
            if !table().contains_key(format!("role.{role}").as_str()) {
                missing.push(format!("role.{role}"));
            }
        }
        assert!(missing.is_empty(), "console keys without texts: {missing:?}");
    }
}
