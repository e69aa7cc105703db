//! Who may do what: the five staff roles and the one place their permissions are decided
//! ([`Principal::may`]). Pure: no I/O, so every rule is a table test.
//!
//! | role | sees | acts |
//! |---|---|---|
//! | counter expert (of an authority) | that authority's services and the counters serving them | calls, starts, finishes… only those services' tickets, at those counters |
//! | service advisor | every queue (number, service, lane, waited time, needs flags only) | help requests, moving and cancelling tickets, messages to counters, announcements, today's presence |
//! | facility host | devices, alerts, the drop box | device commands, drop-box emptyings; no queue or feedback data |
//! | coordinator (of an authority, or the whole site) | reports and feedback of that scope | nothing in the lobby |
//! | admin | staff accounts, tokens, the audit log, reports | accounts and tokens |

use aula_engine::SiteConfig;
use aula_protocol::{CounterId, ServiceId};
use serde::{Deserialize, Serialize};

/// A staff role, with the authority it is scoped to where that applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// An authority's expert at a counter or service room.
    Counter { authority: String },
    /// The lobby's general service advisor.
    Advisor,
    /// Keeps devices working.
    Facility,
    /// Reads the figures: of one authority, or of the whole site (`None`).
    Coordinator { authority: Option<String> },
    /// Staff accounts, tokens, the audit log.
    Admin,
}

impl Role {
    /// The stored name (`staff_accounts.role`).
    pub fn name(&self) -> &'static str {
        match self {
            Role::Counter { .. } => "counter",
            Role::Advisor => "advisor",
            Role::Facility => "facility",
            Role::Coordinator { .. } => "coordinator",
            Role::Admin => "admin",
        }
    }

    pub fn authority(&self) -> Option<&str> {
        match self {
            Role::Counter { authority } => Some(authority),
            Role::Coordinator { authority } => authority.as_deref(),
            _ => None,
        }
    }

    /// From the stored name and authority; `None` for a combination that cannot exist
    /// (a counter expert without an authority, an authority on a site-wide role).
    pub fn from_parts(name: &str, authority: Option<&str>) -> Option<Role> {
        let authority = authority.map(str::trim).filter(|a| !a.is_empty());
        Some(match (name, authority) {
            ("counter", Some(a)) => Role::Counter { authority: a.to_owned() },
            ("advisor", None) => Role::Advisor,
            ("facility", None) => Role::Facility,
            ("coordinator", a) => Role::Coordinator { authority: a.map(str::to_owned) },
            ("admin", None) => Role::Admin,
            _ => return None,
        })
    }

    /// Every role name, for forms and error messages.
    pub const NAMES: [&'static str; 5] = ["counter", "advisor", "facility", "coordinator", "admin"];
}

/// Who is acting: a signed-in staff member or an API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// `alice` for an account, `token:cli` for a token (what the audit log records).
    pub actor: String,
    pub role: Role,
    /// The account's console language (tokens: Finnish).
    pub lang: String,
    /// The account id (None for a token).
    pub account: Option<i64>,
}

/// Something a principal may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission<'a> {
    /// See this service's waiting tickets (numbers, lane, waited time, needs flags).
    SeeQueue(&'a ServiceId),
    /// Call, recall, start, finish, no-show, park, return tickets of this service.
    ServeService(&'a ServiceId),
    /// Sign in to and act at this counter.
    UseCounter(&'a CounterId),
    /// Move a ticket to another authority's queue, cancel a pointless one.
    MoveTickets,
    /// Help requests: see, acknowledge, resolve.
    HandleHelp,
    /// Message a counter about a ticket.
    MessageCounters,
    /// Announcements on the walls, today's presence and hours.
    RunLobby,
    /// The device registry and alerts.
    SeeDevices,
    /// Commands to devices.
    CommandDevices,
    /// The drop box: ledger and "emptied".
    DropBox,
    /// Feedback figures and comments, and queue reports, of this authority (`None`: the
    /// whole site).
    SeeReports(Option<&'a str>),
    /// Staff accounts and API tokens.
    ManageStaff,
    /// The audit log.
    SeeAudit,
}

/// The authority a service belongs to (each service is one authority's queue; the site
/// file can group services under one authority id).
pub fn authority_of<'a>(site: &'a SiteConfig, service: &'a ServiceId) -> &'a str {
    site.service(service).map(|s| s.authority_id.as_str()).unwrap_or(service.as_str())
}

impl Principal {
    /// The one place permissions are decided.
    pub fn may(&self, site: &SiteConfig, p: Permission<'_>) -> bool {
        use Permission::*;
        match (&self.role, p) {
            (Role::Counter { authority }, SeeQueue(s) | ServeService(s)) => authority_of(site, s) == authority,
            (Role::Counter { authority }, UseCounter(c)) => {
                site.counter(c).is_some_and(|c| c.services.iter().any(|s| authority_of(site, s) == authority))
            }
            (Role::Advisor, SeeQueue(_) | MoveTickets | HandleHelp | MessageCounters | RunLobby) => true,
            (Role::Facility, SeeDevices | CommandDevices | DropBox) => true,
            (Role::Coordinator { authority: None }, SeeReports(_)) => true,
            (Role::Coordinator { authority: Some(mine) }, SeeReports(Some(asked))) => mine == asked,
            (Role::Admin, ManageStaff | SeeAudit | SeeReports(_)) => true,
            _ => false,
        }
    }

    /// The services this principal may see in a queue view, in site order.
    pub fn visible_services(&self, site: &SiteConfig) -> Vec<ServiceId> {
        site.services.iter().filter(|s| self.may(site, Permission::SeeQueue(&s.id))).map(|s| s.id.clone()).collect()
    }

    /// The counters this principal may sign in to.
    pub fn usable_counters(&self, site: &SiteConfig) -> Vec<CounterId> {
        site.counters.iter().filter(|c| self.may(site, Permission::UseCounter(&c.id))).map(|c| c.id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteConfig {
        SiteConfig::from_toml(crate::testsite::SITE_TOML, "site.toml").unwrap()
    }

    fn who(role: Role) -> Principal {
        Principal { actor: "x".into(), role, lang: "fi".into(), account: Some(1) }
    }

    #[test]
    fn each_role_may_do_exactly_its_part() {
        let site = site();
        let vero = ServiceId::new("vero").unwrap();
        let poliisi = ServiceId::new("poliisi").unwrap();
        let c1 = CounterId::new("1").unwrap(); // vero, kela
        let c2 = CounterId::new("2").unwrap(); // poliisi, kela
        use Permission::*;
        let counter_vero = who(Role::Counter { authority: "vero".into() });
        let advisor = who(Role::Advisor);
        let facility = who(Role::Facility);
        let coord_vero = who(Role::Coordinator { authority: Some("vero".into()) });
        let coord_site = who(Role::Coordinator { authority: None });
        let admin = who(Role::Admin);
        // (principal, permission, allowed)
        let cases: Vec<(&Principal, Permission, bool)> = vec![
            (&counter_vero, SeeQueue(&vero), true),
            (&counter_vero, ServeService(&vero), true),
            (&counter_vero, SeeQueue(&poliisi), false),
            (&counter_vero, ServeService(&poliisi), false),
            (&counter_vero, UseCounter(&c1), true),
            (&counter_vero, UseCounter(&c2), false),
            (&counter_vero, MoveTickets, false),
            (&counter_vero, SeeDevices, false),
            (&advisor, SeeQueue(&poliisi), true),
            (&advisor, ServeService(&vero), false),
            (&advisor, MoveTickets, true),
            (&advisor, HandleHelp, true),
            (&advisor, RunLobby, true),
            (&advisor, SeeDevices, false),
            (&advisor, SeeReports(None), false),
            (&facility, SeeDevices, true),
            (&facility, CommandDevices, true),
            (&facility, DropBox, true),
            (&facility, SeeQueue(&vero), false),
            (&facility, SeeReports(None), false),
            (&coord_vero, SeeReports(Some("vero")), true),
            (&coord_vero, SeeReports(Some("kela")), false),
            (&coord_vero, SeeReports(None), false),
            (&coord_vero, SeeQueue(&vero), false),
            (&coord_site, SeeReports(None), true),
            (&coord_site, SeeReports(Some("kela")), true),
            (&admin, ManageStaff, true),
            (&admin, SeeAudit, true),
            (&admin, SeeQueue(&vero), false),
            (&admin, CommandDevices, false),
        ];
        for (p, perm, allowed) in cases {
            assert_eq!(p.may(&site, perm), allowed, "{:?} {perm:?}", p.role);
        }
        assert_eq!(counter_vero.visible_services(&site), [vero]);
        assert_eq!(counter_vero.usable_counters(&site), [c1]);
    }

    #[test]
    fn only_sensible_role_and_authority_pairs_exist() {
        assert_eq!(Role::from_parts("counter", Some("kela")), Some(Role::Counter { authority: "kela".into() }));
        assert_eq!(Role::from_parts("counter", None), None);
        assert_eq!(Role::from_parts("counter", Some("  ")), None);
        assert_eq!(Role::from_parts("advisor", Some("kela")), None);
        assert_eq!(Role::from_parts("coordinator", None), Some(Role::Coordinator { authority: None }));
        assert_eq!(Role::from_parts("janitor", None), None);
    }
}
